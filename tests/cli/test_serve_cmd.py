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
