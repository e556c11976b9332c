"""Scripts run by ``quantum bench --peers`` inside the peers' own venv (build/peers/venv).

They import only numpy and the peer library, read the events file the bench exported
(:data:`host.data.events.EVENT_DTYPE` rows), run the shared liquidation-window strategy, and
print one JSON line with ``events``, ``seconds``, ``events_per_s`` and ``signals``.
"""

__all__: list[str] = []
