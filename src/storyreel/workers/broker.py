"""The broker: its URL from the settings, and one line (without the password) when it cannot
be reached or refuses the login."""

from __future__ import annotations

from storyreel.databases import one_line, without_password
from storyreel.errors import ConfigError, StoryreelError
from storyreel.settings import Settings

# How long a publish or a start-up check waits for the broker before it counts as down.
BROKER_TIMEOUT_S = 3.0


class BrokerUnavailable(StoryreelError):
    """The broker refused or could not be reached; the message names it without its
    password. A job that was being queued stays queued: resume it once the broker is back."""

    exit_code = 69  # EX_UNAVAILABLE


def broker_url(settings: Settings) -> str:
    """``jobs.broker_url``; a ConfigError saying what to set when there is none."""
    url = settings.jobs.broker_url
    if url is None:
        raise ConfigError(
            "no broker is configured: set STORYREEL_JOBS__BROKER_URL to the Redis broker's URL "
            "(redis://host:6379/0) and jobs.queue to celery"
        )
    return url.get_secret_value()


def broker_trouble(url: str, exc: BaseException) -> str:
    """One line saying why the broker at ``url`` failed, without the password."""
    detail = one_line(exc, url)
    lowered = detail.lower()
    if "password" in lowered or "auth" in lowered:
        hint = "the password (or user) in the URL is wrong; a retry will not help"
    else:
        hint = "is Redis running and reachable? a retry may help once it is"
    return f"cannot reach the broker at {without_password(url)}: {detail} ({hint})"


def check_broker(url: str, *, timeout_s: float = BROKER_TIMEOUT_S) -> None:
    """Log in to the broker and ping it; :class:`BrokerUnavailable` when it cannot be reached
    or refuses the login (a worker says so at start-up instead of retrying forever)."""
    import redis

    try:
        client = redis.Redis.from_url(
            url, socket_connect_timeout=timeout_s, socket_timeout=timeout_s
        )
    except ValueError as exc:  # a port that is no number, an unknown scheme...
        raise ConfigError(
            f"jobs.broker_url {without_password(url)} cannot be read: {one_line(exc, url)}"
        ) from None
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        raise BrokerUnavailable(broker_trouble(url, exc)) from None
    finally:
        client.close()


__all__ = ["BROKER_TIMEOUT_S", "BrokerUnavailable", "broker_trouble", "broker_url", "check_broker"]
