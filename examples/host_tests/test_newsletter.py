"""The newsletter's tests, with storyreel's pytest plugin (installed with storyreel)."""

from __future__ import annotations

from pathlib import Path

import pytest
from newsletter import write_issue
from PIL import Image

from storyreel.containers import Container
from storyreel.testing import RecordingGenai, RecordingOpenAI


@pytest.mark.asyncio
async def test_issue_offline_end_to_end(storyreel_container: Container, tmp_path: Path) -> None:
    # The real SDKs against storyreel's built-in emulator: no key, no network.
    issue = await write_issue(storyreel_container, "kite festivals", tmp_path)
    assert issue.title
    assert all(tag.startswith("#") for tag in issue.hashtags)
    with Image.open(issue.cover) as cover:
        assert cover.width > cover.height


@pytest.mark.asyncio
async def test_issue_with_my_own_reply(
    storyreel_container: Container,
    storyreel_fake_openai: RecordingOpenAI,
    storyreel_fake_genai: RecordingGenai,
    tmp_path: Path,
) -> None:
    storyreel_fake_openai.reply(
        {"title": "Kites!", "text": "Ten festivals to see.", "hashtags": ["kites", "#festival"]}
    )
    issue = await write_issue(storyreel_container, "kite festivals", tmp_path)

    assert issue.title == "Kites!"
    assert issue.hashtags == ["#kites", "#festival"]
    assert "kite festivals" in str(storyreel_fake_openai.calls[0]["messages"])
    image_call = storyreel_fake_genai.calls_of("generate_content")[0]
    assert image_call.kwargs["contents"] == "Cover art: Kites!"
    assert storyreel_fake_genai.video_submissions == 0


def test_each_test_has_its_own_output_folder(
    storyreel_container: Container, tmp_path: Path
) -> None:
    assert storyreel_container.config().output_dir.is_relative_to(tmp_path)
