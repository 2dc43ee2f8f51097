"""The config file: where it is found, how it is read, and the names of its keys."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

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
