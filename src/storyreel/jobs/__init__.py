"""Durable jobs: the store interface, its SQLite and PostgreSQL implementations, the runner and
the manifest."""

from storyreel.jobs.journal import MemoryJournal, ProgressEvent, StepJournal, StoreJournal
from storyreel.jobs.manifest import ClipEntry, Failure, Manifest, build_manifest
from storyreel.jobs.models import (
    JobInput,
    JobRecord,
    JobStatus,
    JobView,
    StepKind,
    StepRecord,
    StepStatus,
)
from storyreel.jobs.postgres import PostgresJobStore
from storyreel.jobs.runner import CostEstimate, JobRunner
from storyreel.jobs.sqlite import SqliteJobStore, default_store_path
from storyreel.jobs.store import JobStore

__all__ = [
    "ClipEntry",
    "CostEstimate",
    "Failure",
    "JobInput",
    "JobRecord",
    "JobRunner",
    "JobStatus",
    "JobStore",
    "JobView",
    "Manifest",
    "MemoryJournal",
    "PostgresJobStore",
    "ProgressEvent",
    "SqliteJobStore",
    "StepJournal",
    "StepKind",
    "StepRecord",
    "StepStatus",
    "StoreJournal",
    "build_manifest",
    "default_store_path",
]
