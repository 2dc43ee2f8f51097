"""Writing routes through the app, against the emulator (and a recording fake where the
arguments sent upstream matter)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from storyreel.containers import Container
from storyreel.domain.limits import MAX_CHARACTERS, MAX_IDEAS, MAX_SEGMENTS, VEO_DURATIONS
from storyreel.settings import Settings
from storyreel.testing import RecordingOpenAI

from .conftest import assert_problem, emulator_stats, png_bytes


async def test_routes_writing_story_has_the_segments_asked_for(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/stories", json={"idea": "a lighthouse keeper and a storm", "segments": 3}
    )
    assert response.status_code == 200, response.text
    story = response.json()
    assert [segment["index"] for segment in story["segments"]] == [1, 2, 3]
    assert all(segment["duration_seconds"] in (4, 6, 8) for segment in story["segments"])
    assert story["usage"]["prompt_tokens"] > 0


async def test_routes_writing_passes_the_library_arguments(
    client: httpx.AsyncClient, container: Container
) -> None:
    fake = RecordingOpenAI()
    with container.async_openai_client.override(fake):
        response = await client.post(
            "/v1/stories",
            json={"idea": "a fox learns to fly", "segments": 2, "style": "paper cut-out"},
        )
    assert response.status_code == 200, response.text
    sent = fake.calls[0]
    assert "a fox learns to fly" in str(sent["messages"])
    assert "paper cut-out" in str(sent["messages"])
    schema = sent["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["segments"]["minItems"] == 2
    assert len(response.json()["segments"]) == 2


async def test_routes_writing_meme_content_and_ideas(client: httpx.AsyncClient) -> None:
    meme = await client.post("/v1/memes", json={"topic": "mondays", "style": "deadpan"})
    assert meme.status_code == 200, meme.text
    assert meme.json()["hashtags"][0].startswith("#")

    thread = await client.post(
        "/v1/content", json={"prompt": "why cats sit in boxes", "format": "thread"}
    )
    assert thread.status_code == 200, thread.text
    assert thread.json()["format"] == "thread"
    assert len(thread.json()["posts"]) >= 2

    ideas = await client.post("/v1/ideas", json={"niche": "home baking", "count": 3})
    assert ideas.status_code == 200, ideas.text
    assert ideas.json()["niche"] == "home baking"
    assert len(ideas.json()["ideas"]) == 3


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/stories", {"idea": "x", "segments": 21}),
        ("/v1/stories", {"segments": 2}),
        ("/v1/stories", {"idea": "x", "characters": [{"name": "A", "description": "d"}] * 11}),
        ("/v1/content", {"prompt": "x", "format": "novel"}),
        ("/v1/ideas", {"niche": "x", "count": 0}),
        ("/v1/memes", {"topic": "x", "extra": 1}),
    ],
)
async def test_routes_writing_invalid_body_is_a_422_problem(
    client: httpx.AsyncClient, container: Container, path: str, body: dict[str, object]
) -> None:
    problem = assert_problem(await client.post(path, json=body), 422)
    assert problem["type"] == "urn:storyreel:problem:validation"
    assert problem["errors"]
    assert "loc" in problem["errors"][0]
    assert emulator_stats(container)["requests"]["chat.completions"] == 0


async def test_routes_writing_story_takes_as_many_characters_as_the_library(
    client: httpx.AsyncClient,
) -> None:
    cast = [{"name": f"Kid {n}", "description": f"a kid in a cap number {n}"} for n in range(10)]
    response = await client.post("/v1/stories", json={"idea": "a school trip", "characters": cast})
    assert response.status_code == 200, response.text
    assert [c["name"] for c in response.json()["characters"][:10]] == [c["name"] for c in cast]


def test_routes_writing_openapi_states_the_input_limits(app: FastAPI) -> None:
    schemas = app.openapi()["components"]["schemas"]
    for body in ("StoryBody", "VideoBody"):
        fields = schemas[body]["properties"]
        assert fields["characters"]["maxItems"] == MAX_CHARACTERS
        segments = fields["segments"].get("anyOf", [fields["segments"]])[0]
        assert (segments["minimum"], segments["maximum"]) == (1, MAX_SEGMENTS)
        durations = fields["duration_seconds"]["anyOf"][0]["enum"]
        assert tuple(durations) == VEO_DURATIONS
    assert schemas["IdeasBody"]["properties"]["count"]["maximum"] == MAX_IDEAS


@pytest.mark.parametrize("blank", ["   ", "\t\n", "\x1c\x1f"])
async def test_routes_writing_blank_text_is_refused_before_any_request(
    client: httpx.AsyncClient, container: Container, blank: str
) -> None:
    problem = assert_problem(await client.post("/v1/stories", json={"idea": blank}), 422)
    assert problem["errors"][0]["loc"] == ["body", "idea"]
    assert emulator_stats(container)["requests"]["chat.completions"] == 0


async def test_routes_writing_characters_from_an_uploaded_png(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/characters", files=[("images", ("hero.png", png_bytes(), "image/png"))]
    )
    assert response.status_code == 200, response.text
    assert "characters" in response.json()


async def test_routes_writing_characters_sends_the_image_to_the_vision_model(
    client: httpx.AsyncClient, container: Container
) -> None:
    fake = RecordingOpenAI({"characters": []})
    with container.async_openai_client.override(fake):
        response = await client.post(
            "/v1/characters", files=[("images", ("a.png", png_bytes(), "image/png"))]
        )
    assert response.status_code == 200, response.text
    assert "data:image/png;base64," in str(fake.calls[0]["messages"])


async def test_routes_writing_non_image_upload_is_415_before_any_request(
    client: httpx.AsyncClient, container: Container
) -> None:
    response = await client.post(
        "/v1/characters", files=[("images", ("notes.png", b"just some text", "image/png"))]
    )
    problem = assert_problem(response, 415)
    assert "notes.png" in problem["detail"]
    assert emulator_stats(container)["requests"]["chat.completions"] == 0


class TestSmallUploadLimit:
    @pytest.fixture
    def api_settings(self, offline_settings: Settings) -> Settings:
        # A 0.05 MB upload limit, so that an oversized upload is small to build.
        data = offline_settings.model_dump()
        data["api"]["max_upload_mb"] = 0.05
        return offline_settings.model_validate(data)

    async def test_routes_writing_oversized_upload_is_413_before_any_request(
        self, client: httpx.AsyncClient, container: Container
    ) -> None:
        big = png_bytes() + b"\0" * 80_000
        response = await client.post(
            "/v1/characters", files=[("images", ("big.png", big, "image/png"))]
        )
        problem = assert_problem(response, 413)
        assert "0.05 MB" in problem["detail"]
        assert emulator_stats(container)["requests"]["chat.completions"] == 0

    async def test_routes_writing_oversized_chunked_upload_is_413(
        self, client: httpx.AsyncClient, container: Container
    ) -> None:
        boundary = "storyreelboundary"
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="images"; '
            'filename="big.png"\r\nContent-Type: image/png\r\n\r\n'
        ).encode()

        async def body():  # no Content-Length: the size is only known while reading
            yield head
            for _ in range(20):
                yield b"\0" * 8192
            yield f"\r\n--{boundary}--\r\n".encode()

        response = await client.post(
            "/v1/characters",
            content=body(),
            headers={"content-type": f"multipart/form-data; boundary={boundary}"},
        )
        assert_problem(response, 413)
        assert emulator_stats(container)["requests"]["chat.completions"] == 0


async def test_routes_writing_too_many_images_is_422(client: httpx.AsyncClient) -> None:
    files = [("images", (f"{n}.png", png_bytes(), "image/png")) for n in range(11)]
    problem = assert_problem(await client.post("/v1/characters", files=files), 422)
    assert problem["errors"][0]["loc"] == ["body", "images"]
    assert problem["errors"][0]["type"] == "too_long"
