"""The compose file and the README's commands for several machines stay true to the code."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from storyreel.cli import app as cli_app
from storyreel.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "deploy" / "compose.yaml"


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return data


def _storyreel_commands(text: str) -> list[list[str]]:
    """Every ``storyreel ...`` command line in ``text``, split like a shell would."""
    found = []
    for match in re.finditer(r"(?m)(?:^|&&\s*)(?:exec\s+)?(storyreel [^#\n\"]+)", text):
        words = shlex.split(match.group(1))
        found.append(words[1:])
    return found


def test_deploy_compose_environment_is_a_valid_configuration_of_several_machines(
    tmp_path: Path,
) -> None:
    services = _compose()["services"]
    assert {"postgres", "redis", "migrate", "api", "worker"} <= set(services)
    env = {
        key: re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", str(value))
        for key, value in services["worker"]["environment"].items()
    }
    env["STORYREEL_OUTPUT_DIR"] = str(tmp_path)
    settings = load_settings(env=env, dotenv=None, config_file=None)
    assert settings.jobs.queue == "celery"
    assert settings.jobs.store_url is not None
    assert settings.jobs.store_url.get_secret_value().startswith("postgresql://")
    assert settings.jobs.shared_output
    # The API and the workers read one configuration.
    assert services["api"]["environment"] == services["worker"]["environment"]


@pytest.mark.parametrize("source", ["compose", "readme"])
def test_deploy_every_storyreel_command_shown_exists_with_its_options(source: str) -> None:
    if source == "compose":
        text = "\n".join(
            str(service.get("command", "")) for service in _compose()["services"].values()
        )
    else:
        readme = (ROOT / "README.md").read_text()
        text = readme.split("## Several machines", 1)[1].split("\n## ", 1)[0]
    commands = _storyreel_commands(text)
    assert len(commands) >= (4 if source == "compose" else 5)
    cli_app._register()
    runner = CliRunner()
    for words in commands:
        # Options are checked by asking for the command's help with them: an unknown option
        # or command fails with a usage error (exit 2).
        options = [word for word in words if word.startswith("--")]
        path = []
        for word in words[:2]:
            if not re.fullmatch(r"[a-z][a-z-]*", word):
                break
            path.append(word)
        done = runner.invoke(cli_app.app, [*path, "--help"])
        assert done.exit_code == 0, (words, done.output)
        for option in options:
            assert option.split("=")[0] in done.output, (words, option)


def test_deploy_storyreel_is_each_containers_first_process_and_gets_its_grace() -> None:
    """A shell left as PID 1 drops docker's SIGTERM: the worker would be SIGKILLed mid-job
    at every stop instead of putting its jobs back in the queue."""
    services = _compose()["services"]
    for name in ("emulator", "migrate", "api", "worker"):
        command = " ".join(str(services[name]["command"]).split())
        assert "&& exec storyreel " in command, name
    for name in ("api", "worker"):
        grace = str(services[name]["stop_grace_period"])
        assert int(grace.rstrip("s")) > 35, name  # jobs.stop_grace_s (30) + 5
