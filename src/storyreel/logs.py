"""Logging set-up and the redaction filter that keeps configured secrets out of every record."""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from typing import IO

MASK = "[redacted]"

_lock = threading.Lock()
_secrets: set[str] = set()

# The job a log record belongs to. Tasks inherit it, so every line of a job's clips says whose
# they are when many jobs run in one process.
_job: ContextVar[str | None] = ContextVar("storyreel_job", default=None)


@contextlib.contextmanager
def job_context(job_id: str) -> Iterator[None]:
    """Mark every log record made inside (and in tasks started inside) as ``job_id``'s."""
    token = _job.set(job_id)
    try:
        yield
    finally:
        _job.reset(token)


def register_secrets(values: Iterable[str]) -> None:
    """Remember secret values so that every RedactingFilter masks them from now on."""
    with _lock:
        # Very short values would mask ordinary words; real keys are long.
        _secrets.update(v for v in values if len(v) >= 6)


# Keys recognisable by their shape, masked even before (or without) being registered: an
# OpenRouter or OpenAI key, a Google API key, a Google OAuth access token.
_KEY_SHAPES = re.compile(
    r"(?<![A-Za-z0-9_-])(?:sk-or-v1-[A-Za-z0-9]{16,}|sk-(?:proj-)?[A-Za-z0-9_-]{20,}"
    r"|AIza[0-9A-Za-z_-]{30,}|ya29\.[0-9A-Za-z_-]{20,})"
)


def redact(text: str) -> str:
    """``text`` with every registered secret, and anything shaped like a key, masked."""
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return _KEY_SHAPES.sub(MASK, text)


class RedactingFilter(logging.Filter):
    """Rewrites a record's message and traceback text with secrets masked, and names the
    job the record belongs to.

    Put it on a handler: a handler's filters see records from every logger below it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        job = _job.get()
        if job is not None and not cleaned.startswith("[job "):
            cleaned = f"[job {job}] {cleaned}"
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class _StoryreelHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler configure_logging installs, so that a second call replaces it."""


def configure_logging(level: str = "INFO", stream: IO[str] | None = None) -> logging.Handler:
    """Send storyreel's logs to ``stream`` (stderr by default) through the redaction filter."""
    handler = _StoryreelHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("storyreel")
    for old in [h for h in logger.handlers if isinstance(h, _StoryreelHandler)]:
        logger.removeHandler(old)
    logger.addHandler(handler)
    logger.setLevel(level)
    for root_handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in root_handler.filters):
            root_handler.addFilter(RedactingFilter())
    return handler


def quiet_logging() -> None:
    """Keep log records off the terminal: without ``-v`` a command's own messages are all
    its user sees. Removes the handler :func:`configure_logging` installed, and gives the
    root logger a handler that drops records when it has none, so that Python's last-resort
    handler (warnings to stderr) never prints for storyreel or the SDKs. Handlers a host
    application installed keep receiving records."""
    logger = logging.getLogger("storyreel")
    for old in [h for h in logger.handlers if isinstance(h, _StoryreelHandler)]:
        logger.removeHandler(old)
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.NullHandler())
