"""``python -m storyreel.emulator``: serve the emulator in the foreground."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from storyreel.emulator.options import EmulatorOptions
from storyreel.emulator.server import serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m storyreel.emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--video-latency", type=float, default=2.0, metavar="SECONDS")
    parser.add_argument("--text-latency", type=float, default=0.0, metavar="SECONDS")
    parser.add_argument("--image-latency", type=float, default=0.0, metavar="SECONDS")
    parser.add_argument("--state-dir", type=Path, default=None, metavar="FOLDER")
    parser.add_argument("--allow-remote", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        options = EmulatorOptions(
            args.video_latency, args.text_latency, args.image_latency, args.state_dir
        )
        serve(args.host, args.port, options, args.allow_remote)
    except ValueError as exc:
        logging.getLogger(__name__).error("%s", exc)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
