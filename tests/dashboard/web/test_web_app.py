"""The web app's own checks (vitest) from pytest, its disclaimer copy, and its API contract."""

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from dashboard.server.core.config import Settings
from dashboard.server.main import create_app
from host.disclaimer import DISCLAIMER

WEB = Path(__file__).resolve().parents[3] / "dashboard" / "web"


def _bundled_disclaimer() -> str:
    source = (WEB / "src" / "lib" / "disclaimer.ts").read_text(encoding="utf-8")
    body = source.split("DISCLAIMER_FALLBACK =", 1)[1]
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', body))


def test_bundled_disclaimer_is_the_single_source_text() -> None:
    assert _bundled_disclaimer() == DISCLAIMER


#: The TypeScript files whose interfaces carry an ``@schema <OpenAPI schema>`` tag.
_TYPED_SOURCES = ("src/lib/types.ts", "src/lib/queries.ts")
_TAGGED_INTERFACE = re.compile(
    r"@schema (?P<schema>\w+)\s*\n\s*\*/\s*\nexport interface (?P<name>\w+) \{\n(?P<body>.*?)\n\}",
    re.S,
)
_TAGGED_ONE_LINE = re.compile(
    r"/\*\* @schema (?P<schema>\w+) \*/\nexport interface (?P<name>\w+) \{\n(?P<body>.*?)\n\}",
    re.S,
)
_FIELD = re.compile(r"^  (\w+)\??:", re.M)


def _tagged_interfaces() -> dict[str, tuple[str, list[str]]]:
    """Interface name -> (OpenAPI schema name, the field names the web app reads)."""
    found: dict[str, tuple[str, list[str]]] = {}
    for relative in _TYPED_SOURCES:
        source = (WEB / relative).read_text(encoding="utf-8")
        for pattern in (_TAGGED_INTERFACE, _TAGGED_ONE_LINE):
            for match in pattern.finditer(source):
                fields = _FIELD.findall(match["body"])
                found[match["name"]] = (match["schema"], fields)
    return found


@pytest.fixture(scope="module")
def openapi_schemas(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    settings = Settings(SECRET_KEY="k" * 40, DATA_DIR=tmp_path_factory.mktemp("openapi"))
    schemas: dict[str, Any] = create_app(settings).openapi()["components"]["schemas"]
    return schemas


def test_web_app_tags_its_api_types() -> None:
    # The pages read these; a tag lost in an edit would silently drop its check.
    expected = {
        "User", "LoginResponse", "Stats", "LatencyStats", "EquityPoint", "Signal", "Order",
        "Trade", "Position", "TimelineStep", "OrderDetail", "RiskEvent", "Command", "Lesson",
        "MarketSample", "Limits",
    }  # fmt: skip
    assert expected <= set(_tagged_interfaces())


def test_web_app_reads_only_fields_the_server_sends(openapi_schemas: dict[str, Any]) -> None:
    problems = []
    for name, (schema, fields) in sorted(_tagged_interfaces().items()):
        if schema not in openapi_schemas:
            problems.append(f"{name}: the server has no schema {schema!r}")
            continue
        known = set(openapi_schemas[schema].get("properties", {}))
        problems += [f"{name}.{field} is not in {schema}" for field in fields if field not in known]
    assert problems == []


@pytest.mark.slow
def test_vitest_suite_passes() -> None:
    npm = shutil.which("npm")
    assert npm is not None, "npm must be installed (make setup-web)"
    assert (WEB / "node_modules").is_dir(), "run `make setup-web` first"
    result = subprocess.run(
        [npm, "run", "--silent", "test"],
        cwd=WEB,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
