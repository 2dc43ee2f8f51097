"""The ``storyreel`` command line."""

from __future__ import annotations

import os


def main() -> None:
    """Console-script entry point: run the CLI, turning storyreel errors into one-line messages."""
    # pydantic scans every installed distribution's entry points for plugins on first use;
    # the CLI uses none, and the scan is a measurable share of its start-up.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "1")
    from storyreel.cli.app import main_and_exit

    main_and_exit()


__all__ = ["main"]
