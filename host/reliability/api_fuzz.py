"""Fuzzing of the dashboard's REST API with schemathesis, in-process against the ASGI app.

Every operation of the app's own OpenAPI document is called with cases schemathesis generates
(valid and invalid input), once per caller: anonymous, viewer, operator and admin. Whatever
the input, the server must answer below 500, and every 4xx must carry a readable ``detail``
(a non-empty text, or FastAPI's list of validation problems) so a client can tell its user
what was wrong. A finding is recorded, not raised, so one bug does not hide the others.
"""

import asyncio
import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import hypothesis
import schemathesis
from hypothesis import HealthCheck, Phase, given
from schemathesis import GenerationMode
from schemathesis.core.result import Err
from schemathesis.python import asgi as schemathesis_asgi

from dashboard.server import Settings, create_app
from dashboard.server.core.security import create_access_token
from dashboard.server.crud import create_user
from dashboard.server.models import UserCreate
from host.store import Store

__all__ = ["ApiFuzzReport", "ROLES", "check_response", "fuzz_api", "seed_store"]

logger = logging.getLogger(__name__)

#: Callers in the order they are fuzzed: the admin last, because its cases may disable the
#: other users (PATCH /api/users/{id}) and would turn their later cases into plain 401s.
ROLES = ("anonymous", "viewer", "operator", "admin")
_USERS = {"viewer": "fuzz-viewer", "operator": "fuzz-operator", "admin": "fuzz-admin"}
_PASSWORD = "fuzzing password 1"
_SECRET = "api-fuzz-secret-key-long-enough-for-hs256"
_KEPT_FINDINGS = 50


@dataclass
class ApiFuzzReport:
    """What a campaign sent and what came back."""

    operations: int = 0
    cases: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    findings: list[str] = field(default_factory=list)
    finding_count: int = 0
    unsatisfiable: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Figures for summary.json."""
        return {
            "operations": self.operations,
            "cases": self.cases,
            "server_errors": sum(n for code, n in self.statuses.items() if code >= 500),
            "client_errors": sum(n for code, n in self.statuses.items() if 400 <= code < 500),
            "statuses": {str(code): n for code, n in sorted(self.statuses.items())},
            "findings": self.finding_count,
            "without_cases": sorted(set(self.unsatisfiable)),
            "finding_examples": self.findings[:10],
        }


def check_response(status: int, body: bytes, content_type: str) -> str | None:
    """Why a response breaks the API's promise, or None when it keeps it."""
    if status >= 500:
        return f"server error {status}: {body[:300]!r}"
    if not 400 <= status < 500:
        return None
    if "json" not in content_type:
        return f"{status} must be JSON with a detail, not {content_type!r}: {body[:200]!r}"
    try:
        detail = json.loads(body).get("detail")
    except (ValueError, AttributeError):
        return f"{status} must be a JSON object with a detail, not {body[:200]!r}"
    readable = (isinstance(detail, str) and detail.strip()) or (
        isinstance(detail, list) and detail and all(isinstance(d, dict) for d in detail)
    )
    return None if readable else f"{status} must say what was wrong in detail, not {detail!r}"


async def seed_store(url: str) -> None:
    """One user per role and a few rows of every kind, so read routes have data to format."""
    store = await Store.open(url)
    try:
        async with store.sessionmaker.begin() as session:
            for role, name in _USERS.items():
                user = UserCreate.model_validate(
                    {"username": name, "role": role, "password": _PASSWORD}
                )
                await create_user(session=session, user_create=user)
        ts = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
        await store.record_market(ts=ts, symbol="BTCUSDT", price=Decimal("43000.5"), kind="mid")
        await store.record_order(
            client_id="1",
            ts=ts,
            symbol="BTCUSDT",
            side="buy",
            kind="limit",
            price=Decimal("43000"),
            quantity=Decimal("0.01"),
            status="accepted",
            gateware_backend="model",
            gateware_reason="ACCEPT",
            gateware_latency_us=12.0,
            drb_reason="ACCEPT",
            detail={},
        )
    finally:
        await store.close()


def _headers(role: str) -> dict[str, str]:
    if role == "anonymous":
        return {}
    token, _ = create_access_token(subject=_USERS[role], secret=_SECRET, minutes=60)
    return {"Authorization": f"Bearer {token}"}


def fuzz_api(
    work_dir: Path,
    *,
    max_examples: int,
    seed: int,
    roles: tuple[str, ...] = ROLES,
    modes: tuple[GenerationMode, ...] = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
    database_url: str | None = None,
    only: str | None = None,
    on_case: Callable[[str, int], None] | None = None,
) -> ApiFuzzReport:
    """Fuzz every operation of the dashboard API; return statuses and findings.

    Parameters
    ----------
    work_dir : Path
        Holds the SQLite database (unless ``database_url``), lessons and web files.
    max_examples : int
        Cases per operation, role and generation mode.
    seed : int
        Hypothesis seed: the same seed sends the same cases.
    roles : tuple of str
        Callers from :data:`ROLES`.
    modes : tuple of GenerationMode
        Valid input, invalid input, or both.
    database_url : str, optional
        An empty database at the newest schema; default a new SQLite file in ``work_dir``.
    only : str, optional
        Fuzz only the operations whose ``"METHOD /path"`` contains this text.
    on_case : callable, optional
        Called with ``(operation label, status)`` after each response.
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    url = database_url or f"sqlite+aiosqlite:///{work_dir / 'api-fuzz.db'}"
    asyncio.run(seed_store(url))
    lessons = work_dir / "lessons"
    lessons.mkdir(exist_ok=True)
    (lessons / "01-first.md").write_text("# First\n\nText.\n")
    settings = Settings(
        DATA_DIR=work_dir,
        DATABASE_URL=url,
        SECRET_KEY=_SECRET,
        LESSONS_DIR=lessons,
        WEB_DIST=work_dir / "no-web-build",
        # The fuzzer fails logins on purpose; the limiter's 429 is covered by its own tests.
        LOGIN_FAILURES_PER_MINUTE=1_000_000,
    )
    app = create_app(settings)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    report = ApiFuzzReport()
    try:
        operations = _operations(schema, only)
        report.operations = len(operations)
        for role in roles:
            headers = _headers(role)
            for operation in operations:
                for mode in modes:
                    _fuzz_operation(
                        operation, mode, headers, role, max_examples, seed, report, on_case
                    )
    finally:
        # The ASGI transport started the app's lifespan (store, feed) and keeps it until exit.
        schemathesis_asgi.shutdown_lifespans()
    return report


def _operations(schema: Any, only: str | None) -> list[Any]:
    operations = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            # The app's own document does not describe an operation: that is a bug too.
            raise result.err()
        operation = result.ok()
        if only is None or only in f"{operation.method.upper()} {operation.path}":
            operations.append(operation)
    return operations


def _fuzz_operation(
    operation: Any,
    mode: GenerationMode,
    headers: dict[str, str],
    role: str,
    max_examples: int,
    seed: int,
    report: ApiFuzzReport,
    on_case: Callable[[str, int], None] | None,
) -> None:
    label = f"{operation.method.upper()} {operation.path}"

    @hypothesis.settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=False,
        # Findings are recorded, not raised, so there is nothing to shrink.
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.seed(seed)
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        report.cases += 1
        problem: str | None
        try:
            response = case.call(headers=headers)
        except Exception as error:  # noqa: BLE001 -- in-process, an unhandled error is the 500
            status, problem = 500, f"unhandled {type(error).__name__}: {error}"
        else:
            status = response.status_code
            # schemathesis keeps every value of a header, as a list
            content_type = ",".join(response.headers.get("content-type", []))
            problem = check_response(status, response.content, content_type)
        report.statuses[status] += 1
        if on_case is not None:
            on_case(label, status)
        if problem is not None:
            report.finding_count += 1
            if len(report.findings) < _KEPT_FINDINGS:
                report.findings.append(
                    f"{label} as {role} ({mode.value}): {problem}\n  reproduce: "
                    f"{case.as_curl_command(headers=headers)}"
                )

    try:
        run()
    except hypothesis.errors.Unsatisfiable:
        # Nothing to make invalid (an operation without parameters or body): no negative cases.
        report.unsatisfiable.append(f"{label} ({mode.value})")
