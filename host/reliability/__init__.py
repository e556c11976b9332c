"""Fault injection scenarios and the long-run summary (``python -m host.reliability``)."""

__all__: list[str] = []
