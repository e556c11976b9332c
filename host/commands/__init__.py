"""Subcommands of the ``quantum`` console script, one module each.

A module here exposes ``register(subparsers)``, which adds its parser and sets
``func=async-or-plain callable(args) -> int`` on it. :mod:`host.cli` discovers the modules, so
adding a command means adding a file, never editing a shared list.
"""
