"""A host application's module: a weekly newsletter issue written and illustrated by storyreel."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from storyreel.containers import Container


@dataclass(frozen=True)
class Issue:
    title: str
    body: str
    hashtags: list[str]
    cover: Path


async def write_issue(container: Container, topic: str, folder: Path) -> Issue:
    """A post about ``topic`` and a 16:9 cover image, from the host's storyreel container."""
    post = await container.screenwriter().write_content(f"This week: {topic}", format="post")
    cover = await container.media_service().generate_thumbnail(
        f"Cover art: {post.title}", folder / "cover.png", aspect_ratio="16:9"
    )
    return Issue(title=post.title, body=post.text, hashtags=post.hashtags, cover=cover.path)
