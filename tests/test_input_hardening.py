"""Hostile input at the library entry points and the CLI: control characters, 100 kB text,
unicode (emoji, RTL, combining marks, NUL), numbers at and past their bounds. Every outcome is
a result or a typed StoryreelError (at the CLI: a documented exit code, a one-line error, no
traceback). And no file or folder name is ever derived from model or user text."""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from typer.testing import CliRunner

from storyreel.cli import app as cli_app
from storyreel.cli.state import CliState
from storyreel.containers import Container, aclose_container, close_container, create_container
from storyreel.domain.frames import character_slugs
from storyreel.domain.story import Character, Segment, Story
from storyreel.domain.text import MAX_VIDEO_PROMPT_CHARS
from storyreel.emulator import EmulatorOptions, EmulatorServer
from storyreel.errors import ConfigError, InputError, StoryreelError
from storyreel.jobs.cinematographer import Cinematographer
from storyreel.jobs.folders import OWNER_MARKER
from storyreel.jobs.models import JobStatus, new_job_id
from storyreel.jobs.runner import JobRunner
from storyreel.jobs.sqlite import SqliteJobStore
from storyreel.logs import redact
from storyreel.quota.store import STORE_FILENAME as QUOTA_FILE
from storyreel.services.google.media import ImageResult, MediaService, VideoRequest, VideoResult
from storyreel.services.openrouter.models import CONTENT_FORMATS, IdeaList, WrittenStory
from storyreel.settings import Settings, load_settings

T = TypeVar("T")

EXIT_CODES = {0, 1, 2, 3, 65, 69, 75, 78, 130}
MAX_TEXT, MAX_STYLE = 4000, 300
HUGE = [2**31, 2**63, -(2**63), 10**30]
NASTY = [
    "",
    "   ",
    "\t\r\n",
    "\x00",
    "a\x00b",
    "\x07\x08\x1b[31mred\x1b[0m\x7f",
    "\u202egnp.exe",
    "e\u0301\u0301\u0301\u0301",
    "🦊🌊👩‍👩‍👧",
    "مرحبا بالعالم",
    "\u200b\ufeff\u2028",
    "../../etc/passwd",
    "a/b\\c:d*?<>|",
    "%s%n{0}${HOME}",
    "x" * 100_000,
    "é" * (MAX_TEXT + 1),
    "y" * MAX_TEXT,
    " " * 5000 + "z",
]
BAD_FILE_CHARS = re.compile(r"[\x00-\x1f\x7f/\\]")
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

HYPOTHESIS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def hostile_text(max_len: int = 100_000) -> st.SearchStrategy[str]:
    """Text a user (or a model) might send: the NASTY list, arbitrary unicode, control and
    format characters, and long repetitions, at most ``max_len`` characters."""
    return st.one_of(
        st.sampled_from([text for text in NASTY if len(text) <= max_len]),
        st.text(max_size=min(300, max_len)),
        st.text(st.characters(categories=["Cc", "Cf", "Mn", "So", "Zs"]), max_size=50),
        st.builds(
            lambda piece, times: (piece * times)[:max_len],
            st.text(min_size=1, max_size=3),
            st.integers(1, 40_000),
        ),
    )


def around(low: int, high: int) -> st.SearchStrategy[int]:
    """Numbers at and past the bounds ``low..high``, and some in between."""
    edges = [low - 1, low, low + 1, high - 1, high, high + 1, 0, -1, *HUGE]
    return st.one_of(st.sampled_from(edges), st.integers(low - 5, high + 5))


def text_ok(text: str | None, limit: int = MAX_TEXT) -> bool:
    return text is not None and bool(text.strip()) and len(text.strip()) <= limit


def style_ok(style: str | None) -> bool:
    return style is None or not style.strip() or len(style.strip()) <= MAX_STYLE


def attempt(call: Callable[[], T]) -> T | StoryreelError:
    """The result of ``call()``, or the StoryreelError it raised; anything else propagates."""
    try:
        return call()
    except StoryreelError as exc:
        return exc


def one_line(error: StoryreelError) -> None:
    """What the CLI prints for ``error`` is one line ("error: ..."), without a traceback."""
    lines = redact(str(error)).splitlines()
    assert len(lines) == 1, lines
    assert "Traceback" not in lines[0]


class Loop:
    """One event loop for a module's async calls, so clients are opened and closed in it."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()

    def outcome(self, call: Awaitable[T]) -> T | StoryreelError:
        """The result, or the StoryreelError raised; any other exception fails the test."""

        async def run() -> T | StoryreelError:
            try:
                return await call
            except StoryreelError as exc:
                return exc

        return self._loop.run_until_complete(run())

    def close(self, container: Container) -> None:
        self._loop.run_until_complete(aclose_container(container))
        self._loop.close()


@pytest.fixture(scope="module")
def fast_emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorOptions(video_latency_s=0.05)) as server:
        yield server


def quick_settings(output_dir: Path, emulator: EmulatorServer) -> Settings:
    return load_settings(
        {
            "backend": "offline",
            "output_dir": str(output_dir),
            "emulator": {"url": emulator.url},
            "video": {"poll_initial_s": 0.02, "poll_max_s": 0.05, "duration_seconds": 4},
        },
        config_file=None,
        env={},
        dotenv=None,
    )


@dataclass
class Library:
    loop: Loop
    container: Container
    settings: Settings


@pytest.fixture(scope="module")
def library(
    fast_emulator: EmulatorServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Library]:
    out = tmp_path_factory.mktemp("library")
    container = create_container(quick_settings(out, fast_emulator))
    loop = Loop()
    yield Library(loop, container, container.config())
    container.job_store().close()
    loop.close(container)


# Library entry points.


@HYPOTHESIS
@given(
    idea=hostile_text(),
    segments=around(1, 20),
    style=st.none() | hostile_text(),
    duration=st.sampled_from([None, 0, 3, 4, 6, 8, 9, -1, 2**63]),
)
def test_input_hardening_story_is_a_story_or_an_input_error(
    library: Library, idea: str, segments: int, style: str | None, duration: int | None
) -> None:
    service = library.container.writing_service()
    valid = (
        text_ok(idea)
        and 1 <= segments <= 20
        and style_ok(style)
        and (duration is None or duration in (4, 6, 8))
    )

    outcome = library.loop.outcome(
        service.story(idea, segments=segments, style=style, duration_seconds=duration)
    )

    if valid:
        assert isinstance(outcome, WrittenStory), outcome
        assert [s.index for s in outcome.segments] == list(range(1, segments + 1))
        if duration is not None:
            assert {s.duration_seconds for s in outcome.segments} == {duration}
    else:
        assert isinstance(outcome, InputError), outcome
        one_line(outcome)


@HYPOTHESIS
@given(niche=hostile_text(), count=around(1, 20))
def test_input_hardening_ideas_are_ideas_or_an_input_error(
    library: Library, niche: str, count: int
) -> None:
    outcome = library.loop.outcome(
        library.container.writing_service().trending_ideas(niche, count=count)
    )

    if text_ok(niche) and 1 <= count <= 20:
        assert isinstance(outcome, IdeaList), outcome
        assert len(outcome.ideas) == count
    else:
        assert isinstance(outcome, InputError), outcome
        one_line(outcome)


@HYPOTHESIS
@given(
    text=hostile_text(),
    style=st.none() | hostile_text(),
    form=st.sampled_from(CONTENT_FORMATS) | hostile_text(50),
)
def test_input_hardening_meme_and_content_are_results_or_input_errors(
    library: Library, text: str, style: str | None, form: str
) -> None:
    service = library.container.writing_service()

    meme = library.loop.outcome(service.meme(text, style=style))
    content = library.loop.outcome(service.content(text, format=form))

    assert isinstance(meme, InputError) != (text_ok(text) and style_ok(style))
    assert isinstance(content, InputError) != (text_ok(text) and form in CONTENT_FORMATS)
    for outcome in (meme, content):
        if isinstance(outcome, StoryreelError):
            assert isinstance(outcome, InputError), outcome
            one_line(outcome)


@HYPOTHESIS
@given(
    prompt=hostile_text(),
    duration=st.none() | around(4, 8) | st.sampled_from([3, 5, 9]),
    ratio=st.none() | st.sampled_from(["9:16", "16:9", "1:1", "9 : 16", ""]) | hostile_text(20),
)
def test_input_hardening_video_request_is_valid_or_an_input_error(
    library: Library, prompt: str, duration: int | None, ratio: str | None
) -> None:
    media = library.container.media_service()
    expected = duration if duration is not None else library.settings.video.duration_seconds
    valid = (
        text_ok(prompt, MAX_VIDEO_PROMPT_CHARS)
        and expected in (4, 6, 8)
        and (ratio or "9:16") in ("9:16", "16:9")
    )

    request = attempt(
        lambda: media.video_request(prompt, duration_seconds=duration, aspect_ratio=ratio)
    )

    if valid:
        assert isinstance(request, VideoRequest), request
        assert request.prompt == prompt.strip()
        assert request.duration_seconds == expected
    else:
        assert isinstance(request, InputError), request
        one_line(request)


@HYPOTHESIS
@given(
    idea=hostile_text(),
    segments=st.none() | around(1, 20),
    duration=st.sampled_from([None, 0, 3, 4, 6, 8, 9, -1, 2**63]),
    style=st.none() | hostile_text(1000),
)
def test_input_hardening_job_create_is_a_queued_job_or_an_input_error(
    library: Library, idea: str, segments: int | None, duration: int | None, style: str | None
) -> None:
    runner = library.container.job_runner()
    output_dir = library.settings.output_dir
    # None means "video.duration_seconds"; anything else must be a Veo duration.
    chosen = library.settings.video.duration_seconds if duration is None else duration
    count = 5 if segments is None else segments
    valid = text_ok(idea) and style_ok(style) and 1 <= count <= 20 and chosen in (4, 6, 8)

    job = attempt(
        lambda: runner.create(idea, segments=segments, style=style, duration_seconds=duration)
    )

    if not valid:
        assert isinstance(job, InputError), job
        one_line(job)
        return
    assert not isinstance(job, StoryreelError), job
    assert job.status is JobStatus.QUEUED
    assert job.input.duration_seconds == chosen
    assert re.fullmatch(r"\d{8}-\d{6}-[0-9a-f]{6}", job.id)
    assert Path(job.out_dir) == (output_dir / job.id).resolve()
    assert Path(job.out_dir).is_dir()
    assert runner.get(job.id).job.input.idea == idea.strip()


SETTINGS_ENV = {
    "STORYREEL_VIDEO__CONCURRENCY": around(1, 32).map(str),
    "STORYREEL_VIDEO__DURATION_SECONDS": st.sampled_from(
        ["3", "4", "6", "8", "9", " 8 ", "８", "8.0", "eight", "", "\x00", "-4", "1e309"]
    ),
    "STORYREEL_VIDEO__POLL_INITIAL_S": st.sampled_from(
        ["0", "-1", "0.01", "nan", "1e-300", "1e309", "2", "two", "\u0662"]
    ),
    "STORYREEL_OPENROUTER__MAX_RETRIES": around(0, 10).map(str),
    "STORYREEL_GOOGLE__MAX_RETRIES": around(0, 10).map(str),
    "STORYREEL_OPENROUTER__TIMEOUT_S": st.sampled_from(["0", "-5", "0.001", "60", "1e6", "nan"]),
    "STORYREEL_GOOGLE__TIMEOUT_S": st.sampled_from(["0", "-5", "0.001", "120", "1e6", "nan"]),
    "STORYREEL_VIDEO__ASPECT_RATIO": st.sampled_from(["9:16", "16:9", "4:3", "", "\u202e9:16"]),
    "STORYREEL_VIDEO__PRICE_PER_SECOND_USD": st.sampled_from(
        ['{"veo-x": 0.1}', "{}", "[]", "{", '{"veo-x": "cheap"}', "null"]
    ),
    "STORYREEL_API__PORT": around(0, 65535).map(str),
    "STORYREEL_API__MAX_UPLOAD_MB": st.sampled_from(["0", "-1", "0.5", "20", "1e3", "x"]),
    "STORYREEL_LOG_LEVEL": st.sampled_from(["DEBUG", "debug", "TRACE", "", "\x1b[31m"]),
    "STORYREEL_BACKEND": st.sampled_from(["offline", "live", "Offline", "", "🦊"]),
    "SCRIPT_MODEL": hostile_text(300),
}


@HYPOTHESIS
@given(
    env=st.dictionaries(
        st.sampled_from(sorted(SETTINGS_ENV)), st.just(""), min_size=1, max_size=4
    ).flatmap(lambda keys: st.fixed_dictionaries({key: SETTINGS_ENV[key] for key in keys}))
)
def test_input_hardening_settings_from_environment_strings(
    env: dict[str, str], fast_emulator: EmulatorServer
) -> None:
    env = {**env, "STORYREEL_EMULATOR__URL": fast_emulator.url}
    loaded = attempt(lambda: load_settings(None, config_file=None, env=env, dotenv=None))
    if isinstance(loaded, StoryreelError):
        assert isinstance(loaded, ConfigError), loaded
        assert str(loaded).startswith("Invalid configuration")
        return
    assert 1 <= loaded.video.concurrency <= 32
    assert loaded.video.duration_seconds in (4, 6, 8)
    assert loaded.video.poll_initial_s > 0
    assert 0 <= loaded.google.max_retries <= 10
    # A configuration that loads builds its container, and its clients or says why it
    # cannot: live without keys names the variable when a client is first asked for.
    container = create_container(loaded)
    try:
        for client, variable in (
            (container.async_openai_client, "OPENAI_API_KEY"),
            (container.genai_client, "GOOGLE_STUDIO_API_KEY"),
        ):
            built = attempt(client)
            if isinstance(built, ConfigError):
                assert loaded.backend == "live"
                assert variable in str(built)
    finally:
        close_container(container)


# Once gaps found by these tests: each is a typed error by the contract.


def test_input_hardening_infinite_google_timeout_is_a_config_error(
    fast_emulator: EmulatorServer,
) -> None:
    env = {"STORYREEL_GOOGLE__TIMEOUT_S": "inf", "STORYREEL_EMULATOR__URL": fast_emulator.url}
    with pytest.raises(ConfigError, match=r"google\.timeout_s.*finite number"):
        load_settings(None, config_file=None, env=env, dotenv=None)


def test_input_hardening_infinite_emulator_latency_is_a_config_error() -> None:
    env = {"STORYREEL_EMULATOR__VIDEO_LATENCY_S": "inf"}
    with pytest.raises(ConfigError, match=r"emulator\.video_latency_s.*finite number"):
        load_settings(None, config_file=None, env=env, dotenv=None)


def test_input_hardening_video_prompt_with_a_lone_surrogate_is_an_input_error(
    library: Library,
) -> None:
    # What Python makes of a non-UTF-8 byte in argv: `storyreel video $'\xff'`.
    with pytest.raises(InputError):
        library.container.media_service().video_request("a fox \udcff", duration_seconds=4)


# The CLI.


@dataclass
class Cli:
    settings: Settings
    runner: CliRunner = field(default_factory=CliRunner)

    def __call__(self, *args: str) -> Any:
        cli_app._register()
        result = self.runner.invoke(cli_app.app, list(args), obj=CliState(_settings=self.settings))
        check_cli(result)
        return result


def check_cli(result: Any) -> None:
    """A documented exit code, no traceback; a storyreel error would print as one line."""
    error = result.exception
    assert error is None or isinstance(error, SystemExit | StoryreelError), repr(error)
    code = error.exit_code if isinstance(error, StoryreelError) else result.exit_code
    assert code in EXIT_CODES, (code, result.output[-500:])
    assert "Traceback" not in result.stdout + result.stderr
    if isinstance(error, StoryreelError):
        one_line(error)


@pytest.fixture(scope="module")
def cli(fast_emulator: EmulatorServer, tmp_path_factory: pytest.TempPathFactory) -> Cli:
    return Cli(quick_settings(tmp_path_factory.mktemp("cli"), fast_emulator))


def _args(*pairs: tuple[str, object]) -> list[str]:
    return [part for flag, value in pairs if value is not None for part in (flag, str(value))]


@HYPOTHESIS
@given(
    idea=hostile_text(),
    segments=st.none() | around(1, 20),
    duration=st.none() | st.sampled_from([0, 3, 4, 6, 8, 9, -1]),
    style=st.none() | hostile_text(400),
)
def test_input_hardening_cli_story(
    cli: Cli, idea: str, segments: int | None, duration: int | None, style: str | None
) -> None:
    args = _args(("--segments", segments), ("--duration", duration), ("--style", style))
    result = cli("story", "--json", *args, "--", idea)

    valid = (
        text_ok(idea)
        and 1 <= (5 if segments is None else segments) <= 20
        and duration in (None, 4, 6, 8)
        and style_ok(style)
    )
    if valid:
        assert result.exit_code == 0, result.output[-500:]
        assert len(json.loads(result.stdout)["segments"]) == (5 if segments is None else segments)
    else:
        assert isinstance(result.exception, InputError), result.output[-500:]


@HYPOTHESIS
@given(niche=hostile_text(), count=st.none() | around(1, 20))
def test_input_hardening_cli_ideas(cli: Cli, niche: str, count: int | None) -> None:
    result = cli("ideas", "--json", *_args(("--count", count)), "--", niche)

    wanted = 5 if count is None else count
    if text_ok(niche) and 1 <= wanted <= 20:
        assert len(json.loads(result.stdout)["ideas"]) == wanted
    else:
        assert isinstance(result.exception, InputError), result.output[-500:]


@settings(HYPOTHESIS, max_examples=30)
@given(
    command=st.sampled_from(["meme", "content", "thumbnail"]),
    text=hostile_text(2000),
    option=st.none() | st.sampled_from(["post", "thread", "1:1", "16:9"]) | hostile_text(20),
)
def test_input_hardening_cli_meme_content_thumbnail(
    cli: Cli, command: str, text: str, option: str | None
) -> None:
    flag = {"meme": "--style", "content": "--format", "thumbnail": "--aspect-ratio"}[command]
    result = cli(command, "--json", *_args((flag, option)), "--", text)

    assert (result.exit_code == 0) == (result.exception is None)
    if result.exit_code == 0:
        assert json.loads(result.stdout)
    if not text.strip():
        assert isinstance(result.exception, InputError)


@settings(HYPOTHESIS, max_examples=20)
@given(
    prompt=hostile_text(500),
    duration=st.none() | st.sampled_from([0, 3, 4, 8, 9, -1, 2**63]),
    ratio=st.none() | st.sampled_from(["9:16", "16:9", "1:1"]),
)
def test_input_hardening_cli_video(
    cli: Cli, prompt: str, duration: int | None, ratio: str | None
) -> None:
    args = _args(("--duration", duration), ("--aspect-ratio", ratio))
    result = cli("video", "--json", *args, "--", prompt)

    valid = bool(prompt.strip()) and duration in (None, 4, 8) and ratio in (None, "9:16", "16:9")
    if valid:
        path = Path(json.loads(result.stdout)["path"])
        assert path.parent == cli.settings.output_dir
        assert re.fullmatch(r"video-[0-9a-f]{10}\.mp4", path.name)
    else:
        assert isinstance(result.exception, InputError), result.output[-500:]


@settings(HYPOTHESIS, max_examples=20)
@given(
    idea=hostile_text(),
    segments=st.sampled_from([0, 1, 21, -1, *HUGE]),
    style=st.none() | hostile_text(400),
)
def test_input_hardening_cli_make(cli: Cli, idea: str, segments: int, style: str | None) -> None:
    args = _args(("--segments", segments), ("--style", style))
    result = cli("make", "--yes", "--json", *args, "--", idea)

    if segments != 1 or not text_ok(idea) or not style_ok(style):
        # Refused before a job exists (nothing written, nothing spent).
        assert isinstance(result.exception, InputError), result.output[-500:]
    else:
        assert result.exit_code == 0, result.output[-500:]
        assert json.loads(result.stdout)["status"] == "succeeded"


@settings(HYPOTHESIS, max_examples=30)
@given(
    job_id=hostile_text(1000),
    # At most 60 characters (255 bytes, a file name's limit) and on one line: longer names
    # and line breaks are the known gaps tested below.
    images=st.lists(hostile_text(60).filter(lambda t: "".join(t.splitlines()) == t), max_size=3),
)
def test_input_hardening_cli_resume_and_characters(
    cli: Cli, job_id: str, images: list[str]
) -> None:
    resumed = cli("resume", "--yes", "--", job_id)
    described = cli("characters", "--", *(images or ["missing.png"]))

    assert resumed.exit_code != 0
    assert isinstance(resumed.exception, StoryreelError | SystemExit)
    assert described.exit_code != 0


@pytest.mark.parametrize("command", ["characters", "make-out"])
def test_input_hardening_cli_ten_kilobyte_paths_are_input_errors(
    cli: Cli, tmp_path: Path, command: str
) -> None:
    name = str(tmp_path / ("n" * 10_000))
    args = ["characters", name] if command == "characters" else ["make", "x", "--out", name]

    cli_app._register()
    result = CliRunner().invoke(cli_app.app, args, obj=CliState(_settings=cli.settings))

    assert isinstance(result.exception, InputError), repr(result.exception)


def test_input_hardening_cli_error_quotes_user_text_on_one_line(
    fast_emulator: EmulatorServer, tmp_path: Path
) -> None:
    # Through the console script's own error printing, as a user sees it.
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("STORYREEL_")},
        "STORYREEL_EMULATOR__URL": fast_emulator.url,
        "STORYREEL_OUTPUT_DIR": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-m", "storyreel.cli", "characters", "--", "a\nb\x1b[2J.png"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("error: image 'a\\nb\\x1b[2J.png'")
    assert "\x1b" not in done.stderr


# File and folder names: never derived from model or user text.


def assert_safe_tree(root: Path, allowed: Iterable[str]) -> None:
    """Every file below ``root`` is one of ``allowed`` (relative paths) and safely named."""
    files = sorted(
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and not p.name.startswith(QUOTA_FILE)  # the shared quota budget
    )
    assert set(files) <= set(allowed), files
    for relative in files:
        for part in Path(relative).parts:
            assert SAFE_NAME.fullmatch(part), part
            assert len(part.encode()) <= 64, part


def test_file_names_job_ids_are_short_and_plain() -> None:
    ids = {new_job_id() for _ in range(200)}
    assert all(re.fullmatch(r"\d{8}-\d{6}-[0-9a-f]{6}", job_id) for job_id in ids)


HOSTILE_PROMPTS = [
    "../../../../tmp/evil",
    "a/b\\c:d*?<>|",
    "\x00\x1b[2J\r\n\x7f",
    "n" * 10_000,
    "🦊\u202egnp.exe",
    "..",
]


@pytest.mark.parametrize("prompt", HOSTILE_PROMPTS, ids=range(len(HOSTILE_PROMPTS)))
def test_file_names_default_thumbnail_and_video_names_are_hashes(
    fast_emulator: EmulatorServer, tmp_output: Path, prompt: str
) -> None:
    run = Cli(quick_settings(tmp_output, fast_emulator))

    image = Path(json.loads(run("thumbnail", "--json", "--", prompt).stdout)["path"])
    clip = Path(json.loads(run("video", "--json", "--", prompt[:500]).stdout)["path"])

    assert re.fullmatch(r"thumbnail-[0-9a-f]{10}\.png", image.name)
    assert re.fullmatch(r"video-[0-9a-f]{10}\.mp4", clip.name)
    assert_safe_tree(tmp_output, [image.name, clip.name])


class StoryWriterFake:
    """Writes the story it was given, whatever the idea (the model's text, hostile)."""

    def __init__(self, story: Story) -> None:
        self.story = story

    async def build_story(self, idea: str, **options: Any) -> Story:
        return self.story


@dataclass
class RecordingMedia:
    """Makes tiny files where it is told to, and records where that was."""

    settings: Settings
    written: list[Path] = field(default_factory=list)

    def video_request(self, prompt: str, **options: Any) -> VideoRequest:
        return MediaService(None, self.settings).video_request(prompt, **options)

    async def submit_video(self, request: VideoRequest, *, label: str, **hooks: Any) -> str:
        return f"operations/{len(self.written)}"

    async def wait_video(self, operation: str, dest: Path, **options: Any) -> VideoResult:
        self._write(dest, b"\x00\x00\x00\x18ftypisom")
        return VideoResult(dest, operation, 12, 4.0, None)

    async def generate_thumbnail(self, prompt: str, dest: Path, **options: Any) -> ImageResult:
        buffer = io.BytesIO()
        Image.new("RGB", (4, 4)).save(buffer, format="PNG")
        self._write(dest, buffer.getvalue())
        return ImageResult(path=dest, mime_type="image/png", width=4, height=4)

    async def draw_image(self, prompt: str, dest: Path, **options: Any) -> ImageResult:
        return await self.generate_thumbnail(prompt, dest)

    def _write(self, dest: Path, data: bytes) -> None:
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
        self.written.append(dest)


def story_text(limit: int) -> st.SearchStrategy[str]:
    return hostile_text(limit).filter(lambda text: bool(text))


@st.composite
def hostile_stories(draw: Callable[..., Any]) -> Story:
    count = draw(st.integers(1, 3))
    names = draw(st.lists(story_text(80), max_size=2))
    return Story(
        title=draw(story_text(200)),
        logline=draw(story_text(600)),
        style=draw(st.none() | story_text(300)),
        characters=[Character(name=name, description=draw(story_text(600))) for name in names],
        segments=[
            Segment(
                index=index,
                narration=draw(story_text(2000)),
                visual_prompt=draw(story_text(2000).filter(lambda text: bool(text.strip()))),
                duration_seconds=4,
            )
            for index in range(1, count + 1)
        ],
    )


def job_files(story: Story) -> list[str]:
    clips = [f"clips/segment-{s.index:02d}.mp4" for s in story.segments]
    voices = [f"audio/segment-{s.index:02d}.wav" for s in story.segments]
    reel = ["reel.mp4", "reel.srt", "reel.vtt"]
    # Sheets are named from the characters' names: model text, made file-safe.
    sheets = [f"sheets/{slug}.png" for slug in character_slugs(story.characters).values()]
    keyframes = [f"keyframes/segment-{s.index:02d}.png" for s in story.segments]
    # OWNER_MARKER: the job's claim on its folder (a second job there is refused).
    files = [OWNER_MARKER, "story.json", "manifest.json", "thumbnail.png"]
    return [*files, *clips, *voices, *reel, *sheets, *keyframes]


@HYPOTHESIS
@given(story=hostile_stories())
def test_file_names_job_folder_ignores_the_model_text(tmp_path: Path, story: Story) -> None:
    output_dir = tmp_path / f"out-{new_job_id()}"
    job_settings = load_settings(
        {"backend": "offline", "output_dir": str(output_dir)}, env={}, dotenv=None
    )
    media = RecordingMedia(job_settings)
    store = SqliteJobStore.in_output_dir(output_dir)
    runner = JobRunner(
        store, StoryWriterFake(story), Cinematographer(media, job_settings), job_settings
    )
    try:
        job = runner.create("an idea", segments=len(story.segments))
        manifest = asyncio.run(runner.run(job.id))
    finally:
        store.close()

    assert manifest.status == "succeeded", manifest.failures
    folder = Path(job.out_dir)
    assert folder.parent == output_dir.resolve()
    assert all(path.resolve().is_relative_to(folder) for path in media.written)
    assert_safe_tree(folder, job_files(story))
    outside = {p.name for p in output_dir.iterdir()} - {job.id}
    assert all(name.startswith(("storyreel-jobs.sqlite3", QUOTA_FILE)) for name in outside), outside


async def test_file_names_real_job_with_a_hostile_story_stays_in_its_folder(
    fast_emulator: EmulatorServer, tmp_output: Path
) -> None:
    story = Story(
        title="../../" + "\x00\x1b[2J/\\" * 20 + "🦊" * 50,
        logline="..\r\n" * 100,
        characters=[Character(name="../../root", description="/etc/passwd \x00")],
        segments=[
            Segment(index=1, narration="../../root says hi", visual_prompt="a/b\\c " * 300),
            Segment(index=2, narration="\u202e" * 10, visual_prompt="x" * 2000),
        ],
    )
    container = create_container(quick_settings(tmp_output, fast_emulator))
    try:
        runner = container.job_runner()
        job = runner.create_from_story(story)
        manifest = await runner.run(job.id)
    finally:
        await aclose_container(container)
        container.job_store().close()

    assert manifest.status == "succeeded", manifest.failures
    assert manifest.title == story.title
    assert_safe_tree(Path(job.out_dir), job_files(story))
    outside = {p.name for p in tmp_output.iterdir()} - {job.id}
    assert all(name.startswith(("storyreel-jobs.sqlite3", QUOTA_FILE)) for name in outside), outside
