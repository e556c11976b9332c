"""Fuzzing the dashboard API with schemathesis (the short run; ``python -m host.reliability``
runs the long one): no 5xx on any route for any caller, and every 4xx says what was wrong."""

import json
from pathlib import Path

import pytest

import dashboard.server.api.routes.health as health_route
from dashboard.server import Settings, create_app
from host.reliability.api_fuzz import ROLES, check_response, fuzz_api

SEED = 20261125


def _operation_count() -> int:
    schema = create_app(Settings(SECRET_KEY="x" * 40)).openapi()
    return sum(len(methods) for methods in schema["paths"].values())


def test_fuzz_api_when_every_route_as_every_role_then_no_5xx_and_every_4xx_explained(
    tmp_path: Path,
) -> None:
    report = fuzz_api(tmp_path, max_examples=5, seed=SEED)

    assert report.findings == []
    assert report.operations == _operation_count()
    assert not [code for code in report.statuses if code >= 500]
    # The campaign really reached the handlers, the role checks and the validation.
    for code in (200, 201, 401, 403, 404, 422):
        assert report.statuses[code] > 0, (code, report.statuses)


def test_fuzz_api_when_a_route_raises_then_the_500_is_a_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def overflow(_engine: object) -> str:
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    monkeypatch.setattr(health_route, "current_revision", overflow)

    report = fuzz_api(tmp_path, max_examples=3, seed=SEED, roles=ROLES[:1], only="/api/health")

    assert report.statuses[500] == report.cases > 0
    assert report.finding_count == report.cases
    assert report.findings[0].startswith(
        "GET /api/health as anonymous (positive): unhandled OverflowError"
    )


@pytest.mark.parametrize(
    ("status", "body", "content_type", "problem"),
    [
        (200, b"{}", "application/json", None),
        (404, b'{"detail":"Order 7 not found"}', "application/json", None),
        (422, b'{"detail":[{"loc":["query"],"msg":"bad"}]}', "application/json", None),
        (500, b"Internal Server Error", "text/plain", "server error 500"),
        (503, b'{"detail":"down"}', "application/json", "server error 503"),
        (404, b'{"detail":""}', "application/json", "must say what was wrong"),
        (400, b'{"error":"bad"}', "application/json", "must say what was wrong"),
        (401, b"[]", "application/json", "must be a JSON object"),
        (405, b"Method Not Allowed", "text/plain", "must be JSON"),
    ],
)
def test_check_response_when_status_and_body_then_finding_or_none(
    status: int, body: bytes, content_type: str, problem: str | None
) -> None:
    found = check_response(status, body, content_type)

    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


def test_api_fuzz_report_as_dict_when_statuses_then_counts_errors() -> None:
    from host.reliability.api_fuzz import ApiFuzzReport

    report = ApiFuzzReport(operations=2, cases=4)
    report.statuses.update({200: 1, 404: 2, 500: 1})

    figures = report.as_dict()

    assert (figures["server_errors"], figures["client_errors"]) == (1, 2)
    assert json.loads(json.dumps(figures))["statuses"] == {"200": 1, "404": 2, "500": 1}
