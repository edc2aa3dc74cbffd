"""Behind a reverse proxy on another address, rate limits still count each real client.

A real server (uvicorn and granian alike) listens on a non-loopback address of a veth pair; the
"proxy" sits in its own network namespace at the pair's other end and forwards two clients'
requests with ``X-Forwarded-For``. With ``WEGOTWORK_FORWARDED_ALLOW_IPS`` naming the proxy, one
client's failed sign-ins never lock out the other; a client that is not the trusted proxy cannot
choose its address by sending the header itself.

Needs root and ``ip netns`` (CI runs as root); skipped with the reason elsewhere.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.fixtures.database import FreshDatabase
from tests.fixtures.live import start_server, stop_server

pytestmark = pytest.mark.slow

PASSWORD = "a long enough password"


@dataclass(frozen=True)
class Network:
    namespace: str
    server_ip: str  # in this namespace, on the veth's near end
    proxy_ip: str  # inside ``namespace``


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, check=False)


@pytest.fixture
def network() -> Iterator[Network]:
    ip = shutil.which("ip")
    if ip is None or os.geteuid() != 0:
        pytest.skip("needs root and iproute2 (ip netns) to put the proxy on another address")
    pid = os.getpid()
    name = f"wgw{pid}"
    near, far = f"wgw{pid}a", f"wgw{pid}b"
    block = (pid % 16000) * 4
    server_ip = f"10.213.{block >> 8}.{(block & 255) + 1}"
    proxy_ip = f"10.213.{block >> 8}.{(block & 255) + 2}"
    setup = [
        (ip, "netns", "add", name),
        (ip, "link", "add", near, "type", "veth", "peer", "name", far),
        (ip, "link", "set", far, "netns", name),
        (ip, "addr", "add", f"{server_ip}/30", "dev", near),
        (ip, "link", "set", near, "up"),
        (ip, "netns", "exec", name, ip, "addr", "add", f"{proxy_ip}/30", "dev", far),
        (ip, "netns", "exec", name, ip, "link", "set", far, "up"),
        (ip, "netns", "exec", name, ip, "link", "set", "lo", "up"),
    ]
    try:
        for command in setup:
            done = _run(*command)
            if done.returncode != 0:
                pytest.skip(f"cannot build a test network ({' '.join(command)}): {done.stderr}")
        yield Network(name, server_ip, proxy_ip)
    finally:
        _run(ip, "link", "del", near)
        _run(ip, "netns", "del", name)


PROXY = r"""
import json, sys, httpx
base = sys.argv[1]
def sign_in(client_ip, password):
    response = httpx.post(
        f"{base}/api/auth/sign-in/email",
        json={"email": "ada@example.com", "password": password},
        headers={"x-forwarded-for": client_ip},
        timeout=10,
    )
    return response.status_code
attacker = [sign_in("203.0.113.5", "wrong password!") for _ in range(4)]
user = sign_in("198.51.100.7", sys.argv[2])
print(json.dumps({"attacker": attacker, "user": user}))
"""


def _through_proxy(network: Network, base: str) -> dict[str, object]:
    """Two clients' sign-ins, forwarded by the proxy in the other namespace."""
    done = subprocess.run(
        ["ip", "netns", "exec", network.namespace, sys.executable, "-c", PROXY, base, PASSWORD],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


@pytest.mark.parametrize("server", ["uvicorn", "granian"])
async def test_a_proxy_on_another_address_forwards_each_clients_own_address(
    server: str,
    dialect: str,
    network: Network,
    fresh_databases: FreshDatabase,
    tmp_path: Path,
) -> None:
    database_url = await fresh_databases.create_migrated(dialect)
    live = start_server(
        database_url,
        tmp_path / "live",
        host=network.server_ip,
        server=server,
        env={
            "WEGOTWORK_RATE_LIMIT": "on",
            "WEGOTWORK_FORWARDED_ALLOW_IPS": network.proxy_ip,
        },
    )
    try:
        signed_up = httpx.post(
            f"{live.url}/api/auth/sign-up/email",
            json={"name": "Ada", "email": "ada@example.com", "password": PASSWORD},
        )
        assert signed_up.status_code == 200, signed_up.text

        seen = _through_proxy(network, live.url)
        # The attacker is limited (3 per 10 s), the real user signs in all the same.
        assert seen == {"attacker": [401, 401, 401, 429], "user": 200}, live.logs()[-2000:]

        # A client that is not the proxy cannot pick its address with the header.
        direct = [
            httpx.post(
                f"{live.url}/api/auth/sign-in/email",
                json={"email": "ada@example.com", "password": "wrong password!"},
                headers={"x-forwarded-for": f"192.0.2.{number}"},
            ).status_code
            for number in range(4)
        ]
        assert direct == [401, 401, 401, 429]
    finally:
        stop_server(live)
