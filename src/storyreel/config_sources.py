"""Where settings come from: the YAML file, the environment and .env, with provenance."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from storyreel.config_files import (
    CONFIG_ENV,
    ENV_PREFIX,
    LEGACY_ENV,
    SECRET_PATHS,
    find_config,
    flatten,
    read_yaml,
)
from storyreel.logs import MASK, redact

__all__ = ["SECRET_PATHS", "LoadContext", "current_context", "describe_validation_error", "loading"]


# Variables with the prefix that are not settings: the config file's path, the API token's
# short name, and the switches that make the browser and server tests fail instead of
# skipping (CI sets them for every storyreel process the tests start).
_NOT_KEYS = frozenset(
    {CONFIG_ENV, "STORYREEL_API_TOKEN", "STORYREEL_REQUIRE_BROWSER", "STORYREEL_REQUIRE_SERVICES"}
)


def _set_path(target: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    node = target
    for part in parents:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[leaf] = value


def _env_value(raw: str) -> Any:
    # Lists and mappings (e.g. video.price_per_second_usd) arrive as JSON.
    if raw[:1] in "[{":
        with contextlib.suppress(json.JSONDecodeError):
            return json.loads(raw)
    return raw


def environment_values(env: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Nested values from environment-style names, and the variable each came from."""
    data: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for name, path in LEGACY_ENV.items():
        if env.get(name):
            _set_path(data, path, env[name])
            origin[path] = name
    for name, raw in sorted(env.items()):
        upper = name.upper()
        if not upper.startswith(ENV_PREFIX) or upper in _NOT_KEYS or raw == "":
            continue
        path = upper[len(ENV_PREFIX) :].lower().replace("__", ".")
        _set_path(data, path, _env_value(raw))
        origin[path] = name
    return data, origin


class _DictSource(PydanticBaseSettingsSource):
    """A settings source whose values were read beforehand."""

    def __init__(self, settings_cls: type[BaseSettings], data: dict[str, Any]) -> None:
        super().__init__(settings_cls)
        self._data = data

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self._data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return self._data


@dataclass
class LoadContext:
    """Everything one load of the settings read, kept for provenance and error messages."""

    yaml_path: Path | None = None
    yaml_data: dict[str, Any] = field(default_factory=dict)
    yaml_lines: dict[str, int] = field(default_factory=dict)
    env_data: dict[str, Any] = field(default_factory=dict)
    env_origin: dict[str, str] = field(default_factory=dict)
    dotenv_data: dict[str, Any] = field(default_factory=dict)
    dotenv_origin: dict[str, str] = field(default_factory=dict)
    dotenv_path: Path | None = None

    @classmethod
    def create(
        cls,
        *,
        config_file: str | Path | None = None,
        env: Mapping[str, str] | None = None,
        dotenv: str | Path | None = ".env",
    ) -> LoadContext:
        environ = os.environ if env is None else env
        ctx = cls()
        ctx.yaml_path = find_config(config_file, environ)
        if ctx.yaml_path is not None:
            ctx.yaml_data, ctx.yaml_lines = read_yaml(ctx.yaml_path)
        ctx.env_data, ctx.env_origin = environment_values(environ)
        if dotenv is not None and Path(dotenv).is_file():
            from dotenv import dotenv_values

            ctx.dotenv_path = Path(dotenv)
            values = {k: v for k, v in dotenv_values(ctx.dotenv_path).items() if v is not None}
            ctx.dotenv_data, ctx.dotenv_origin = environment_values(values)
        return ctx

    def sources(self, settings_cls: type[BaseSettings]) -> tuple[PydanticBaseSettingsSource, ...]:
        """Sources in precedence order, after the explicit overrides."""
        return (
            _DictSource(settings_cls, self.env_data),
            _DictSource(settings_cls, self.dotenv_data),
            _DictSource(settings_cls, self.yaml_data),
        )

    def origin(self, path: str, explicit: Mapping[str, Any]) -> str:
        """Where the value at ``path`` came from, in words a user can act on.

        A value that is itself a mapping (``video.price_per_second_usd``) comes from where
        its keys were given."""
        explicit_keys = set(flatten(explicit, depth=9))
        yaml_keys = set(flatten(self.yaml_data, depth=9))
        for n, candidate in enumerate(_ancestors(path)):
            if _given(candidate, explicit_keys, n == 0) is not None:
                return "override"
            if (env := _given(candidate, self.env_origin, n == 0)) is not None:
                return f"environment ({self.env_origin[env]})"
            if (dotenv := _given(candidate, self.dotenv_origin, n == 0)) is not None:
                return f"{self.dotenv_path} ({self.dotenv_origin[dotenv]})"
            if _given(candidate, yaml_keys, n == 0) is not None and self.yaml_path is not None:
                line = self.yaml_lines.get(candidate)
                return f"{self.yaml_path}:{line}" if line else str(self.yaml_path)
        return "default"

    def secret_values(self) -> list[str]:
        """The secrets this load read from the environment and .env, as given."""
        found = []
        for data in (self.env_data, self.dotenv_data):
            flat = flatten(data, depth=9)
            found += [str(flat[path]) for path in SECRET_PATHS if flat.get(path)]
        return found

    def provenance(self, dumped: Mapping[str, Any], explicit: Mapping[str, Any]) -> dict[str, str]:
        return {path: self.origin(path, explicit) for path in flatten(dumped)}


def _given(path: str, keys: Iterable[str], or_below: bool) -> str | None:
    """The key of ``keys`` that is ``path`` (or, with ``or_below``, one of its own keys)."""
    for key in keys:
        if key == path or (or_below and key.startswith(path + ".")):
            return key
    return None


def _ancestors(path: str) -> list[str]:
    parts = path.split(".")
    return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]


def describe_validation_error(
    exc: ValidationError, ctx: LoadContext, explicit: Mapping[str, Any]
) -> str:
    """One line per problem: where it came from, the key, what was expected, what was given."""
    problems = []
    for error in exc.errors(include_url=False):
        path = ".".join(str(part) for part in error["loc"] if not isinstance(part, int))
        where = ctx.origin(path, explicit)
        if error["type"] == "extra_forbidden":
            problems.append(f"{where}: unknown key '{path}'")
            continue
        if not path:
            # A rule across sections (the video settings and the video model): the message
            # names its keys, and the whole configuration is no use as "what was given".
            problems.append(str(error["msg"]).removeprefix("Value error, "))
            continue
        given = "(hidden)" if path in SECRET_PATHS else _shown(error.get("input"), ctx)
        problems.append(f"{where}: key '{path}': {error['msg']}; got {given}")
    return "Invalid configuration:\n  " + "\n  ".join(problems)


def _shown(value: Any, ctx: LoadContext) -> str:
    """``value`` as an error may show it: a secret put under the wrong key (a key as a
    timeout...) is masked, whether it is one of this load's secrets or shaped like one.
    The secrets are not registered yet when validation fails, so they are taken from here."""
    text = repr(value)
    for secret in ctx.secret_values():
        if len(secret) >= 6:
            text = text.replace(secret, MASK)
    return redact(text)


_CONTEXT: ContextVar[LoadContext | None] = ContextVar("storyreel_settings_load", default=None)


def current_context() -> LoadContext:
    """The load in progress, or a fresh one reading the process environment."""
    ctx = _CONTEXT.get()
    return ctx if ctx is not None else LoadContext.create()


@contextlib.contextmanager
def loading(ctx: LoadContext) -> Iterator[None]:
    token = _CONTEXT.set(ctx)
    try:
        yield
    finally:
        _CONTEXT.reset(token)
