"""Lists with pagination and filters, the order timeline and the statistics."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from dashboard.server.testing import Auth
from host.store import Store

T0 = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


async def _order(store: Store, client_id: str, **changes: Any) -> None:
    values: dict[str, Any] = {
        "client_id": client_id,
        "ts": T0,
        "symbol": "BTCUSDT",
        "side": "buy",
        "kind": "limit",
        "price": Decimal("65000.5"),
        "quantity": Decimal("0.002"),
        "status": "accepted",
        "gateware_backend": "model",
        "gateware_reason": None,
        "gateware_latency_us": 200.0,
        "drb_reason": None,
        "detail": {},
    }
    values.update(changes)
    await store.record_order(**values)


async def _trade(store: Store, client_id: str, pnl: str, fee: str = "0.01", seq: int = 1) -> None:
    await store.record_trade(
        client_id=client_id,
        ts=T0 + timedelta(seconds=seq),
        symbol="BTCUSDT",
        side="sell",
        price=Decimal("65010"),
        quantity=Decimal("0.001"),
        fee=Decimal(fee),
        liquidity="maker",
        realized_pnl=Decimal(pnl),
        fill_seq=seq,
    )


@pytest.mark.parametrize(
    "path",
    ["/api/signals", "/api/orders", "/api/trades", "/api/positions", "/api/market", "/api/equity"],
)
async def test_lists_when_anonymous_then_401(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)

    assert response.status_code == 401


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("limit=1001", "query.limit: Input should be less than or equal to 1000"),
        ("limit=0", "query.limit: Input should be greater than or equal to 1"),
        ("offset=-1", "query.offset: Input should be greater than or equal to 0"),
        ("since=yesterday", "query.since: Input should be a valid datetime or date"),
    ],
)
async def test_lists_when_paging_invalid_then_422_with_reason(
    client: httpx.AsyncClient, auth: Auth, query: str, detail: str
) -> None:
    response = await client.get(f"/api/signals?{query}", headers=auth.viewer)

    assert response.status_code == 422
    assert response.json()["detail"].startswith(detail)


async def test_signals_when_paged_then_newest_first_with_total_count(
    client: httpx.AsyncClient, auth: Auth, app_store: Store
) -> None:
    for i in range(5):
        await app_store.record_signal(
            ts=T0 + timedelta(seconds=i),
            symbol="BTCUSDT" if i % 2 == 0 else "ETHUSDT",
            kind="cascade",
            side="buy",
            strength=Decimal(i),
            detail={"i": i},
        )

    page = await client.get("/api/signals?limit=2&offset=1", headers=auth.viewer)
    btc = await client.get("/api/signals?symbol=BTCUSDT", headers=auth.viewer)
    recent = await client.get(
        "/api/signals",
        params={"since": (T0 + timedelta(seconds=3)).isoformat()},
        headers=auth.viewer,
    )

    assert page.status_code == 200
    assert page.json()["count"] == 5
    assert [s["strength"] for s in page.json()["data"]] == ["3", "2"]
    assert [s["detail"]["i"] for s in btc.json()["data"]] == [4, 2, 0]
    assert btc.json()["count"] == 3
    assert [s["detail"]["i"] for s in recent.json()["data"]] == [4, 3]


async def test_orders_when_filtered_by_status_and_rejected_then_matching_only(
    client: httpx.AsyncClient, auth: Auth, app_store: Store
) -> None:
    await _order(app_store, "ok-1")
    await _order(app_store, "gw-1", status="rejected", gateware_reason="MAX_NOTIONAL")
    await _order(app_store, "drb-1", status="rejected", drb_reason="MAX_DRAWDOWN")
    await _order(app_store, "ok-2", gateware_reason="ACCEPT", drb_reason="ACCEPT")

    rejected = await client.get("/api/orders?rejected=true", headers=auth.viewer)
    accepted = await client.get("/api/orders?rejected=false", headers=auth.viewer)
    by_status = await client.get("/api/orders?status=rejected", headers=auth.viewer)

    assert sorted(o["client_id"] for o in rejected.json()["data"]) == ["drb-1", "gw-1"]
    assert sorted(o["client_id"] for o in accepted.json()["data"]) == ["ok-1", "ok-2"]
    assert by_status.json()["count"] == 2


async def test_trades_positions_equity_market_when_recorded_then_listed_exactly(
    client: httpx.AsyncClient, auth: Auth, app_store: Store
) -> None:
    await _trade(app_store, "c-1", pnl="1.25")
    await app_store.upsert_position(
        symbol="BTCUSDT",
        ts=T0,
        quantity=Decimal("-0.001"),
        average_price=Decimal("65010"),
        realized_pnl=Decimal("1.25"),
        unrealized_pnl=Decimal("-0.5"),
    )
    for i in range(3):
        await app_store.record_equity(
            ts=T0 + timedelta(minutes=i),
            equity=Decimal(1000 + i),
            pnl=Decimal(i),
            drawdown=Decimal(0),
        )
        await app_store.record_market(
            ts=T0 + timedelta(minutes=i), symbol="BTCUSDT", price=Decimal(65000 + i), kind="mid"
        )
    await app_store.record_market(
        ts=T0,
        symbol="BTCUSDT",
        price=Decimal(64000),
        kind="liquidation",
        quantity=Decimal(2),
        side="sell",
    )

    trades = (await client.get("/api/trades?client_id=c-1", headers=auth.viewer)).json()
    positions = (await client.get("/api/positions", headers=auth.viewer)).json()
    equity = (await client.get("/api/equity?limit=2", headers=auth.viewer)).json()
    mids = (await client.get("/api/market?kind=mid", headers=auth.viewer)).json()

    assert [(t["price"], t["realized_pnl"]) for t in trades["data"]] == [("65010", "1.25")]
    assert [(p["symbol"], p["quantity"]) for p in positions["data"]] == [("BTCUSDT", "-0.001")]
    # charts get the newest points, oldest first
    assert [p["equity"] for p in equity["data"]] == ["1001", "1002"] and equity["count"] == 3
    assert [m["price"] for m in mids["data"]] == ["65000", "65001", "65002"]


async def test_order_timeline_when_accepted_and_filled_then_every_step_in_order(
    client: httpx.AsyncClient, auth: Auth, app_store: Store
) -> None:
    await _order(
        app_store,
        "c-7",
        detail={"gateware": {"ts": (T0 + timedelta(microseconds=180)).isoformat()}},
        gateware_latency_us=180.0,
    )
    await app_store.update_order(
        client_id="c-7",
        ts=T0 + timedelta(milliseconds=3),
        status="acked",
        filled_quantity=Decimal(0),
        average_price=None,
        detail={"broker": {"exchange_id": "p-1"}},
    )
    await _trade(app_store, "c-7", pnl="0", seq=1)
    await app_store.update_order(
        client_id="c-7",
        ts=T0 + timedelta(seconds=2),
        status="filled",
        filled_quantity=Decimal("0.002"),
        average_price=Decimal("65010"),
    )

    response = await client.get("/api/orders/c-7", headers=auth.viewer)

    assert response.status_code == 200
    body = response.json()
    steps = [(s["step"], s["verdict"], s["reason"]) for s in body["timeline"]]
    assert steps == [
        ("intent", None, None),
        ("gateware", "accept", "ACCEPT"),
        ("drbguard", "accept", "ACCEPT"),
        ("broker", None, "acked"),
        ("fill", None, None),
        ("broker", None, "filled"),
    ]
    gateware = body["timeline"][1]
    assert gateware["detail"]["backend"] == "model" and gateware["detail"]["latency_us"] == 180.0
    assert gateware["ts"] == "2026-11-25T06:00:00.000180Z"
    assert body["timeline"][3]["detail"]["broker"] == {"exchange_id": "p-1"}
    assert body["timeline"][4]["detail"]["price"] == "65010"
    assert [t["client_id"] for t in body["trades"]] == ["c-7"]


async def test_order_timeline_when_gateware_rejects_then_rule_inputs_limit_and_drb_not_reached(
    client: httpx.AsyncClient, auth: Auth, app_store: Store
) -> None:
    await _order(
        app_store,
        "c-8",
        status="rejected",
        gateware_reason="MAX_NOTIONAL",
        detail={
            "gateware": {
                "inputs": {"price_ticks": 650005, "quantity_lots": 2000},
                "limit": 1000000000,
            }
        },
    )

    body = (await client.get("/api/orders/c-8", headers=auth.viewer)).json()

    gateware, drb = body["timeline"][1], body["timeline"][2]
    assert (gateware["verdict"], gateware["reason"]) == ("reject", "MAX_NOTIONAL")
    assert gateware["rule"] == "C6: max order notional"
    assert gateware["inputs"] == {"price_ticks": 650005, "quantity_lots": 2000}
    assert gateware["limit"] == 1000000000
    assert drb["verdict"] == "not_reached"


async def test_order_timeline_when_drbguard_rejects_then_its_rule_shown(
    client: httpx.AsyncClient, auth: Auth, app_store: Store
) -> None:
    await _order(
        app_store,
        "c-9",
        status="rejected",
        drb_reason="MAX_DRAWDOWN: drawdown=0.12, limit=0.10",
        detail={"drbguard": {"inputs": {"drawdown": "0.12"}, "limit": "0.10"}},
    )
    await app_store.record_risk_event(
        ts=T0, line="drbguard", kind="reject", reason="MAX_DRAWDOWN", detail={"client_id": "c-9"}
    )

    body = (await client.get("/api/orders/c-9", headers=auth.viewer)).json()

    assert [s["step"] for s in body["timeline"]] == ["intent", "gateware", "drbguard", "risk"]
    drb = body["timeline"][2]
    assert (drb["verdict"], drb["rule"], drb["limit"]) == (
        "reject",
        "C17: max drawdown from peak equity",
        "0.10",
    )
    assert body["timeline"][3]["detail"]["line"] == "drbguard"


async def test_order_timeline_when_unknown_then_404(client: httpx.AsyncClient, auth: Auth) -> None:
    response = await client.get("/api/orders/nope", headers=auth.viewer)

    assert response.status_code == 404
    assert response.json()["detail"] == "Order 'nope' not found"


async def test_stats_when_empty_then_zeros_and_nulls(client: httpx.AsyncClient, auth: Auth) -> None:
    body = (await client.get("/api/stats", headers=auth.viewer)).json()

    assert (body["trade_count"], body["net_pnl"], body["hit_rate"], body["equity"]) == (
        0,
        "0",
        None,
        None,
    )
    assert body["latency"]["count"] == 0


async def test_stats_when_recorded_then_pnl_drawdown_hit_rate_latency(
    client: httpx.AsyncClient, auth: Auth, app_store: Store
) -> None:
    for i, latency in enumerate([100.0, 200.0, 300.0, 400.0]):
        await _order(app_store, f"o-{i}", gateware_latency_us=latency)
    await _order(app_store, "o-rej", gateware_reason="PRICE_COLLAR", gateware_latency_us=None)
    await _trade(app_store, "o-0", pnl="0", fee="0.10", seq=1)  # opening: not counted in hit rate
    await _trade(app_store, "o-1", pnl="5", fee="0.10", seq=1)
    await _trade(app_store, "o-2", pnl="-2", fee="0.10", seq=1)
    await _trade(app_store, "o-3", pnl="3", fee="0.10", seq=1)
    await app_store.upsert_position(
        symbol="BTCUSDT",
        ts=T0,
        quantity=Decimal(1),
        average_price=Decimal(1),
        realized_pnl=Decimal(6),
        unrealized_pnl=Decimal("1.5"),
    )
    for i, value in enumerate(["1000", "1100", "990", "1050", "1200"]):
        await app_store.record_equity(
            ts=T0 + timedelta(minutes=i), equity=Decimal(value), pnl=Decimal(0), drawdown=Decimal(0)
        )

    body = (await client.get("/api/stats", headers=auth.viewer)).json()

    assert body["realized_pnl"] == "6" and body["fees"] == "0.4"
    assert body["net_pnl"] == "7.1"  # 6 - 0.4 + 1.5
    assert body["hit_rate"] == pytest.approx(2 / 3)
    assert body["max_drawdown"] == "110" and body["max_drawdown_fraction"] == "0.1"
    assert (body["equity"], body["peak_equity"]) == ("1200", "1200")
    assert (body["trade_count"], body["order_count"], body["rejected_by_gateware"]) == (4, 5, 1)
    latency = body["latency"]
    assert (latency["count"], latency["p50_us"], latency["p99_us"], latency["max_us"]) == (
        4,
        200.0,
        400.0,
        400.0,
    )
    assert latency["mean_us"] == 250.0 and latency["backends"] == ["model"]


async def test_order_timeline_when_reason_is_code_with_facts_then_inputs_and_limit_parsed(
    client: httpx.AsyncClient, auth: Auth, app_store: Store
) -> None:
    await _order(
        app_store,
        "c-10",
        status="rejected_drbguard",
        gateware_reason=None,
        drb_reason="PRICE_COLLAR: price=70000, reference=65000, distance_bp=769.23, limit=500",
        detail={"price_ticks": 700000, "lots": 2},
    )

    body = (await client.get("/api/orders/c-10", headers=auth.viewer)).json()

    drb = body["timeline"][2]
    assert drb["rule"] == "C7: price collar around the reference price"
    assert drb["inputs"] == {"price": "70000", "reference": "65000", "distance_bp": "769.23"}
    assert drb["limit"] == "500"


async def test_order_timeline_when_gateware_reason_bare_then_inputs_are_ticks_and_lots(
    client: httpx.AsyncClient, auth: Auth, app_store: Store
) -> None:
    await _order(
        app_store,
        "c-11",
        status="rejected_gateware",
        gateware_reason="MAX_QUANTITY",
        detail={"price_ticks": 650005, "lots": 9000, "tag": "entry"},
    )

    body = (await client.get("/api/orders/c-11", headers=auth.viewer)).json()

    gateware = body["timeline"][1]
    assert (gateware["verdict"], gateware["rule"]) == ("reject", "C5: max order quantity")
    assert gateware["inputs"] == {"price_ticks": 650005, "lots": 9000}
