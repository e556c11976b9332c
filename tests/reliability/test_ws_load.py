"""50 WebSocket clients while the engine (``quantum paper``, its own process) replays at full
speed into the database the dashboard (``quantum serve``, its own process) tails: every
client receives every event id, in order, and neither process's memory runs away.

The short run of host/reliability/ws_load.py; ``python -m host.reliability`` runs it for 60 s.
"""

from pathlib import Path

from host.reliability.ws_load import MAX_ENGINE_RSS_MB, MAX_SERVER_RSS_MB, run_ws_load

CLIENTS = 50
SECONDS = 5.0


async def test_fifty_clients_each_receive_every_event_in_order_while_the_engine_replays(
    tmp_path: Path,
) -> None:
    result = await run_ws_load(tmp_path, seconds=SECONDS, clients=CLIENTS)

    assert result.problems == []
    assert result.engine_exit == 0
    assert result.events > 0 and result.engine_events > result.events
    assert result.clients_complete == CLIENTS
    assert 0 < result.server_peak_rss_mb < MAX_SERVER_RSS_MB
    assert 0 < result.engine_peak_rss_mb < MAX_ENGINE_RSS_MB
    figures = result.as_dict()
    assert figures["passed"] is True and figures["replay_seconds"] == SECONDS
    assert figures["engine_events_per_s"] > figures["events_written_per_s"] > 0
