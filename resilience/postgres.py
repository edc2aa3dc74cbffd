"""A private PostgreSQL server for the run: initdb into a temporary directory, a free port, and
start / restart / stop at will, without touching any other server on the machine.

Debian's binaries (``/usr/lib/postgresql/<version>/bin``) are used. PostgreSQL refuses to run
as root, so when the run is root the server runs as the ``postgres`` user (``runuser``) in a
directory that user owns.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from bench.servers import free_port


def _bin_dir() -> Path:
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda path: int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0,
    )
    if not found:
        raise RuntimeError(
            "PostgreSQL server binaries not found under /usr/lib/postgresql "
            "(apt-get install postgresql)"
        )
    return found[-1].parent


class PrivatePostgres:
    """One PostgreSQL cluster owned by this run; ``url`` is for ``postgresql+asyncpg``."""

    def __init__(self, database: str = "wegotwork") -> None:
        self.bin = _bin_dir()
        self.port = free_port()
        self.database = database
        self.root = Path(tempfile.mkdtemp(prefix="wegotwork-resilience-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self._as_root = os.geteuid() == 0
        if self._as_root:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
        self.root.chmod(0o700)

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{self.database}"

    @property
    def plain_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{self.database}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin / args[0]), *args[1:]]
        if self._as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=check, timeout=120)

    def start(self) -> None:
        if not (self.data / "PG_VERSION").exists():
            self._run(
                "initdb",
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            )
        self._pg_ctl("start")
        if self.database != "postgres":
            created = self._run(
                "createdb",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                self.database,
                check=False,
            )
            if created.returncode != 0 and "already exists" not in created.stderr:
                raise RuntimeError(f"createdb failed: {created.stderr.strip()}")

    def _pg_ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        result = self._run(
            "pg_ctl",
            action,
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            *extra,
            check=False,
        )
        if result.returncode != 0:
            tail = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"pg_ctl {action} failed: {result.stderr.strip()}\n{tail}")

    def restart(self) -> tuple[float, float]:
        """Stop (fast: connections are cut) and start again. Returns (seconds until stopped,
        seconds until accepting connections again), both from the call."""
        started = time.monotonic()
        self._pg_ctl("stop", "-m", "fast")
        stopped = time.monotonic() - started
        self._pg_ctl("start")
        return stopped, time.monotonic() - started

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._pg_ctl("stop", "-m", "fast")

    def destroy(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PrivatePostgres:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.destroy()
