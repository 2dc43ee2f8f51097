"""The ``storyreel`` command line."""

from __future__ import annotations


def main() -> None:
    """Console-script entry point: run the CLI, turning storyreel errors into one-line messages."""
    from storyreel.cli.app import run

    run()


__all__ = ["main"]
