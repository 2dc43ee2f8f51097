"""Soak storyreel: concurrent video jobs over HTTP under seeded faults and server SIGKILLs.

    python bench/soak.py [--jobs M] [--segments N] [--seed S] [--json] [--max-seconds T] [--keep]
                         [--workers W]

Starts the standalone emulator and ``storyreel serve`` on loopback, each in its own process
group, the server with recognisable fake secrets in its environment. M jobs of N segments go
in through ``POST /v1/videos`` in three waves and are polled through ``GET /v1/jobs/{id}``.
A schedule drawn from ``random.Random(S)`` installs every fault kind of the emulator on every
route it applies to, each rule bounded by ``times``: most aimed at one job through a tag in
its style (which reaches its story request, clip prompts and thumbnail prompt), the poll
faults and some extra throttling for whichever request comes next. After each of the first
two waves' start, at a seeded moment, the server is SIGKILLed while jobs are in flight and
restarted on a new port; the client follows it. A job that the restarted server leaves
alone is resumed through ``POST /v1/jobs/{id}/resume`` and reported.

At the end it checks every job's artifacts against its manifest (each clip an MP4 that PyAV
plays with the clip's length, the thumbnail a PNG, every clip of a succeeded job there, each
served byte for byte by the API), the paid submissions the emulator accepted against those
the manifests record, the jobs left in a non-final state, the server's peak RSS, and the
fake secrets in every log, response body, manifest, story and job-store row. Exit status 0
when lost artifacts, unaccounted submissions, stuck jobs and leaked secrets are all 0.

With ``--workers W`` the jobs run in W ``storyreel worker`` processes instead (Celery on a
real Redis, the job store in a real PostgreSQL, both started from the system's binaries in
temporary folders on loopback ports, with fake passwords in their URLs that are searched for
like the other secrets, in every row of every table too); the server only accepts and shows
jobs. At seeded moments of each wave, while jobs are in flight, a worker that holds running
jobs (picked by the seed) is SIGKILLed and a replacement started, so that W stay up; the API
server is SIGKILLed and restarted once. The same checks read the PostgreSQL store, and the
report adds the workers killed and the jobs another worker took over. Every process (the
workers, the server, the emulator, PostgreSQL and Redis) stops at the end, on an error too.
"""

import sys
from pathlib import Path

# The soak itself is the package bench/soaklib/, next to this file.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from soaklib.cli import main

if __name__ == "__main__":
    sys.exit(main())
