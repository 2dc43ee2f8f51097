"""Per-client rate limiting: request budgets per kind of call and model, shared by every job
and every process using one output folder (or one PostgreSQL job store, across machines), and
paused for everyone by a provider's 429."""

from storyreel.quota.budgets import (
    CHAT,
    IMAGE,
    IN_FLIGHT,
    SPEECH,
    VIDEO_POLL,
    VIDEO_SUBMIT,
    settings_limits,
)
from storyreel.quota.limiter import (
    DEFAULT_PAUSE_S,
    Limiter,
    Throttled,
    limiter_resource,
    settings_limiter,
)
from storyreel.quota.store import BudgetStore, QuotaWait, budgets_location, default_store_path
from storyreel.quota.waiting import WaitListener, WaitTally, waits_reported

__all__ = [
    "CHAT",
    "DEFAULT_PAUSE_S",
    "IMAGE",
    "IN_FLIGHT",
    "SPEECH",
    "VIDEO_POLL",
    "VIDEO_SUBMIT",
    "BudgetStore",
    "Limiter",
    "QuotaWait",
    "Throttled",
    "WaitListener",
    "WaitTally",
    "budgets_location",
    "default_store_path",
    "limiter_resource",
    "settings_limiter",
    "settings_limits",
    "waits_reported",
]
