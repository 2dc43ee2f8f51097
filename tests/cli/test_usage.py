"""How `storyreel` presents itself: usage lines, --help labels, command order, usage errors."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_support import clean_env, run_cli, run_storyreel, use_env
from typer.testing import CliRunner

from storyreel.cli.app import _register, app

# The order of the issue: as a user meets the commands.
ORDER = [
    "make",
    "story",
    "video",
    "thumbnail",
    "meme",
    "content",
    "ideas",
    "characters",
    "jobs",
    "resume",
    "assemble",
    "reshoot",
    "keyframes",
    "stats",
    "serve",
    "worker",
    "db",
    "emulator",
    "config",
]
ALWAYS_THERE = set(ORDER) - {"assemble", "reshoot"}

Typed = Callable[..., tuple[int, str, str]]


@pytest.fixture
def typed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Typed:
    """``typed("make", "a", "kite")`` → (exit status, stdout, stderr), as the console script
    runs it, in an empty folder (nothing would be made there without an error)."""
    monkeypatch.chdir(tmp_path)
    use_env(monkeypatch, clean_env())

    def call(*argv: str) -> tuple[int, str, str]:
        return run_cli(capsys, *argv)

    return call


def test_usage_help_lists_commands_in_the_order_a_user_meets_them(tmp_path: Path) -> None:
    done = run_storyreel(tmp_path, "--help")

    assert done.returncode == 0, done.stderr
    section = done.stdout.split("Commands:\n", 1)[1]
    listed = [line.split()[0] for line in section.splitlines() if line.startswith("  ")]
    assert set(listed) >= ALWAYS_THERE
    assert listed == [name for name in ORDER if name in listed]


def test_usage_lines_and_labels_name_what_a_user_types() -> None:
    _register()
    runner = CliRunner()
    make = runner.invoke(app, ["make", "--help"])
    story = runner.invoke(app, ["story", "--help"])
    characters = runner.invoke(app, ["characters", "--help"])
    video = runner.invoke(app, ["video", "--help"])

    assert story.stdout.splitlines()[0] == "Usage: storyreel story [OPTIONS] IDEA"
    assert re.search(r"^  IDEA +What the story is about", story.stdout, re.MULTILINE)
    assert re.search(r"-n, --segments INTEGER +Clips", story.stdout)
    # `make --story FILE` films a story instead of an idea: there IDEA is optional.
    assert re.fullmatch(
        r"Usage: storyreel make \[OPTIONS\] (IDEA|\[IDEA\])", make.stdout.split("\n")[0]
    )
    assert re.search(r"^  IDEA +What the video is about", make.stdout, re.MULTILINE)
    assert characters.stdout.splitlines()[0] == "Usage: storyreel characters [OPTIONS] IMAGES..."
    assert re.search(r"^  IMAGES\.\.\. +PNG, JPEG", characters.stdout, re.MULTILINE)
    # --operation collects a clip without a prompt: PROMPT is optional.
    assert video.stdout.splitlines()[0] == "Usage: storyreel video [OPTIONS] [PROMPT]"
    assert "--operation NAME" in video.stdout


@pytest.mark.parametrize("command", [*sorted(ALWAYS_THERE - {"config"}), "config show"])
def test_usage_help_shows_no_python_types(command: str) -> None:
    _register()
    result = CliRunner().invoke(app, [*command.split(), "--help"])

    assert result.exit_code == 0, result.output
    assert not re.search(r"<(str|int|float|path|bool|list\[\w+\])[^>]*>", result.stdout)
    assert not re.search(r"\{[a-z_]+\}", result.stdout.splitlines()[0])


def test_usage_unquoted_idea_gets_a_hint_to_quote_it(typed: Typed, tmp_path: Path) -> None:
    code, out, err = typed("make", "a", "kite", "festival")

    assert code == 2
    assert out == ""
    assert err.splitlines() == [
        "error: storyreel make takes one IDEA; these words are extra: kite festival",
        'hint: put the idea in quotes: storyreel make "a kite festival"',
    ]
    assert list(tmp_path.iterdir()) == []  # no job, no output folder


def test_usage_quote_hint_is_a_shell_word_even_with_quotes_inside(typed: Typed) -> None:
    code, _, err = typed("story", 'the "best" day', "ever")

    assert code == 2
    hint = err.splitlines()[1]
    assert hint.startswith("hint: put the idea in quotes: storyreel story ")
    assert shlex.split(hint.split("storyreel story ", 1)[1]) == ['the "best" day ever']


def test_usage_global_option_after_the_command_says_where_it_goes(typed: Typed) -> None:
    code, _, err = typed("story", "x", "--backend", "live")

    assert code == 2
    assert err.splitlines() == [
        "error: No such option: --backend",
        "hint: --backend is a global option: put it before the command, "
        "e.g. storyreel --backend TEXT story …",
    ]


@pytest.mark.parametrize(
    ("argv", "start"),
    [
        (["story"], "error: Missing argument 'IDEA'"),
        (["make", "x", "--segments", "many"], "error: Invalid value for '--segments'"),
        (["mkae", "x"], "error: No such command 'mkae'"),
        (["resume", "job-1", "job-2"], "error: storyreel resume takes one JOB_ID"),
        (["jobs", "--nope"], "error: No such option: --nope"),
        (["config", "show", "extra"], "error: unexpected extra argument(s): extra"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(typed: Typed, argv: list[str], start: str) -> None:
    code, out, err = typed(*argv)

    assert code == 2
    assert out == ""
    assert len(err.splitlines()) == 1, err
    assert err.startswith(start)
    # Where to read more, on the same line, unless Click already guessed the right word.
    assert "--help'" in err or err.rstrip().endswith("?")
    assert "Usage:" not in err


def test_usage_error_through_the_console_script_is_one_line(tmp_path: Path) -> None:
    done = run_storyreel(tmp_path, "story", "--segments", "3")

    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "error: Missing argument 'IDEA'; see 'storyreel story --help'"
    ]


def test_usage_readme_lists_commands_in_the_help_order() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `storyreel ([a-z]+)", readme, re.MULTILINE)
    table = list(dict.fromkeys(rows))  # `config show` and `config check` are one command

    assert set(table) >= ALWAYS_THERE
    assert table == [name for name in ORDER if name in table]
