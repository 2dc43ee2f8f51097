"""The pytest plugin as a host project sees it: installed through the ``pytest11`` entry
point, used from a test suite of its own (run by pytester in a subprocess)."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

HOST_TESTS = """
import gc

import pytest

from storyreel.containers import Container
from storyreel.services.google.media import MediaService


def test_container_is_offline_and_fresh(storyreel_container, tmp_path):
    settings = storyreel_container.config()
    assert settings.backend == "offline"
    assert str(settings.output_dir).startswith(str(tmp_path))


@pytest.mark.asyncio
async def test_real_sdk_against_the_emulator(storyreel_container):
    story = await storyreel_container.screenwriter().build_story("a kite", segments=2)
    assert [s.index for s in story.segments] == [1, 2]


@pytest.mark.asyncio
async def test_each_test_gets_new_clients(storyreel_container):
    # A client bound to the previous test's (closed) loop would fail here.
    story = await storyreel_container.screenwriter().build_story("a boat", segments=1)
    assert len(story.segments) == 1


@pytest.mark.asyncio
async def test_fake_openai_records_and_fills_the_schema(storyreel_container, storyreel_fake_openai):
    meme = await storyreel_container.screenwriter().write_meme("mondays")
    call = storyreel_fake_openai.calls[0]
    assert call["response_format"]["type"] == "json_schema"
    assert "mondays" in str(call["messages"])
    assert meme.hashtags


@pytest.mark.asyncio
async def test_fake_openai_gives_my_reply(storyreel_container, storyreel_fake_openai):
    idea = {"title": "Sourdough", "hook": "Watch it rise", "why_now": "autumn", "format": "video"}
    storyreel_fake_openai.reply({"ideas": [idea]})
    ideas = await storyreel_container.screenwriter().trending_ideas("baking", count=1)
    assert ideas.ideas[0].title == "Sourdough"


@pytest.mark.asyncio
async def test_fake_genai_makes_a_clip(storyreel_container, storyreel_fake_genai, tmp_path):
    media: MediaService = storyreel_container.media_service()
    request = media.video_request("a red kite", duration_seconds=4)
    operation = await media.submit_video(request, label="clip 1")
    result = await media.wait_video(operation, tmp_path / "clip.mp4", label="clip 1")
    assert result.bytes > 0
    assert storyreel_fake_genai.video_submissions == 1
    assert [c.method for c in storyreel_fake_genai.calls] == ["generate_videos", "operations.get"]


def test_overrides_do_not_leak(storyreel_container):
    from storyreel.testing import RecordingGenai, RecordingOpenAI

    assert not isinstance(storyreel_container.async_openai_client(), RecordingOpenAI)
    assert not isinstance(storyreel_container.genai_client(), RecordingGenai)


def test_collect_garbage_last():
    gc.collect()
"""


@pytest.mark.slow
def test_testing_plugin_from_a_host_project(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_host=HOST_TESTS)
    # A host in pytest-asyncio's strict mode, warning on anything left unclosed.
    pytester.makeini(
        "[pytest]\nasyncio_mode = strict\nasyncio_default_fixture_loop_scope = function\n"
        "filterwarnings =\n    error::pytest.PytestUnraisableExceptionWarning\n"
        "    always::ResourceWarning\n"
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=8)
    assert "unclosed" not in result.stdout.str()
    assert "ResourceWarning" not in result.stdout.str()


def test_testing_plugin_is_registered_by_entry_point(pytester: pytest.Pytester) -> None:
    listed = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--fixtures").stdout.str()
    for name in (
        "storyreel_container",
        "storyreel_fake_openai",
        "storyreel_fake_genai",
        "storyreel_settings",
    ):
        assert name in listed
    disabled = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "no:storyreel", "--fixtures"
    )
    assert "storyreel_container" not in disabled.stdout.str()


def test_testing_module_imports_only_pytest() -> None:
    import subprocess
    import sys

    code = (
        "import sys; import storyreel.testing; "
        "heavy = [m for m in ('openai', 'google.genai', 'fastapi', 'dependency_injector', "
        "'storyreel.containers', 'asyncio') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
