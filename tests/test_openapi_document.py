"""``/openapi.json`` is a document an integrator can feed to a validator or a code generator:
valid OpenAPI 3.1, every reference resolves, every error documented with its body, unchanged
from the committed snapshot ``docs/openapi.json`` unless the snapshot changes with it; and
the server answers a method a path lacks with 405 and exactly that path's methods in ``Allow``.

After a deliberate API change, regenerate the snapshot (see tests/README.md):
``WEGOTWORK_UPDATE_OPENAPI=1 scripts/test tests/test_openapi_document.py -k snapshot``
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

SNAPSHOT = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"


async def document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


def references(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in references(value)]
    if isinstance(node, list):
        return [ref for item in node for ref in references(item)]
    return []


def resolve(root: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = root
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict), ref
        assert part in node, ref
        node = node[part]
    return node


def operations(root: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in root["paths"].items()
        for method, operation in item.items()
    ]


async def test_the_document_is_valid_openapi_3_1(client: httpx.AsyncClient) -> None:
    root = await document(client)
    assert root["openapi"].startswith("3.1")
    validate(root, cls=OpenAPIV31SpecValidator)


async def test_every_reference_resolves(client: httpx.AsyncClient) -> None:
    root = await document(client)
    refs = set(references(root))
    assert any(ref.endswith("/ErrorEnvelope") for ref in refs)
    for ref in refs:
        assert isinstance(resolve(root, ref), dict), ref
    body = root["paths"]["/api/auth/organization/update"]["post"]["requestBody"]
    data = body["content"]["application/json"]["schema"]["properties"]["data"]
    assert "slug" in data["properties"]


async def test_every_error_is_documented_with_its_body(client: httpx.AsyncClient) -> None:
    root = await document(client)
    found = operations(root)
    assert len(found) >= 80
    for path, method, operation in found:
        statuses = operation["responses"]
        assert any(code.startswith("2") or code == "302" for code in statuses), (path, method)
        assert {"400", "422", "500"} <= set(statuses), (path, method)
        for code, response in statuses.items():
            if not code.startswith(("4", "5")):
                continue
            if path.startswith("/api/auth/organization/") and code == "401":
                continue  # Better Auth's bare 401 of create and delete: no body
            schema = response["content"]["application/json"]["schema"]
            name = schema["$ref"].rsplit("/", 1)[-1]
            expected = "AuthErrorBody" if path.startswith("/api/auth") else "ErrorEnvelope"
            assert name == expected, (path, method, code)


async def test_json_bodies_of_the_v1_api_refuse_unknown_fields(client: httpx.AsyncClient) -> None:
    root = await document(client)
    checked = 0
    for path, method, operation in operations(root):
        content = operation.get("requestBody", {}).get("content", {})
        if not path.startswith("/api/v1/") or "application/json" not in content:
            continue
        schema = content["application/json"]["schema"]
        if "$ref" in schema:
            schema = resolve(root, schema["$ref"])
        assert schema.get("additionalProperties") is False, (path, method)
        checked += 1
    assert checked >= 10


async def test_setting_the_active_organization_may_send_no_body(
    client: httpx.AsyncClient,
) -> None:
    """Better Auth answers ``set-active`` without a body with the current active organization
    (or ``null``): the body is optional."""
    root = await document(client)
    body = root["paths"]["/api/auth/organization/set-active"]["post"]["requestBody"]
    assert body["required"] is False
    schema = body["content"]["application/json"]["schema"]
    assert {"type": "null"} in schema["properties"]["organizationId"]["anyOf"]


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("OPTIONS", "/api/v1/organizations", "GET, POST"),
        ("PUT", "/api/v1/organizations", "GET, POST"),
        ("DELETE", "/api/v1/public/jobs/no-such-job", "GET"),
        ("PUT", "/sign-in", "GET, POST"),
    ],
)
async def test_a_method_the_path_lacks_is_405_with_every_method_it_has(
    client: httpx.AsyncClient, method: str, path: str, allow: str
) -> None:
    response = await client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    if path.startswith("/api/"):
        assert response.json() == {"error": True, "message": "Method Not Allowed"}


async def test_allow_lists_what_the_document_declares(client: httpx.AsyncClient) -> None:
    """For each documented path, a method none of its routes has is 405 and ``Allow`` lists the
    methods documented for every path template the URL matches (``/categories/order`` is also
    ``/categories/{categoryId}``)."""
    root = await document(client)
    templates = {
        re.compile(
            "/".join(
                "[^/]+" if part.startswith("{") else re.escape(part) for part in path.split("/")
            )
        ): item
        for path, item in root["paths"].items()
    }
    for path in root["paths"]:
        if path.startswith("/api/auth/"):
            continue  # Better Auth answers a wrong method with an empty 404
        url = re.sub(r"\{[^}]+\}", "x", path)
        declared = {
            method.upper()
            for pattern, item in templates.items()
            if pattern.fullmatch(url)
            for method in item
        }
        response = await client.request("TRACE", url)
        assert response.status_code == 405, path
        allowed = {method.strip() for method in response.headers["allow"].split(",")}
        assert allowed == declared, path


async def test_the_document_matches_the_committed_snapshot(client: httpx.AsyncClient) -> None:
    live = json.dumps(await document(client), indent=2, ensure_ascii=False) + "\n"
    if os.environ.get("WEGOTWORK_UPDATE_OPENAPI") == "1":
        SNAPSHOT.write_text(live, encoding="utf-8")
    committed = SNAPSHOT.read_text(encoding="utf-8") if SNAPSHOT.exists() else ""
    assert live == committed, (
        "/openapi.json changed: review the difference, then regenerate docs/openapi.json with "
        "WEGOTWORK_UPDATE_OPENAPI=1 scripts/test tests/test_openapi_document.py -k snapshot"
    )


async def test_request_schemas_state_what_validation_enforces(client: httpx.AsyncClient) -> None:
    """A field that may be left out but refuses null offers no null; trimmed text states that
    it needs a visible character; amounts and currencies state their range."""
    schemas = (await document(client))["components"]["schemas"]
    update = schemas["JobUpdate"]["properties"]
    for name in ("type", "status", "workMode", "salaryCurrency", "showSalary", "title"):
        assert "null" not in json.dumps(update[name]), name
        assert "default" not in update[name], name
    assert {"type": "null"} in update["country"]["anyOf"]  # null clears the country
    assert update["title"]["pattern"] == r"[^\s\x00]"
    assert update["salaryMin"]["minimum"] == 0
    assert "EUR" in update["salaryCurrency"]["enum"]
    assert schemas["OrganizationCreate"]["properties"]["name"]["minLength"] == 2
    assert schemas["InvitationCreate"]["properties"]["email"]["format"] == "email"
    assert schemas["JobUpdate"]["additionalProperties"] is False
