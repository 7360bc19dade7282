"""The page and /docs use only the app's own assets: nothing from a CDN or other host."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from planner.web.routes import PAGE_DIR


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.urls.append(value)


def _assets(html: str) -> list[str]:
    parser = _Assets()
    parser.feed(html)
    return parser.urls


def _same_origin(url: str) -> bool:
    return url.startswith("/") and not url.startswith("//")


@pytest.mark.parametrize("path", ["/docs", "/"])
def test_html_references_only_same_origin_assets_and_they_are_served(
    client: TestClient, path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    urls = _assets(response.text)
    assert urls, "no assets found: the parser or the page changed"
    assert all(_same_origin(url) for url in urls), urls
    assert not re.search(r"https?://", response.text)
    for url in urls:
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert asset.content


def test_docs_load_swagger_ui_from_the_app_and_point_at_our_openapi(client: TestClient) -> None:
    html = client.get("/docs").text
    assert "/static/swagger-ui/swagger-ui-bundle.js" in html
    assert "url: '/openapi.json'" in html
    assert '"validatorUrl": null' in html  # the validator badge would call an outside host
    script = client.get("/static/swagger-ui/swagger-ui-bundle.js")
    assert script.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert "SwaggerUIBundle" in script.text
    assert client.get("/docs/oauth2-redirect").status_code == 200
    assert client.get("/redoc").status_code == 404  # ReDoc would need a CDN


def test_page_scripts_and_styles_name_no_outside_host() -> None:
    for path in PAGE_DIR.iterdir():
        text = path.read_text()
        hosts = re.findall(r"https?://[^\s\"')]+", text)
        # the SVG namespace is an identifier, not a request
        assert [h for h in hosts if h != "http://www.w3.org/2000/svg"] == [], path.name


def test_page_is_not_in_the_api_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/" not in paths
    assert "/docs" not in paths
    assert "/v1/plots/frontier" in paths


def test_readme_pictures_are_committed_small_pngs() -> None:
    readme = (PAGE_DIR.parents[2] / "README.md").read_text()
    for name in ("docs/page.png", "docs/frontier.png"):
        assert f"({name})" in readme
        data = (PAGE_DIR.parents[2] / name).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        assert len(data) < 400_000, f"{name} is {len(data)} bytes"
