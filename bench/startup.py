"""Start-up cost of the CLI, as ratios to importing Typer alone, measured in one run.

    python bench/startup.py [--runs N] [--json]

Target: `storyreel --help` and `storyreel config show` each at most 4x `python -c "import typer"`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET = 4.0


def median_wall(cmd: list[str], runs: int, env: dict[str, str]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    script = Path(sys.executable).with_name("storyreel")
    storyreel = [str(script)] if script.exists() else [sys.executable, "-m", "storyreel.cli"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("STORYREEL_")}
    commands = {
        "import typer": [sys.executable, "-c", "import typer"],
        "storyreel --help": [*storyreel, "--help"],
        "storyreel config show": [*storyreel, "config", "show"],
    }
    for cmd in commands.values():  # warm the file cache and .pyc files
        subprocess.run(cmd, check=True, capture_output=True, env=env)
    medians = {name: median_wall(cmd, args.runs, env) for name, cmd in commands.items()}
    base = medians["import typer"]
    result = {
        "runs": args.runs,
        "median_s": {name: round(value, 4) for name, value in medians.items()},
        "help_ratio": round(medians["storyreel --help"] / base, 2),
        "config_show_ratio": round(medians["storyreel config show"] / base, 2),
        "target": TARGET,
    }
    if args.json:
        print(json.dumps(result))
        return
    for name, value in medians.items():
        print(f"{name:<24} median {value * 1000:7.1f} ms")
    print(f"help / typer        = {result['help_ratio']:.2f}  (target <= {TARGET})")
    print(f"config show / typer = {result['config_show_ratio']:.2f}  (target <= {TARGET})")


if __name__ == "__main__":
    main()
