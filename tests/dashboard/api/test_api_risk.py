"""Risk: both lines' status, events, kill / re-arm / limits as engine commands, audited."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from dashboard.server.testing import Auth
from hdl.protocol import LIMIT_BITS, ArmMode
from host.store import Store

T0 = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


async def _status(store: Store, line: str, **status: object) -> None:
    await store.record_guard_status(ts=T0, line=line, backend="verilator", status=dict(status))


async def test_risk_when_no_snapshot_then_lines_unknown(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    body = (await client.get("/api/risk", headers=auth.viewer)).json()

    assert [(line["line"], line["state"], line["backend"]) for line in body["lines"]] == [
        ("gateware", "UNKNOWN", None),
        ("drbguard", "UNKNOWN", None),
    ]


async def test_risk_when_snapshots_and_rejects_then_both_lines_reported(
    client: httpx.AsyncClient, auth: Auth, app_store: Store
) -> None:
    await _status(
        app_store,
        "gateware",
        state="ACTIVE",
        limits={"MAX_ORDER_QTY": 100},
        reject_counts={"PRICE_COLLAR": 3},
        market_data_age_ms={"BTCUSDT": 42},
    )
    await _status(app_store, "drbguard", state="HALTED", limits={"max_drawdown": "0.1"})
    for i, (gw, drb) in enumerate(
        [
            ("PRICE_COLLAR", None),
            ("PRICE_COLLAR", None),
            (None, "MAX_DRAWDOWN: equity=90000.00, limit=0.05"),
            (None, "MAX_DRAWDOWN: equity=89000.00, limit=0.05"),
            ("ACCEPT", None),
        ]
    ):
        await app_store.record_order(
            client_id=f"o-{i}",
            ts=T0 + timedelta(seconds=i),
            symbol="BTCUSDT",
            side="buy",
            kind="limit",
            price=Decimal(1),
            quantity=Decimal(1),
            status="rejected" if gw or drb else "accepted",
            gateware_backend="verilator",
            gateware_reason=gw,
            gateware_latency_us=None,
            drb_reason=drb,
            detail={},
        )

    lines = {
        line["line"]: line
        for line in (await client.get("/api/risk", headers=auth.viewer)).json()["lines"]
    }

    gateware, drb = lines["gateware"], lines["drbguard"]
    assert (gateware["state"], gateware["backend"]) == ("ACTIVE", "verilator")
    assert gateware["limits"] == {"MAX_ORDER_QTY": 100}
    assert gateware["reject_counts"] == {"PRICE_COLLAR": 3}
    assert gateware["order_reject_counts"] == {"PRICE_COLLAR": 2}
    assert gateware["feed_age_ms"] == {"BTCUSDT": 42}
    assert gateware["age_seconds"] > 0
    assert drb["state"] == "HALTED"
    assert drb["order_reject_counts"] == {"MAX_DRAWDOWN": 2}


async def test_kill_when_operator_then_pending_command_and_audit_with_actor(
    client: httpx.AsyncClient, auth: Auth, app_store: Store
) -> None:
    response = await client.post(
        "/api/risk/kill", headers=auth.operator, json={"line": "gateware", "reason": "drill"}
    )

    assert response.status_code == 202
    command = response.json()
    assert (command["kind"], command["status"], command["actor"]) == ("kill", "pending", "olga")
    assert command["payload"] == {"line": "gateware", "reason": "drill"}
    (pending,) = await app_store.pending_commands()
    assert pending.id == command["id"]
    events = (await client.get("/api/risk/events?kind=command_kill", headers=auth.viewer)).json()
    assert [(e["actor"], e["line"], e["detail"]["command_id"]) for e in events["data"]] == [
        ("olga", "gateware", command["id"])
    ]


async def test_kill_when_viewer_then_403_and_no_command(
    client: httpx.AsyncClient, auth: Auth, app_store: Store
) -> None:
    response = await client.post("/api/risk/kill", headers=auth.viewer, json={})

    assert response.status_code == 403
    assert response.json()["detail"] == "Role operator or higher is required, not viewer"
    assert await app_store.pending_commands() == []


async def test_kill_when_line_unknown_then_422(client: httpx.AsyncClient, auth: Auth) -> None:
    response = await client.post("/api/risk/kill", headers=auth.operator, json={"line": "fpga"})

    assert response.status_code == 422
    assert response.json()["detail"] == "line: Input should be 'gateware', 'drbguard' or 'both'"


async def test_rearm_when_reducing_then_command_carries_mode(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    response = await client.post(
        "/api/risk/rearm", headers=auth.operator, json={"mode": "reducing"}
    )

    assert response.status_code == 202
    assert response.json()["payload"] == {
        "line": "both",
        "mode": ArmMode.REDUCING.value,
        "mode_name": "reducing",
    }


async def test_rearm_when_mode_unknown_then_422(client: httpx.AsyncClient, auth: Auth) -> None:
    response = await client.post("/api/risk/rearm", headers=auth.operator, json={"mode": "yolo"})

    assert response.status_code == 422
    assert response.json()["detail"] == "mode: Input should be 'active' or 'reducing'"


async def test_command_when_engine_completes_then_status_done(
    client: httpx.AsyncClient, auth: Auth, app_store: Store
) -> None:
    command_id = (await client.post("/api/risk/kill", headers=auth.operator, json={})).json()["id"]
    await app_store.complete_command(command_id=command_id, ok=True, result="kill latched")

    response = await client.get(f"/api/commands/{command_id}", headers=auth.viewer)

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["result"]) == ("done", "kill latched")


async def test_command_when_unknown_then_404(client: httpx.AsyncClient, auth: Auth) -> None:
    response = await client.get("/api/commands/424242", headers=auth.viewer)

    assert response.status_code == 404
    assert response.json()["detail"] == "Command 424242 not found"


async def test_limits_when_snapshots_then_both_lines_and_gateware_names(
    client: httpx.AsyncClient, auth: Auth, app_store: Store
) -> None:
    await _status(app_store, "gateware", limits={"MAX_ORDER_QTY": 100})

    body = (await client.get("/api/limits", headers=auth.viewer)).json()

    assert body["gateware"] == {"MAX_ORDER_QTY": 100} and body["drbguard"] == {}
    assert body["gateware_names"][:2] == ["MAX_ORDER_QTY", "MAX_ORDER_NOTIONAL"]


async def test_set_limit_when_gateware_name_and_whole_value_then_command(
    client: httpx.AsyncClient, auth: Auth, app_store: Store
) -> None:
    response = await client.put(
        "/api/limits",
        headers=auth.operator,
        json={"line": "gateware", "name": "MAX_ORDER_QTY", "value": "250"},
    )

    assert response.status_code == 202
    assert response.json()["payload"] == {
        "line": "gateware",
        "name": "MAX_ORDER_QTY",
        "value": "250",
    }
    (pending,) = await app_store.pending_commands()
    assert pending.kind == "set_limit"


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (
            {"line": "gateware", "name": "MAX_FUN", "value": 1},
            "Gateware limit name must be one of MAX_ORDER_QTY, ",
        ),
        (
            {"line": "gateware", "name": "MAX_ORDER_QTY", "value": "2.5"},
            f"Gateware limit value must be a whole number from 1 to 2**{LIMIT_BITS} - 1",
        ),
        (
            {"line": "gateware", "name": "MAX_ORDER_QTY", "value": 0},
            f"Gateware limit value must be a whole number from 1 to 2**{LIMIT_BITS} - 1",
        ),
        (
            {"line": "gateware", "name": "MAX_ORDER_QTY", "value": 2**LIMIT_BITS},
            f"Gateware limit value must be a whole number from 1 to 2**{LIMIT_BITS} - 1",
        ),
        (
            {"line": "gateware", "name": "MAX_ORDER_QTY", "value": -1},
            "value: Value error, Limit value must be a finite number >= 0, not -1",
        ),
        ({"line": "gateware", "name": "MAX_ORDER_QTY"}, "value: Field required"),
        (
            {"line": "fpga", "name": "X", "value": 1},
            "line: Input should be 'gateware' or 'drbguard'",
        ),
    ],
)
async def test_set_limit_when_invalid_then_422_and_no_command(
    client: httpx.AsyncClient, auth: Auth, app_store: Store, body: dict, detail: str
) -> None:
    response = await client.put("/api/limits", headers=auth.operator, json=body)

    assert response.status_code == 422
    assert response.json()["detail"].startswith(detail)
    assert await app_store.pending_commands() == []


async def test_set_limit_when_gateware_name_lower_case_then_normalised(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    response = await client.put(
        "/api/limits",
        headers=auth.operator,
        json={"line": "gateware", "name": "collar_ticks", "value": 40},
    )

    assert response.status_code == 202
    assert response.json()["payload"]["name"] == "COLLAR_TICKS"


async def test_set_limit_when_gateware_value_is_largest_then_accepted(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    response = await client.put(
        "/api/limits",
        headers=auth.operator,
        json={"line": "gateware", "name": "MAX_ORDER_NOTIONAL", "value": 2**LIMIT_BITS - 1},
    )

    assert response.status_code == 202


async def test_set_limit_when_drbguard_never_reported_then_409(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    response = await client.put(
        "/api/limits",
        headers=auth.operator,
        json={"line": "drbguard", "name": "max_drawdown", "value": "0.1"},
    )

    assert response.status_code == 409
    assert (
        response.json()["detail"]
        == "DRBGuard has not reported its limits yet; start the engine, then retry"
    )


async def test_set_limit_when_drbguard_name_known_then_command_else_422(
    client: httpx.AsyncClient, auth: Auth, app_store: Store
) -> None:
    await _status(app_store, "drbguard", limits={"max_drawdown": "0.1", "max_position": "2"})

    known = await client.put(
        "/api/limits",
        headers=auth.operator,
        json={"line": "drbguard", "name": "max_drawdown", "value": "0.05"},
    )
    unknown = await client.put(
        "/api/limits",
        headers=auth.operator,
        json={"line": "drbguard", "name": "max_fun", "value": "1"},
    )

    assert known.status_code == 202 and known.json()["payload"]["value"] == "0.05"
    assert unknown.status_code == 422
    assert unknown.json()["detail"] == (
        "DRBGuard limit name must be one of max_drawdown, max_position, not 'max_fun'"
    )


async def test_risk_events_when_filtered_by_line_then_matching_only(
    client: httpx.AsyncClient, auth: Auth, app_store: Store
) -> None:
    await app_store.record_risk_event(
        ts=T0, line="gateware", kind="alert", reason="WATCHDOG", detail={}
    )
    await app_store.record_risk_event(
        ts=T0, line="drbguard", kind="reject", reason="DAILY_LOSS", detail={}
    )

    body = (await client.get("/api/risk/events?line=drbguard", headers=auth.viewer)).json()

    assert [(e["line"], e["reason"]) for e in body["data"]] == [("drbguard", "DAILY_LOSS")]
