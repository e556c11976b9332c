"""The web app's own checks (vitest) run from pytest, and its bundled disclaimer copy."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from host.disclaimer import DISCLAIMER

WEB = Path(__file__).resolve().parents[3] / "dashboard" / "web"


def _bundled_disclaimer() -> str:
    source = (WEB / "src" / "lib" / "disclaimer.ts").read_text(encoding="utf-8")
    body = source.split("DISCLAIMER_FALLBACK =", 1)[1]
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', body))


def test_bundled_disclaimer_is_the_single_source_text() -> None:
    assert _bundled_disclaimer() == DISCLAIMER


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
