"""The host side of the gateware link: codec, transports, client, reference model and status.

Start with :class:`host.link.client.GuardClient` (``await GuardClient.connect("model" | "sim" |
"serial:PORT")``); the other modules are its parts.
"""

__all__: list[str] = []
