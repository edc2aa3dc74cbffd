"""Helpers for the tests of Better Auth's organization endpoints (``/api/auth/organization``)."""

from __future__ import annotations

from typing import Any

import httpx

ORG = "/api/auth/organization"
ISO_MS = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"

ORGANIZATION_KEYS = {"id", "name", "slug", "logo", "createdAt", "metadata"}
MEMBER_KEYS = {"id", "organizationId", "userId", "role", "createdAt"}
USER_KEYS = {"id", "name", "email", "image"}
INVITATION_KEYS = {
    "id",
    "organizationId",
    "email",
    "role",
    "status",
    "expiresAt",
    "createdAt",
    "inviterId",
}


def refused(
    response: httpx.Response, status: int, code: str | None, message: str | None = None
) -> dict[str, Any]:
    """Assert Better Auth's error shape: ``{"message", "code"}`` (``code=None``: message only)."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"] == "application/json"
    payload: dict[str, Any] = response.json()
    if code is None:
        assert "code" not in payload, payload
    else:
        assert payload.get("code") == code, payload
    if message is not None:
        assert payload["message"] == message, payload
    return payload


def set_cookie_names(response: httpx.Response) -> set[str]:
    return {line.split("=", 1)[0] for line in response.headers.get_list("set-cookie")}


async def activate(client: httpx.AsyncClient, organization_id: str) -> None:
    response = await client.post(f"{ORG}/set-active", json={"organizationId": organization_id})
    assert response.status_code == 200, response.text
