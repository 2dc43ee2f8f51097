"""Where a setup keeps its jobs and their files, and whether every process that may run a
job can reach them: what ``storyreel config check`` reports, and refuses.

Past one machine (a Celery queue, or a PostgreSQL store shared by several servers), any
worker may pick up any job, including one another worker started: the sheets, keyframes,
narration and reel it finds in the job's folder must be the ones that were paid for. So the
output folder must be storage that every worker reaches. A local disk is refused unless the
setup says it is reached by every worker (``jobs.shared_output``: all of them on one
machine, or a share this check does not recognise).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from storyreel.databases import without_password
from storyreel.errors import ConfigError
from storyreel.settings import Settings

# Filesystems that several machines mount at once (network and cluster filesystems, and
# buckets mounted through FUSE).
SHARED_FILESYSTEMS: Final = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb3",
        "smbfs",
        "ceph",
        "fuse.ceph",
        "fuse.cephfs",
        "glusterfs",
        "fuse.glusterfs",
        "lustre",
        "gpfs",
        "beegfs",
        "ocfs2",
        "gfs2",
        "afs",
        "fuse.gcsfuse",
        "fuse.s3fs",
        "fuse.mountpoint-s3",
        "fuse.juicefs",
        "fuse.rclone",
        "fuse.sshfs",
    }
)
MOUNTINFO: Final = Path("/proc/self/mountinfo")


def filesystem_of(path: Path, mountinfo: Path = MOUNTINFO) -> tuple[str, str] | None:
    """(mount point, filesystem type) of the mount holding ``path`` (or, if it does not
    exist yet, its nearest existing parent); None where the system does not say (no
    ``/proc``)."""
    target = Path(os.path.abspath(path))
    while not target.exists() and target != target.parent:
        target = target.parent
    target = target.resolve()
    try:
        lines = mountinfo.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    best: tuple[str, str] | None = None
    for line in lines:
        # "<id> <parent> <maj:min> <root> <mount point> <options> [optional...] - <type> ..."
        before, _, after = line.partition(" - ")
        fields, rest = before.split(), after.split()
        if len(fields) < 5 or not rest:
            continue
        point = fields[4].replace("\\040", " ")
        inside = target == Path(point) or Path(point) in target.parents
        if inside and (best is None or len(point) >= len(best[0])):
            best = (point, rest[0])
    return best


@dataclass(frozen=True)
class Placement:
    """What a setup uses, in words, and what is wrong with it for the processes that run
    its jobs (``problems``: empty when nothing is)."""

    distributed: bool
    store: str
    queue: str
    clips: str
    files: str
    problems: list[str] = field(default_factory=list)


def placement(settings: Settings, mountinfo: Path = MOUNTINFO) -> Placement:
    jobs = settings.jobs
    store_url = jobs.store_url.get_secret_value() if jobs.store_url else None
    distributed = jobs.queue == "celery" or store_url is not None
    output = settings.output_dir
    store = (
        f"PostgreSQL at {without_password(store_url)}"
        if store_url
        else f"SQLite file in {output} (processes of this machine only)"
    )
    queue = (
        f"celery, broker {without_password(jobs.broker_url.get_secret_value())}"
        if jobs.queue == "celery" and jobs.broker_url
        else "inline (each job runs in the process that started it)"
    )
    bucket = settings.video.output_gcs_uri
    clips = (
        f"written by Veo to {bucket}; the manifest records their URIs" if bucket else f"in {output}"
    )
    mount = filesystem_of(output, mountinfo)
    kind = f"{mount[1]} at {mount[0]}" if mount else "filesystem unknown"
    shared_fs = mount is not None and mount[1] in SHARED_FILESYSTEMS
    if shared_fs:
        files = f"{output} ({kind}): shared storage"
    elif jobs.shared_output:
        files = f"{output} ({kind}): stated as reached by every worker (jobs.shared_output)"
    else:
        files = f"{output} ({kind}): this machine only"
    problems: list[str] = []
    how = "a celery queue" if jobs.queue == "celery" else "a shared PostgreSQL store"
    if distributed and not (shared_fs or jobs.shared_output):
        problems.append(
            f"jobs run past one process ({how}), and output_dir {output} is on {kind}, which "
            "other machines do not reach: a worker resuming another's job would not find its "
            "sheets, keyframes, narration or clips, and would pay for them again. Put "
            "output_dir on storage every worker mounts (NFS, a mounted bucket...), or set "
            "jobs.shared_output: true if every worker reaches it (all on one machine)"
        )
    if jobs.queue == "celery" and store_url is None and shared_fs:
        problems.append(
            f"jobs.queue is celery with the SQLite job store on {kind}: SQLite's locks do not "
            "hold across machines. Set STORYREEL_JOBS__STORE_URL to a PostgreSQL database "
            "(`storyreel db upgrade` prepares it)"
        )
    return Placement(distributed, store, queue, clips, files, problems)


def check_placement(settings: Settings) -> Placement:
    """The setup's placement; a ConfigError naming the first problem, if any."""
    found = placement(settings)
    if found.problems:
        raise ConfigError(found.problems[0])
    return found


__all__ = ["SHARED_FILESYSTEMS", "Placement", "check_placement", "filesystem_of", "placement"]
