"""Soak storyreel: concurrent video jobs over HTTP under seeded faults and server SIGKILLs.

The soak that ``python bench/soak.py`` (or ``python -m soaklib`` from ``bench/``) runs; that
file's docstring says what it does. Its parts:

- ``settings``: the constants and the command-line options;
- ``plan``: the seeded schedule of jobs, faults and kills;
- ``processes``: the emulator and ``storyreel serve`` process groups, and the server's RSS;
- ``services``, ``workers``, ``worker_kills``: workers mode (``--workers N``): PostgreSQL and
  Redis, the `storyreel worker` processes, their SIGKILLs and the takeovers that follow;
- ``snapshots``: the jobs' steps as the job store holds them (at a kill, and at the end);
- ``client``: the HTTP client that follows the server across restarts, posting and polling;
- ``waves``: the waves of jobs and faults, and the kills between them;
- ``checks``: artifacts against manifests, the submissions' accounting, the fired faults;
- ``leaks``: the fake secrets and the scan for them;
- ``report``: the figures, and how they are printed;
- ``run``: one soak put together; ``cli``: its command line.
"""
