"""generateContent (Vertex express, Vertex project/location, Developer API) via google-genai."""

from __future__ import annotations

import io
import json

import httpx2
import pytest
from google import genai
from google.genai import errors, types
from PIL import Image
from pydantic import BaseModel

from storyreel.emulator import EmulatorServer

from .support import FixedToken

PROMPT = "A lighthouse keeper befriends a storm"


def _png_size(response: types.GenerateContentResponse) -> tuple[int, int]:
    assert response.candidates
    content = response.candidates[0].content
    assert content is not None
    assert content.parts is not None
    parts = content.parts
    assert parts[0].text
    inline = parts[1].inline_data
    assert inline is not None
    assert inline.mime_type == "image/png"
    assert inline.data is not None
    with Image.open(io.BytesIO(inline.data)) as image:
        assert image.format == "PNG"
        return image.size


def test_generate_content_text(genai_client: genai.Client) -> None:
    response = genai_client.models.generate_content(model="gemini-2.5-flash", contents=PROMPT)
    assert response.text
    assert {"lighthouse", "keeper", "storm"} & set(response.text.lower().replace(".", " ").split())
    usage = response.usage_metadata
    assert usage is not None
    assert usage.total_token_count == usage.prompt_token_count + usage.candidates_token_count
    assert response.model_version == "gemini-2.5-flash"


def test_generate_content_json_schema(genai_client: genai.Client) -> None:
    class Idea(BaseModel):
        title: str
        hook: str
        tags: list[str]

    response = genai_client.models.generate_content(
        model="gemini-2.5-flash",
        contents=PROMPT,
        config=types.GenerateContentConfig(
            response_mime_type="application/json", response_schema=Idea
        ),
    )
    idea = Idea.model_validate_json(response.text or "")
    assert idea.tags
    assert isinstance(response.parsed, Idea)


@pytest.mark.parametrize(
    ("ratio", "size"),
    [("9:16", (576, 1024)), ("16:9", (1024, 576)), (None, (1024, 1024))],
)
def test_generate_content_image_has_the_requested_ratio(
    genai_client: genai.Client, ratio: str | None, size: tuple[int, int]
) -> None:
    image_config = types.ImageConfig(aspect_ratio=ratio) if ratio else None
    response = genai_client.models.generate_content(
        model="gemini-2.5-flash-image",
        contents=f"Thumbnail: {PROMPT}",
        config=types.GenerateContentConfig(
            response_modalities=["TEXT", "IMAGE"], image_config=image_config
        ),
    )
    assert _png_size(response) == size


def test_generate_content_image_is_deterministic(genai_client: genai.Client) -> None:
    def draw(prompt: str) -> bytes:
        response = genai_client.models.generate_content(
            model="gemini-2.5-flash-image",
            contents=prompt,
            config=types.GenerateContentConfig(response_modalities=["IMAGE"]),
        )
        assert response.candidates
        assert response.candidates[0].content
        assert response.candidates[0].content.parts
        data = response.candidates[0].content.parts[1].inline_data
        assert data is not None
        assert data.data is not None
        return data.data

    assert draw(PROMPT) == draw(PROMPT)
    assert draw(PROMPT) != draw("a desert caravan at dusk")


async def test_generate_content_async_client(genai_client: genai.Client) -> None:
    response = await genai_client.aio.models.generate_content(
        model="gemini-2.5-flash", contents="async harbor lights"
    )
    assert "harbor" in (response.text or "").lower()


def test_generate_content_stream(genai_client: genai.Client) -> None:
    chunks = list(
        genai_client.models.generate_content_stream(model="gemini-2.5-flash", contents=PROMPT)
    )
    assert chunks
    assert chunks[-1].usage_metadata is not None


def test_project_location_client_reaches_project_paths(server: EmulatorServer) -> None:
    client = genai.Client(
        vertexai=True,
        project="my-project",
        location="europe-west4",
        credentials=FixedToken(),
        http_options=types.HttpOptions(base_url=server.url + "/"),
    )
    response = client.models.generate_content(model="gemini-2.5-flash", contents=PROMPT)
    assert response.text
    image = client.models.generate_content(
        model="gemini-2.5-flash-image",
        contents=PROMPT,
        config=types.GenerateContentConfig(
            response_modalities=["IMAGE"], image_config=types.ImageConfig(aspect_ratio="16:9")
        ),
    )
    assert _png_size(image) == (1024, 576)


def test_developer_api_client(server: EmulatorServer) -> None:
    client = genai.Client(api_key="dev", http_options=types.HttpOptions(base_url=server.url + "/"))
    response = client.models.generate_content(model="gemini-2.5-flash", contents=PROMPT)
    assert response.text
    raw = httpx2.post(
        server.url + "/v1beta/models/gemini-2.5-flash:generateContent",
        headers={"x-goog-api-key": "dev"},
        json={"contents": [{"role": "user", "parts": [{"text": PROMPT}]}]},
    )
    assert raw.status_code == 200
    assert raw.json()["candidates"][0]["content"]["parts"][0]["text"]


@pytest.mark.parametrize(
    ("path", "status", "google_status"),
    [
        (
            "/v1beta1/publishers/google/models/gemini-2.5-flash:generateContent",
            401,
            "UNAUTHENTICATED",
        ),
        (
            "/v1/projects/p/locations/us-central1/publishers/google/models/veo:predictLongRunning",
            401,
            "UNAUTHENTICATED",
        ),
        ("/v1beta/models/gemini-2.5-flash:generateContent", 403, "PERMISSION_DENIED"),
    ],
)
def test_missing_credentials_get_google_errors(
    server: EmulatorServer, path: str, status: int, google_status: str
) -> None:
    response = httpx2.post(server.url + path, json={"contents": [{"parts": [{"text": "x"}]}]})
    assert response.status_code == status
    assert response.json()["error"] == {
        "code": status,
        "message": response.json()["error"]["message"],
        "status": google_status,
    }


def test_invalid_request_is_400_client_error(genai_client: genai.Client) -> None:
    with pytest.raises(errors.ClientError) as caught:
        genai_client.models.generate_content(
            model="gemini-2.5-flash-image",
            contents=PROMPT,
            config=types.GenerateContentConfig(
                response_modalities=["IMAGE"], image_config=types.ImageConfig(aspect_ratio="1:99")
            ),
        )
    assert caught.value.code == 400


def test_unknown_method_is_404(server: EmulatorServer) -> None:
    response = httpx2.post(
        server.url + "/v1beta1/publishers/google/models/gemini:countTokens",
        headers={"x-goog-api-key": "k"},
        content=json.dumps({}),
    )
    assert response.status_code == 404
    assert response.json()["error"]["status"] == "NOT_FOUND"
