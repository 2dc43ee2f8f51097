"""``/docs`` and ``/redoc`` work offline: every script, style and icon they reference is served
by storyreel itself, from a package, and nothing points at another host."""

from __future__ import annotations

import re

import httpx
import pytest

from storyreel.api.docs import ASSETS

from .conftest import assert_problem

# Attributes (src, href, ReDoc's spec-url) and Swagger UI's ``url: '...'``.
REFERENCE = re.compile(r"""(?:src|href|spec-url)\s*=\s*["']([^"']+)["']|url:\s*'([^']+)'""")


def references(html: str) -> list[str]:
    return [first or second for first, second in REFERENCE.findall(html)]


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ("/docs", {"/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-ui.css"}),
        ("/redoc", {"/docs/assets/redoc.standalone.js"}),
    ],
)
async def test_docs_pages_load_every_asset_from_the_app(
    client: httpx.AsyncClient, page: str, expected: set[str]
) -> None:
    response = await client.get(page)

    assert response.status_code == 200, response.text
    html = response.text
    assert "http://" not in html, "a page refers to another host"
    assert "https://" not in html, "a page refers to another host"
    found = set(references(html))
    assert expected | {"/openapi.json", "/docs/assets/favicon.png"} <= found
    for url in found:
        assert url.startswith("/"), url
        asset = await client.get(url)
        assert asset.status_code == 200, f"{url}: {asset.status_code}"
        assert len(asset.content) > 1000, url
    bundle = "swagger-ui-bundle.js" if page == "/docs" else "redoc.standalone.js"
    served = await client.get(f"/docs/assets/{bundle}")
    assert served.headers["content-type"].startswith("text/javascript")


async def test_docs_swagger_sends_the_document_to_no_validator(client: httpx.AsyncClient) -> None:
    html = (await client.get("/docs")).text

    assert '"validatorUrl": null' in html


async def test_docs_assets_are_only_the_known_files(client: httpx.AsyncClient) -> None:
    assert set(ASSETS) == {
        "swagger-ui-bundle.js",
        "swagger-ui.css",
        "redoc.standalone.js",
        "favicon.png",
    }
    for name in ("../core.py", "__init__.py", "swagger-ui-bundle.js.map"):
        response = await client.get(f"/docs/assets/{name}")
        assert response.status_code == 404
    assert_problem(await client.get("/docs/assets/consts.py"), 404)
