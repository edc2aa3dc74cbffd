"""The official Better Auth JavaScript client with ``organizationClient()`` (npm
``better-auth``, the same pinned version and installation as ``tests/auth/test_conformance.py``)
against a live server: an owner creates an organization and invites a teammate, whose mail is
read from the SMTP sink; the teammate accepts and appears as a member with the role given; a
member's attempt to delete the organization is refused."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.auth.test_conformance import better_auth_client, mail_bridge
from tests.fixtures.live import LiveServer

SCRIPT = Path(__file__).parent / "conformance" / "organization.mjs"

pytestmark = pytest.mark.slow

__all__ = ["better_auth_client", "mail_bridge"]  # fixtures shared with the auth conformance test


def test_the_organization_client_works_unchanged(
    better_auth_client: Path, live_server: LiveServer, mail_bridge: str
) -> None:
    script = better_auth_client / "organization.mjs"
    shutil.copyfile(SCRIPT, script)
    run = subprocess.run(
        ["node", str(script), live_server.url, mail_bridge],
        cwd=better_auth_client,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, f"{output}\n--- server log ---\n{live_server.logs()[-3000:]}"
    assert "organization conformance: all steps passed" in run.stdout
    for step in (
        "create",
        "invite-member",
        "invitation mail carries the link",
        "accept-invitation",
        "teammate is an admin of it",
        "list-members shows the teammate",
        "a member cannot delete the organization",
        "the organization is still there",
    ):
        assert f"ok {step}\n" in run.stdout, step
