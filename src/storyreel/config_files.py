"""The config file: where it is found, how it is read, and the names of its keys."""

from __future__ import annotations

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
SECRET_PATHS = frozenset(
    {
        "openrouter.api_key",
        "google.api_key",
        "api.token",
        "api.session_secret",
        # Database and broker URLs may carry a password.
        "jobs.store_url",
        "jobs.broker_url",
    }
)


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


class _ConfigLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing what it would otherwise read silently wrong: a key given
    twice (the second would replace the first, a whole ``video:`` section at a time) and
    a base-60 number (YAML 1.1 reads ``aspect_ratio: 9:16`` as 556)."""

    def __init__(self, text: str, path: Path) -> None:
        super().__init__(text)
        self.path = path
        self.lines: dict[str, int] = {}  # line (1-based) of every key, by dotted path

    def checked_data(self) -> Any:
        node = self.get_single_node()
        if node is None:
            return None
        self._check(node, "", set())
        return self.construct_document(node)

    def _check(self, node: yaml.Node, prefix: str, seen_nodes: set[int]) -> None:
        if id(node) in seen_nodes:  # an alias of a node already checked
            return
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for key_node, value_node in node.value:
                key, line = str(key_node.value), key_node.start_mark.line + 1
                dotted = f"{prefix}{key}"
                if key in first and key != "<<":
                    raise ConfigError(
                        f"{self.path}:{line}: '{dotted}' is given twice (first on line "
                        f"{first[key]}); YAML would silently keep only the last one: merge them "
                        "into one"
                    )
                first[key] = self.lines[dotted] = line
                self._check(value_node, f"{dotted}.", seen_nodes)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                self._check(item, prefix, seen_nodes)
        elif node.tag in _NUMBER_TAGS and ":" in str(node.value):
            self._refuse_base_60(node, prefix.rstrip("."))

    def _refuse_base_60(self, node: yaml.Node, key: str) -> None:
        text, name = str(node.value), key.rsplit(".", 1)[-1]
        number = self.construct_object(node)
        raise ConfigError(
            f"{self.path}:{node.start_mark.line + 1}: '{key}: {text}' reads as the number "
            f'{number} in YAML (base 60); put it in quotes: {name}: "{text}"'
        )


_NUMBER_TAGS = frozenset({"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"})


def read_yaml(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    """Parse a config file; syntax errors, keys given twice and base-60 numbers name the file
    and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc.strerror}).") from None
    loader = _ConfigLoader(text, path)
    try:
        data = loader.checked_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise ConfigError(f"{where}: YAML syntax error: {exc.problem}.") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: YAML syntax error: {exc}.") from None
    finally:
        loader.dispose()
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level.")
    lines = loader.lines
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
