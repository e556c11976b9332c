"""``quantum bench``: measure every part on this machine and write docs/bench/results.json.

The modules here: :mod:`~host.bench.stats` (percentiles, ratios), :mod:`~host.bench.serial`
(UART frame-time arithmetic), :mod:`~host.bench.results` (the results file and its schema),
:mod:`~host.bench.machine` (machine and versions), :mod:`~host.bench.references` (published
figures, cited), :mod:`~host.bench.sections` (one module per measured part),
:mod:`~host.bench.runner` (runs the sections), :mod:`~host.bench.plot` (latency plot),
:mod:`~host.bench.peers` (NautilusTrader and hftbacktest on the same data) and
:mod:`~host.bench.readme` (the README performance table).
"""

__all__: list[str] = []
