"""The soak's command line: ``python bench/soak.py [--jobs M] [--segments N] [--seed S] [--json]
[--max-seconds T] [--keep] [--workers N]``."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import shutil
import signal
import sys
import tempfile
from pathlib import Path

import httpx

from . import __doc__ as PACKAGE_DOC
from .client import SoakTimeout
from .leaks import make_secrets
from .processes import Processes
from .run import Run, soak
from .settings import Options


def parse_args(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=PACKAGE_DOC.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=20, help="concurrent video jobs, >= 3 (20)")
    parser.add_argument("--segments", type=int, default=4, help="segments per job, 1-20 (4)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the fault schedule (7)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--max-seconds", type=float, default=480.0, help="time bound (480)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="N `storyreel worker`s on real PostgreSQL and Redis, SIGKILLed at random "
        "(default: jobs run inside `storyreel serve`)",
    )
    args = parser.parse_args(argv)
    # Three jobs at least: each of the three waves needs work in flight for its kill.
    if args.jobs < 3 or not 1 <= args.segments <= 20 or args.max_seconds < 60:
        parser.error("need --jobs >= 3, --segments 1-20 and --max-seconds >= 60")
    if args.workers is not None and args.workers < 1:
        parser.error("need --workers >= 1")
    return Options(
        args.jobs, args.segments, args.seed, args.json, args.max_seconds, args.keep, args.workers
    )


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    # A SIGTERM of the soak unwinds like Ctrl-C, so that every process it started stops.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    workdir = Path(tempfile.mkdtemp(prefix="storyreel-soak-"))
    fakes = make_secrets(services=options.workers is not None)
    run = Run(options, workdir, Processes(), fakes=fakes)
    try:
        result = asyncio.run(soak(run))
    except (SoakTimeout, RuntimeError, httpx.HTTPError) as exc:
        print(
            f"soak aborted ({type(exc).__name__}: {exc}); work folder kept: {workdir}",
            file=sys.stderr,
        )
        return 1
    finally:
        run.processes.stop_all()
        # PostgreSQL and Redis last: the workers and the server use them until they stop.
        run.services.stop(keep_logs_in=workdir)
    if options.keep or not result.ok:
        result.workdir = str(workdir)
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    if options.json:
        print(json.dumps(dataclasses.asdict(result) | {"ok": result.ok}, indent=2))
    else:
        print(result.text())
    return 0 if result.ok else 1
