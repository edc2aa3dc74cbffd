"""The official Better Auth JavaScript client (npm ``better-auth``, pinned) against a live server:
every flow it offers for email and password works unchanged.

The client is installed once into ``.cache/node`` with the machine's npm. Without npm the test is
skipped with the reason, unless ``WEGOTWORK_REQUIRE_NODE=1`` (set by CI) makes it a failure.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.auth.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider
from tests.fixtures.database import FreshDatabase
from tests.fixtures.live import LiveServer, start_server, stop_server
from tests.fixtures.mail import SmtpSink, free_port
from tests.fixtures.node import npm_package

BETTER_AUTH_VERSION = "1.7.25"
SCRIPT = Path(__file__).parent / "conformance" / "client.mjs"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def better_auth_client() -> Path:
    """``.cache/node`` with better-auth installed at the pinned version."""
    return npm_package("better-auth", BETTER_AUTH_VERSION, purpose="Better Auth client conformance")


class _MailBridge(BaseHTTPRequestHandler):
    """``GET /mail?to=…&kind=…``: the newest message of that kind the SMTP sink received."""

    sink: SmtpSink

    def do_GET(self) -> None:
        query = parse_qs(urlsplit(self.path).query)
        to = query.get("to", [""])[0]
        kind = query.get("kind", [""])[0]
        wanted = {"reset-password": "Reset your", "verify-email": "Verify your"}.get(kind, kind)
        found = [m for m in self.sink.to(to) if m.subject.startswith(wanted)]
        if not found:
            self.send_response(404)
            self.end_headers()
            return
        body = json.dumps({"text": found[-1].text}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def mail_bridge(live_smtp_sink: SmtpSink) -> Iterator[str]:
    """The live servers' mail (``live_smtp_sink``) over HTTP, for the JavaScript client."""
    handler = type("Bridge", (_MailBridge,), {"sink": live_smtp_sink})
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
async def live_server(
    tmp_path: Path, fresh_databases: FreshDatabase, live_smtp_sink: SmtpSink, oidc: OidcProvider
) -> AsyncIterator[LiveServer]:
    """A server on SQLite mailing to the live servers' SMTP sink (emptied first), with the
    local OpenID provider configured (for the idToken sign-in). The database starts empty:
    `serve` migrates it, as on a first run."""
    live_smtp_sink.messages.clear()
    database_url = await fresh_databases.create("sqlite")
    server = start_server(
        database_url,
        tmp_path / "live",
        env={
            "WEGOTWORK_SMTP_URL": live_smtp_sink.url,
            "WEGOTWORK_OIDC_ISSUER": oidc.url,
            "WEGOTWORK_OIDC_CLIENT_ID": CLIENT_ID,
            "WEGOTWORK_OIDC_CLIENT_SECRET": CLIENT_SECRET,
        },
    )
    try:
        yield server
    finally:
        stop_server(server)


def test_the_better_auth_javascript_client_works_unchanged(
    better_auth_client: Path, live_server: LiveServer, mail_bridge: str, oidc: OidcProvider
) -> None:
    script = better_auth_client / "conformance.mjs"
    shutil.copyfile(SCRIPT, script)
    id_token = oidc.id_token(nonce="conformance-nonce")
    run = subprocess.run(
        ["node", str(script), live_server.url, mail_bridge, id_token, "conformance-nonce"],
        cwd=better_auth_client,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, f"{output}\n--- server log ---\n{live_server.logs()[-3000:]}"
    assert "conformance: all steps passed" in run.stdout
    for step in (
        "sign-up",
        "duplicate sign-up",
        "wrong password",
        "sign-in",
        "get-session",
        "list-sessions",
        "revoke-session",
        "sign-out",
        "update-user",
        "change-password",
        "reset-password",
        "email verified",
        "change-email",
        "email changed",
        "sign-in with an ID token",
        "ID token session",
        "401 before validation: revoke-session with a token that is no string",
        "401 before validation: organization create without a slug",
        "401 before validation: delete-user with malformed JSON",
    ):
        assert f"ok {step}\n" in run.stdout, step
