"""Where settings come from: the YAML file, the environment and .env, with provenance."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from storyreel.errors import ConfigError

CONFIG_ENV = "STORYREEL_CONFIG"
ENV_PREFIX = "STORYREEL_"

# The environment names of the original connectors, kept valid.
LEGACY_ENV: dict[str, str] = {
    "OPENAI_API_KEY": "openrouter.api_key",
    "OPENROUTER_BASE_URL": "openrouter.base_url",
    "SCRIPT_MODEL": "openrouter.model",
    "GOOGLE_STUDIO_API_KEY": "google.api_key",
    "STORYREEL_API_TOKEN": "api.token",
}
SECRET_PATHS = frozenset({"openrouter.api_key", "google.api_key", "api.token"})
_NOT_KEYS = frozenset({CONFIG_ENV, "STORYREEL_API_TOKEN"})


def _set_path(target: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    node = target
    for part in parents:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[leaf] = value


def flatten(data: Mapping[str, Any], prefix: str = "", depth: int = 2) -> dict[str, Any]:
    """Dotted keys down to ``depth`` levels (sections and their keys)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and depth > 1:
            out.update(flatten(value, f"{path}.", depth - 1))
        else:
            out[path] = value
    return out


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


def _yaml_lines(text: str) -> dict[str, int]:
    """Line number (1-based) of every key, by dotted path."""
    lines: dict[str, int] = {}

    def walk(node: yaml.Node, prefix: str) -> None:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                path = f"{prefix}{key_node.value}"
                lines[path] = key_node.start_mark.line + 1
                walk(value_node, f"{path}.")

    with contextlib.suppress(yaml.YAMLError):
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        if root is not None:
            walk(root, "")
    return lines


def read_yaml(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    """Parse a config file; syntax errors name the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc.strerror}).") from None
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise ConfigError(f"{where}: YAML syntax error: {exc.problem}.") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: YAML syntax error: {exc}.") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level.")
    lines = _yaml_lines(text)
    for secret in sorted(SECRET_PATHS & set(flatten(data))):
        raise ConfigError(
            f"{path}:{lines.get(secret, 0)}: '{secret}' is a secret and is read only from the "
            f"environment; remove it from the file and set {env_name(secret)} instead."
        )
    return data, lines


def env_name(path: str) -> str:
    """The environment variable a user sets for a dotted key."""
    for name, legacy_path in LEGACY_ENV.items():
        if legacy_path == path:
            return name
    return ENV_PREFIX + path.upper().replace(".", "__")


def packaged_config() -> Path:
    """The config.yml shipped inside the package."""
    return Path(str(resources.files("storyreel").joinpath("config.yml")))


def find_config(explicit: str | Path | None, env: Mapping[str, str]) -> Path | None:
    """$STORYREEL_CONFIG, else ./config.yml, else the packaged copy."""
    if explicit is not None:
        named, how = Path(explicit), "the config file"
    elif env.get(CONFIG_ENV):
        named, how = Path(env[CONFIG_ENV]), f"{CONFIG_ENV}"
    else:
        local = Path("config.yml")
        if local.is_file():
            return local
        shipped = packaged_config()
        return shipped if shipped.is_file() else None
    if not named.is_file():
        raise ConfigError(f"{how} names {named}, which does not exist.")
    return named


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
        """Where the value at ``path`` came from, in words a user can act on."""
        for candidate in _ancestors(path):
            if candidate in flatten(explicit, depth=9):
                return "override"
            if candidate in self.env_origin:
                return f"environment ({self.env_origin[candidate]})"
            if candidate in self.dotenv_origin:
                return f"{self.dotenv_path} ({self.dotenv_origin[candidate]})"
            if candidate in flatten(self.yaml_data, depth=9) and self.yaml_path is not None:
                line = self.yaml_lines.get(candidate)
                return f"{self.yaml_path}:{line}" if line else str(self.yaml_path)
        return "default"

    def provenance(self, dumped: Mapping[str, Any], explicit: Mapping[str, Any]) -> dict[str, str]:
        return {path: self.origin(path, explicit) for path in flatten(dumped)}


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
        given = "(hidden)" if path in SECRET_PATHS else repr(error.get("input"))
        problems.append(f"{where}: key '{path}': {error['msg']}; got {given}")
    return "Invalid configuration:\n  " + "\n  ".join(problems)


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
