"""The dashboard in real headless Chromium against a real server and database."""

import logging
import re
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import count

import httpx
from browser_harness import LiveServer, log_in, screenshot
from playwright.sync_api import Page, expect

from host.disclaimer import DISCLAIMER
from host.store import Store

logger = logging.getLogger(__name__)

#: Unique symbols, so tests sharing one database never see each other's rows.
_serial = count(1)


def _symbol() -> str:
    return f"T{next(_serial)}/USDT"


def _banner(page: Page):
    return page.get_by_role("note", name="Disclaimer")


def test_login_with_a_wrong_password_is_refused(page: Page, live_server: LiveServer) -> None:
    page.goto(f"{live_server.base_url}/login")
    expect(_banner(page)).to_have_text(DISCLAIMER)
    page.get_by_label("Username").fill("olga")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Incorrect username or password")
    screenshot(page, "login-refused")
    expect(page).to_have_url(re.compile(r"/login$"))


def test_pages_need_a_login(page: Page, live_server: LiveServer) -> None:
    page.goto(f"{live_server.base_url}/risk")
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def test_first_login_must_acknowledge_the_disclaimer(page: Page, live_server: LiveServer) -> None:
    page.goto(f"{live_server.base_url}/login")
    screenshot(page, "login")
    log_in(page, live_server, "newbie")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(DISCLAIMER)
    # Nothing of the app is usable behind the gate.
    expect(page.get_by_role("heading", name="Home")).to_have_count(0)
    acknowledge = dialog.get_by_role("button", name="I acknowledge")
    expect(acknowledge).to_be_disabled()
    screenshot(page, "disclaimer-acknowledgement")

    dialog.get_by_role("checkbox").check()
    acknowledge.click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_role("heading", name="Home")).to_be_visible()

    # The server recorded it: a new session does not ask again.
    page.reload()
    expect(page.get_by_role("heading", name="Home")).to_be_visible()
    expect(page.get_by_role("dialog")).to_have_count(0)
    me = httpx.get(
        f"{live_server.base_url}/api/users/me",
        headers={"Authorization": f"Bearer {live_server.token('newbie')}"},
    ).json()
    assert me["disclaimer_acknowledged_at"] is not None


def test_disclaimer_is_on_every_page(page: Page, live_server: LiveServer) -> None:
    log_in(page, live_server, "olga")
    expect(page.get_by_role("heading", name="Home")).to_be_visible()
    for name in ("Trading", "Risk", "Learn", "Home"):
        page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()
        expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()
        expect(_banner(page)).to_have_text(DISCLAIMER)
        expect(_banner(page)).to_be_in_viewport()


def test_home_shows_the_figures_from_the_database(page: Page, live_server: LiveServer) -> None:
    symbol = _symbol()
    start = datetime.now(UTC) - timedelta(minutes=5)

    async def write(store: Store) -> None:
        # One win (+12.50) and one loss (-2.50), 0.10 fee each, and an equity curve with a
        # 30.00 fall from its 10 030.00 peak.
        for i, pnl in enumerate(("12.50", "-2.50")):
            await store.record_trade(
                client_id=f"home-{i}",
                ts=start + timedelta(seconds=i),
                symbol=symbol,
                side="sell",
                price=Decimal("100"),
                quantity=Decimal("1"),
                fee=Decimal("0.10"),
                liquidity="taker",
                realized_pnl=Decimal(pnl),
            )
        for i, equity in enumerate(("10000", "10030", "10000", "10009.80")):
            await store.record_equity(
                ts=start + timedelta(seconds=10 * i),
                equity=Decimal(equity),
                pnl=Decimal(equity) - 10000,
                drawdown=Decimal(0),
            )

    live_server.store(write)
    stats = httpx.get(
        f"{live_server.base_url}/api/stats",
        headers={"Authorization": f"Bearer {live_server.token('olga')}"},
    ).json()
    log_in(page, live_server, "olga")
    expect(page.get_by_role("heading", name="Home")).to_be_visible()
    trades = page.get_by_test_id("stat-trades")
    expect(trades).to_have_text(str(stats["trade_count"]))
    expect(page.get_by_test_id("stat-max-drawdown")).to_have_text("$30.00")
    expect(page.get_by_test_id("stat-equity")).to_have_text("$10,009.80")
    hit_rate = f"{stats['hit_rate'] * 100:.1f}%"
    expect(page.get_by_test_id("stat-hit-rate")).to_have_text(hit_rate)
    fees = Decimal(stats["fees"])
    assert fees >= Decimal("0.20")
    expect(page.get_by_test_id("stat-fees")).to_have_text(f"${fees:,.2f}")
    expect(page.get_by_role("img", name="Equity curve")).to_be_visible()
    screenshot(page, "home")


def test_a_trade_written_to_the_store_appears_on_trading_within_2_s(
    page: Page, live_server: LiveServer
) -> None:
    symbol = _symbol()
    start = datetime.now(UTC) - timedelta(minutes=2)

    async def market(store: Store) -> None:
        for i in range(60):
            await store.record_market(
                ts=start + timedelta(seconds=2 * i),
                symbol=symbol,
                price=Decimal(43000 + 5 * i - (i % 7) * 9),
                kind="mid",
            )
        await store.record_market(
            ts=start + timedelta(seconds=50),
            symbol=symbol,
            price=Decimal(43100),
            kind="liquidation",
            quantity=Decimal("3.5"),
            side="sell",
        )

    live_server.store(market)
    log_in(page, live_server, "olga")
    page.get_by_role("link", name="Trading").click()
    expect(page.get_by_role("heading", name="Trading", exact=True)).to_be_visible()
    expect(page.get_by_test_id("connection-status")).to_have_text(re.compile("Live"))
    trades = page.get_by_role("table", name="Trades")
    expect(page.get_by_text(symbol)).to_have_count(0)

    async def write(store: Store) -> None:
        await store.record_trade(
            client_id="live-1",
            ts=datetime.now(UTC),
            symbol=symbol,
            side="buy",
            price=Decimal("43210.5"),
            quantity=Decimal("0.002"),
            fee=Decimal("0.04"),
            liquidity="taker",
            realized_pnl=Decimal(0),
        )
        await store.upsert_position(
            symbol=symbol,
            ts=datetime.now(UTC),
            quantity=Decimal("0.002"),
            average_price=Decimal("43210.5"),
            realized_pnl=Decimal(0),
            unrealized_pnl=Decimal("0.15"),
        )

    written = time.monotonic()
    live_server.store(write)
    # No reload: the rows arrive over the WebSocket.
    row = trades.get_by_role("row").filter(has_text=symbol)
    expect(row).to_be_visible(timeout=2_000)
    logger.info(
        "trade on screen %.0f ms after the store call began", 1e3 * (time.monotonic() - written)
    )
    expect(row).to_contain_text("43,210.5")
    position = (
        page.get_by_role("table", name="Positions").get_by_role("row").filter(has_text=symbol)
    )
    expect(position).to_contain_text("$0.15", timeout=2_000)
    expect(page.get_by_role("img", name=f"Price of {symbol}")).to_be_visible()
    screenshot(page, "trading")


def test_clicking_an_order_shows_its_timeline_with_the_reject_rule(
    page: Page, live_server: LiveServer
) -> None:
    symbol = _symbol()
    client_id = f"reject-{symbol.split('/')[0]}"

    async def write(store: Store) -> None:
        await store.record_order(
            client_id=client_id,
            ts=datetime.now(UTC),
            symbol=symbol,
            side="buy",
            kind="limit",
            price=Decimal("100"),
            quantity=Decimal("50"),
            status="rejected",
            gateware_backend="model",
            gateware_reason="MAX_NOTIONAL",
            gateware_latency_us=87.0,
            drb_reason=None,
            detail={
                "gateware": {"inputs": {"notional": "5000"}, "limit": "1000"},
            },
        )

    live_server.store(write)
    log_in(page, live_server, "olga")
    page.get_by_role("link", name="Trading").click()
    orders = page.get_by_role("table", name="Orders")
    row = orders.get_by_role("row").filter(has_text=client_id)
    expect(row).to_contain_text("REJECT · MAX_NOTIONAL")
    expect(row).to_contain_text("not reached")
    expect(row).to_contain_text("NOT hardware")
    row.click()
    timeline = page.get_by_test_id("order-timeline")
    expect(timeline).to_contain_text("Intent")
    expect(timeline).to_contain_text("Gateware verdict")
    expect(timeline).to_contain_text("C6: max order notional")
    expect(timeline).to_contain_text('{"notional":"5000"}')
    expect(timeline).to_contain_text("Limit: 1000")
    expect(timeline).to_contain_text("not reached")
    screenshot(page, "order-timeline")


#: The fake engine's state, reported in every guard status snapshot.
_engine_state = {"state": "ACTIVE"}
_engine_limits = {"MAX_ORDER_NOTIONAL": "1000"}


def _fake_engine_step(server: LiveServer) -> list[int]:
    """What the engine does with pending commands: act, report the new state, complete."""

    async def step(store: Store) -> list[int]:
        done = []
        for command in await store.pending_commands():
            if command.kind == "set_limit":
                _engine_limits[command.payload["name"]] = command.payload["value"]
                result = f"{command.payload['name']} = {command.payload['value']}"
            else:
                _engine_state["state"] = {"kill": "HALTED", "rearm": "ACTIVE"}[command.kind]
                result = f"both lines {_engine_state['state']}"
            for line, backend in (("gateware", "model"), ("drbguard", "python")):
                await store.record_guard_status(
                    ts=datetime.now(UTC),
                    line=line,
                    backend=backend,
                    status={
                        "state": _engine_state["state"],
                        "limits": dict(_engine_limits),
                        "reject_counts": {"HALTED": 0},
                        "feed_age_ms": {"binance:BTC/USDT": 42},
                    },
                )
            await store.complete_command(command_id=command.id, ok=True, result=result)
            done.append(command.id)
        return done

    return server.store(step)


def test_operator_kill_switch_reaches_the_engine_and_shows_the_new_state(
    page: Page, live_server: LiveServer
) -> None:
    log_in(page, live_server, "olga")
    page.get_by_role("link", name="Risk").click()
    expect(page.get_by_role("heading", name="Risk", exact=True)).to_be_visible()
    expect(page.get_by_test_id("connection-status")).to_have_text(re.compile("Live"))
    page.get_by_role("button", name="Kill").click()
    status = page.get_by_test_id("command-status")
    expect(status).to_contain_text("pending")

    completed = _fake_engine_step(live_server)
    assert len(completed) == 1
    expect(status).to_have_text("done")
    expect(page.get_by_test_id("command-progress")).to_contain_text("both lines HALTED")
    expect(page.get_by_test_id("risk-state-gateware")).to_have_text("HALTED")
    expect(page.get_by_test_id("risk-state-drbguard")).to_have_text("HALTED")
    expect(page.get_by_test_id("risk-line-gateware")).to_contain_text("NOT hardware")
    expect(page.get_by_test_id("risk-line-drbguard")).not_to_contain_text("FPGA")
    expect(page.get_by_test_id("feed-ages")).to_contain_text("42 ms")
    expect(page.get_by_role("table", name="Risk events")).to_contain_text("KILL requested by olga")
    screenshot(page, "risk")

    page.get_by_role("button", name="Re-arm").click()
    expect(status).to_contain_text("pending")
    assert len(_fake_engine_step(live_server)) == 1
    expect(page.get_by_test_id("risk-state-gateware")).to_have_text("ACTIVE")


def test_a_viewer_is_refused_the_kill_switch(page: Page, live_server: LiveServer) -> None:
    log_in(page, live_server, "val")
    page.get_by_role("link", name="Risk").click()
    expect(page.get_by_role("button", name="Kill")).to_be_disabled()
    expect(page.get_by_role("button", name="Re-arm")).to_be_disabled()
    expect(page.get_by_role("button", name="Set limit")).to_be_disabled()
    expect(page.get_by_test_id("kill-switch-denied")).to_contain_text("viewer")
    screenshot(page, "risk-viewer")
    # The server refuses too, whatever the page does.
    response = httpx.post(
        f"{live_server.base_url}/api/risk/kill",
        json={"line": "both"},
        headers={"Authorization": f"Bearer {live_server.token('val')}"},
    )
    assert response.status_code == 403


def test_learn_renders_a_lesson(page: Page, live_server: LiveServer) -> None:
    log_in(page, live_server, "val")
    page.get_by_role("link", name="Learn").click()
    lesson = page.get_by_test_id("lesson")
    expect(lesson.get_by_role("heading", name="Kill switch: the latch in gateware")).to_be_visible()
    expect(lesson.get_by_role("table")).to_contain_text("FPGA")
    screenshot(page, "learn")


def test_logout_returns_to_login(page: Page, live_server: LiveServer) -> None:
    log_in(page, live_server, "val")
    expect(page.get_by_test_id("current-user")).to_have_text("val")
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto(f"{live_server.base_url}/")
    expect(page).to_have_url(re.compile(r"/login$"))


def test_operator_changes_a_gateware_limit_through_the_engine(
    page: Page, live_server: LiveServer
) -> None:
    _fake_engine_step(live_server)  # the engine has reported its limits at least once
    log_in(page, live_server, "olga")
    page.get_by_role("link", name="Risk").click()
    page.get_by_label("Line").select_option("gateware")
    page.get_by_label("Limit").select_option("MAX_ORDER_NOTIONAL")
    # The server refuses a value the gateware cannot hold, and says why.
    page.get_by_label("New value").fill("12.5")
    page.get_by_role("button", name="Set limit").click()
    expect(page.get_by_role("alert")).to_contain_text("must be a whole number")

    page.get_by_label("New value").fill("2500")
    page.get_by_role("button", name="Set limit").click()
    status = page.get_by_test_id("command-status")
    expect(status).to_contain_text("pending")
    assert len(_fake_engine_step(live_server)) == 1
    expect(status).to_have_text("done")
    expect(page.get_by_test_id("risk-line-gateware")).to_contain_text("2500")


def test_after_a_server_restart_the_feed_resumes_from_the_last_event(
    page: Page, own_server: LiveServer
) -> None:
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    log_in(page, own_server, "olga")
    page.get_by_role("link", name="Trading").click()
    status = page.get_by_test_id("connection-status")
    expect(status).to_have_text(re.compile("Live"))

    def trade(symbol: str, client_id: str) -> None:
        async def write(store: Store) -> None:
            await store.record_trade(
                client_id=client_id,
                ts=datetime.now(UTC),
                symbol=symbol,
                side="buy",
                price=Decimal("100"),
                quantity=Decimal("1"),
                fee=Decimal(0),
                liquidity="taker",
                realized_pnl=Decimal(0),
            )

        own_server.store(write)

    trades = page.get_by_role("table", name="Trades")
    trade("BEFORE/USDT", "resume-1")
    expect(trades.get_by_role("row").filter(has_text="BEFORE/USDT")).to_be_visible()

    own_server.stop()
    expect(status).not_to_have_text(re.compile("Live"))
    # Written while the server is down: only a resume from the last event id can deliver it.
    trade("WHILE-DOWN/USDT", "resume-2")
    own_server.start()
    expect(status).to_have_text(re.compile("Live"), timeout=20_000)
    expect(trades.get_by_role("row").filter(has_text="WHILE-DOWN/USDT")).to_be_visible()
    assert "after=" not in sockets[0]
    assert re.search(r"[?&]after=\d+", sockets[-1]), sockets
