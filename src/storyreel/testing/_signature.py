"""Argument checks against the real SDK methods, so that a fake refuses what they refuse."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Any


def check_kwargs(method: Callable[..., Any], kwargs: Mapping[str, Any], what: str) -> None:
    accepted = parameters(method)
    unknown = sorted(set(kwargs) - accepted)
    if unknown:
        raise TypeError(f"{what}() got unexpected keyword argument(s) {unknown}")


@functools.cache
def parameters(method: Callable[..., Any]) -> frozenset[str]:
    return frozenset(inspect.signature(method).parameters) - {"self"}
