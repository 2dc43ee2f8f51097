"""`storyreel serve`: refuses a non-loopback bind without a token, in one line, binding nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def serve(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("STORYREEL_")}
    return subprocess.run(
        [sys.executable, "-m", "storyreel.cli", "serve", *args],
        cwd=tmp_path,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10"])
def test_serve_cmd_refuses_public_bind_without_token(tmp_path: Path, host: str) -> None:
    result = serve(tmp_path, "--host", host, "--port", "9")
    assert result.returncode == 78
    assert result.stderr.splitlines() == [
        f"error: refusing to serve on {host} without a token: set STORYREEL_API_TOKEN "
        "(or bind 127.0.0.1)"
    ]
    assert result.stdout == ""


def test_serve_cmd_refuses_public_host_from_config(tmp_path: Path) -> None:
    result = serve(tmp_path, STORYREEL_API__HOST="0.0.0.0")
    assert result.returncode == 78
    assert "STORYREEL_API_TOKEN" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_serve_cmd_short_token_is_one_line_naming_the_minimum(tmp_path: Path) -> None:
    from storyreel.settings_sections import MIN_TOKEN_CHARS

    short = "x" * (MIN_TOKEN_CHARS - 1)
    result = serve(tmp_path, "--port", "9", STORYREEL_API_TOKEN=short)

    assert result.returncode == 78
    assert f"at least {MIN_TOKEN_CHARS} characters" in result.stderr
    assert "STORYREEL_API_TOKEN" in result.stderr
    assert short not in result.stderr
    assert result.stdout == ""
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    token_row = next(
        row for row in readme.splitlines() if row.startswith("| `STORYREEL_API_TOKEN`")
    )
    assert f"at least {MIN_TOKEN_CHARS} characters" in token_row
