"""What an entry point does when no container has been wired to it."""

from __future__ import annotations

from typing import TypeVar

from storyreel.errors import ConfigError

T = TypeVar("T")


def provided(value: T, what: str) -> T:
    """``value``, or a ConfigError when it is still the unwired ``Provide`` marker."""
    # dependency-injector's markers say what they are; a wired call never sees one.
    if getattr(type(value), "__IS_MARKER__", False) is True:
        raise ConfigError(
            f"no storyreel container supplies the {what}: call "
            "storyreel.containers.create_container() before using the entry points "
            "(or wire your own container to them)"
        )
    return value
