"""The web shell: landing page, health checks, docs, headers, and how each face reports errors."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, Field

from wegotwork.errors import Conflict

pytestmark = pytest.mark.usefixtures("dialect")


async def test_landing_page_explains_the_product(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert "careers page" in response.text
    assert 'href="/sign-in"' in response.text
    assert 'href="/sign-up"' in response.text


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["database"] == "ok"


async def test_api_docs_are_served_without_a_cdn(client: httpx.AsyncClient) -> None:
    docs = await client.get("/docs")
    assert docs.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower()
    schema = (await client.get("/openapi.json")).json()
    assert schema["info"]["title"] == "WeGotWork"


async def test_every_response_carries_security_headers(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "'unsafe-inline'" not in csp.split("style-src")[0]
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"


async def test_pages_are_compressed_for_clients_that_accept_it(client: httpx.AsyncClient) -> None:
    response = await client.get("/", headers={"accept-encoding": "gzip"})
    assert response.headers.get("content-encoding") == "gzip"


async def test_static_files_are_cached_by_content_hash(client: httpx.AsyncClient) -> None:
    page = (await client.get("/")).text
    start = page.index("/static/css/app.css?v=")
    url = page[start : page.index('"', start)]
    response = await client.get(url)
    assert response.status_code == 200
    assert "immutable" in response.headers["cache-control"]


async def test_unknown_page_gets_the_styled_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/no/such/page")
    assert response.status_code == 404
    assert "We could not find that page" in response.text


async def test_unknown_api_route_gets_the_envelope(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"error": True, "message": "Not found"}


class Thing(BaseModel):
    title: str = Field(min_length=1, max_length=10)
    count: int


def _add_probe_routes(app: FastAPI) -> None:
    router = APIRouter()

    @router.post("/api/v1/_probe")
    async def probe(thing: Thing) -> dict[str, object]:
        return {"error": False, "thing": thing.model_dump()}

    @router.get("/api/v1/_boom")
    async def boom() -> None:
        raise RuntimeError("secret internal detail")

    @router.get("/api/v1/_conflict")
    async def conflict() -> None:
        raise Conflict("That slug is taken")

    @router.get("/_boom")
    async def page_boom() -> None:
        raise RuntimeError("secret internal detail")

    app.include_router(router)


@pytest.fixture
def probed(app: FastAPI) -> FastAPI:
    _add_probe_routes(app)
    return app


@pytest.mark.usefixtures("probed")
async def test_validation_errors_use_the_zod_flatten_shape(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/_probe", json={"title": "", "extra": 1})
    assert response.status_code == 422
    body = response.json()
    assert body["error"] is True
    assert body["message"] == "Invalid input"
    assert set(body["fieldErrors"]) == {"title", "count"}
    assert body["fieldErrors"]["count"] == ["Count is required"]


@pytest.mark.usefixtures("probed")
async def test_malformed_json_is_a_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/_probe", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"] is True


@pytest.mark.usefixtures("probed")
async def test_domain_errors_map_to_their_status(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/_conflict")
    assert response.status_code == 409
    assert response.json() == {"error": True, "message": "That slug is taken"}


async def test_unexpected_errors_leak_nothing(
    probed: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    transport = httpx.ASGITransport(app=probed, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        api = await client.get("/api/v1/_boom")
        page = await client.get("/_boom")
    assert api.status_code == 500
    assert api.json() == {"error": True, "message": "Internal Server Error"}
    assert page.status_code == 500
    assert "secret internal detail" not in page.text
    assert "Traceback" not in page.text
    assert "secret internal detail" in caplog.text


async def test_oversized_json_body_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/anything",
        content=b"x" * (1024 * 1024 + 1),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"] is True


async def test_cross_site_posts_with_cookies_are_refused(client: httpx.AsyncClient) -> None:
    client.cookies.set("better-auth.session_token", "anything")
    foreign = await client.post("/api/v1/anything", headers={"origin": "https://evil.example"})
    assert foreign.status_code == 403
    assert foreign.json() == {"error": True, "message": "Invalid origin"}
    missing = await client.post("/api/v1/anything")
    assert missing.status_code == 403
    page = await client.post("/dashboard/x", headers={"origin": "https://evil.example"})
    assert page.status_code == 403
    assert "text/html" in page.headers["content-type"]
    same = await client.post("/api/v1/anything", headers={"origin": "http://testserver"})
    assert same.status_code == 404
    referer = await client.post("/api/v1/anything", headers={"referer": "http://testserver/x"})
    assert referer.status_code == 404


async def test_a_database_outage_is_a_clean_503(tmp_path: Path) -> None:
    from tests.fixtures.app import make_settings
    from wegotwork.app import create_app
    from wegotwork.db import Database, create_engine

    # A PostgreSQL server that is not there: every query fails to connect.
    url = "postgresql+asyncpg://postgres@127.0.0.1:1/nothing"
    database = Database(create_engine(url, pool_size=1))
    app = create_app(make_settings(tmp_path, database_url=url), database=database, background=False)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        api = await client.get("/api/v1/public/organizations/acme")
        page = await client.get("/careers/acme")
        ready = await client.get("/readyz")
    await database.dispose()
    assert api.status_code == 503
    assert api.json()["error"] is True
    assert api.headers["retry-after"] == "5"
    assert page.status_code == 503
    assert "Traceback" not in page.text
    assert ready.status_code == 503
