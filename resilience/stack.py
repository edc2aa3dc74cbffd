"""Everything under test, set up the product's own way: a private PostgreSQL, migrated and seeded
with ``wegotwork db upgrade`` / ``wegotwork seed --demo``, an SMTP server, and ``wegotwork serve
--workers 2`` in production mode, restartable on the same port."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncpg
import httpx
from bench import servers
from bench.scenarios import pdf_200kb

from resilience.postgres import PrivatePostgres
from resilience.smtp import Sink
from wegotwork.seed import DEMO_EMAIL, DEMO_PASSWORD, DEMO_SLUG

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
WORKERS = 2


class Stack:
    def __init__(self) -> None:
        OUT.mkdir(parents=True, exist_ok=True)
        self.pg = PrivatePostgres()
        self.smtp = Sink()
        self.data = Path(tempfile.mkdtemp(prefix="wegotwork-resilience-data-"))
        self.port = servers.free_port()
        self.server: servers.Server | None = None
        self.starts = 0
        self.pdf = pdf_200kb()
        self.cookie = ""
        self.jobs: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def files(self) -> Path:
        return self.data / "files"

    def env(self) -> dict[str, str]:
        return {
            "WEGOTWORK_ENV": "production",
            "WEGOTWORK_SECRET": servers.SECRET,
            "WEGOTWORK_DATABASE_URL": self.pg.url,
            "WEGOTWORK_DATA_DIR": str(self.data),
            "WEGOTWORK_BASE_URL": self.url,
            "WEGOTWORK_SMTP_URL": self.smtp.url,
            # One client address sends everything; per-IP limits would refuse the load.
            "WEGOTWORK_RATE_LIMIT": "off",
            # Retry mail soon: an outage of minutes must be caught up within the run.
            "WEGOTWORK_OUTBOX_RETRY_SECONDS": "1",
            "WEGOTWORK_OUTBOX_RETRY_MAX_SECONDS": "8",
            "WEGOTWORK_OUTBOX_POLL_SECONDS": "1",
            # Mail claimed by a process killed with SIGKILL goes out again after this.
            "WEGOTWORK_OUTBOX_LEASE_SECONDS": "15",
            "WEGOTWORK_LOG_LEVEL": "WARNING",
            "WEGOTWORK_LOG_FORMAT": "json",
        }

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "wegotwork", *args],
            env={**os.environ, **self.env()},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def prepare(self) -> None:
        self.pg.start()
        self.smtp.start()
        for args in (("db", "upgrade"), ("seed", "--demo")):
            result = self.cli(*args)
            if result.returncode != 0:
                raise RuntimeError(f"wegotwork {' '.join(args)} failed:\n{result.stderr}")
        self.jobs = asyncio.run(self._published_jobs())
        self.start_server()
        self.cookie = self._sign_in()

    async def _published_jobs(self) -> list[str]:
        connection = await asyncpg.connect(self.pg.plain_url)
        try:
            rows = await connection.fetch(
                "select j.id from job j join organization o on o.id = j.organization_id "
                "where o.slug = $1 and j.status = 'published' order by j.id",
                DEMO_SLUG,
            )
        finally:
            await connection.close()
        return [row["id"] for row in rows]

    def _sign_in(self) -> str:
        with httpx.Client(base_url=self.url, headers={"origin": self.url}) as client:
            response = client.post(
                "/api/auth/sign-in/email", json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD}
            )
            response.raise_for_status()
            check = client.get(f"/dashboard/{DEMO_SLUG}/applicants")
            if check.status_code != 200:
                raise RuntimeError(f"signed-in dashboard answered {check.status_code}")
            return "; ".join(f"{name}={value}" for name, value in client.cookies.items())

    def start_server(self) -> float:
        """Start (or start again) on the same port; seconds until /readyz answered."""
        self.starts += 1
        self.server = servers.wegotwork(
            self.pg.url,
            workers=WORKERS,
            data_dir=self.data,
            extra_env=self.env(),
            port=self.port,
            log_dir=OUT,
            name=f"wegotwork-{self.starts}",
        )
        return self.server.ready_seconds

    def signal_server(self, signum: signal.Signals) -> None:
        """Send ``signum`` to the server's main process (as a process manager would)."""
        assert self.server is not None
        os.kill(self.server.process.pid, signum)

    def kill_server(self) -> None:
        """SIGKILL the whole server: the main process and its workers, no goodbye."""
        assert self.server is not None
        os.killpg(self.server.process.pid, signal.SIGKILL)
        self.server.process.wait()

    def wait_server_exit(self, timeout: float = 30) -> float:
        assert self.server is not None
        started = time.monotonic()
        self.server.process.wait(timeout=timeout)
        return time.monotonic() - started

    def ready(self) -> bool:
        try:
            return httpx.get(self.url + "/readyz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()
        self.smtp.stop()
        self.pg.destroy()
        shutil.rmtree(self.data, ignore_errors=True)
