"""The OpenAPI document tells the truth about the organization and invitation routes."""

from __future__ import annotations

import httpx


async def test_every_route_documents_its_envelope_and_errors(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    operations = [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        if path.startswith(("/api/v1/organizations", "/api/v1/invitations"))
        for method, operation in methods.items()
    ]
    assert len(operations) >= 19
    for path, method, operation in operations:
        responses = operation["responses"]
        success = [code for code in responses if code.startswith("2")]
        assert success, (path, method)
        assert {"400", "422", "500"} <= set(responses), (path, method)
        if "{orgId}" in path:
            assert {"401", "404"} <= set(responses), (path, method)
        for code, response in responses.items():
            if code.startswith(("4", "5")):
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/ErrorEnvelope"), (path, method, code)
    created = schema["paths"]["/api/v1/organizations"]["post"]["responses"]
    assert "201" in created
    assert "409" in created
    properties = schema["components"]["schemas"]["OrganizationOut"]["properties"]
    assert {"createdAt", "updatedAt", "logo", "slug"} <= set(properties)
