"""Start and stop the servers under test: WeGotWork, the Jinja2 floor, Better Auth on Node."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
OUT = HERE / "out"
SECRET = "bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    started_at: float = field(default_factory=time.monotonic)
    ready_seconds: float = 0.0

    def rss_mb(self) -> float:
        """Resident memory of the server and all its worker processes, in MB."""
        return sum(_rss_kb(pid) for pid in _tree(self.process.pid)) / 1024

    def worker_rss_mb(self) -> list[float]:
        return [_rss_kb(pid) / 1024 for pid in _tree(self.process.pid)[1:]]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(part) for part in text.split()]


def _tree(pid: int) -> list[int]:
    pids = [pid]
    for child in _children(pid):
        pids += _tree(child)
    return pids


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


def start(
    name: str,
    command: list[str],
    *,
    env: dict[str, str],
    port: int,
    ready_path: str = "/healthz",
    timeout: float = 60,
    log_dir: Path = OUT,
) -> Server:
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{name}.log"
    started = time.monotonic()
    process = subprocess.Popen(
        command,
        env={**os.environ, **env},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
        cwd=HERE.parent,
    )
    url = f"http://127.0.0.1:{port}"
    server = Server(name, url, process, log, started)
    deadline = started + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited early:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(url + ready_path, timeout=1).status_code == 200:
                server.ready_seconds = time.monotonic() - started
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"{name} did not become ready:\n{log.read_text(errors='replace')[-3000:]}")


def wegotwork(
    database_url: str,
    *,
    workers: int = 2,
    server: str = "uvicorn",
    data_dir: Path | None = None,
    extra_env: dict[str, str] | None = None,
    port: int | None = None,
    log_dir: Path = OUT,
    name: str | None = None,
) -> Server:
    port = port or free_port()
    data = data_dir or (CACHE / "data")
    data.mkdir(parents=True, exist_ok=True)
    env = {
        "WEGOTWORK_ENV": "production",
        "WEGOTWORK_SECRET": SECRET,
        "WEGOTWORK_DATABASE_URL": database_url,
        "WEGOTWORK_DATA_DIR": str(data),
        "WEGOTWORK_BASE_URL": f"http://127.0.0.1:{port}",
        "WEGOTWORK_RATE_LIMIT": "off",
        "WEGOTWORK_LOG_LEVEL": "WARNING",
        "WEGOTWORK_LOG_FORMAT": "json",
        **(extra_env or {}),
    }
    command = [
        sys.executable,
        "-m",
        "wegotwork",
        "serve",
        "--no-migrate",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    if server != "uvicorn":
        command += ["--server", server]
    return start(
        name or f"wegotwork-{server}",
        command,
        env=env,
        port=port,
        ready_path="/readyz",
        log_dir=log_dir,
    )


def floor(
    *,
    workers: int = 2,
    database_url: str | None = None,
    name: str = "floor",
    extra_env: dict[str, str] | None = None,
) -> Server:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.floor_app:app",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    env = {"WEGOTWORK_DATABASE_URL": database_url, **(extra_env or {})} if database_url else {}
    return start(name, command, env=env, port=port, ready_path="/healthz")


APPLIED = '{"error":false,"message":"Applied to Job Successfully"}'
NGINX_CONF = """
user root;
worker_processes {workers};
pid {out}/nginx.pid;
error_log {out}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    client_body_temp_path {out}/body;
    proxy_temp_path {out}/proxy;
    fastcgi_temp_path {out}/fastcgi;
    uwsgi_temp_path {out}/uwsgi;
    scgi_temp_path {out}/scgi;
    types {{ text/html html; }}
    server {{
        listen 127.0.0.1:{port};
        root {root};
        gzip_static on;
        location = /healthz {{ return 200 "ok"; }}
        location = /apply {{
            client_max_body_size 2m;
            client_body_buffer_size 512k;
            default_type application/json;
            return 201 '{applied}';
        }}
    }}
}}
"""


def ensure_nginx() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if found:
        return found
    subprocess.run(["apt-get", "install", "-y", "-q", "nginx"], check=True, capture_output=True)
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(found).exists():
        raise RuntimeError(
            "nginx is not installed and could not be installed (apt-get install nginx)"
        )
    return found


def nginx(files: dict[str, bytes], *, workers: int = 2) -> Server:
    """The static-file ceiling: nginx (Debian's package) serving ``files`` from disk, each with
    its ``.gz`` beside it for ``gzip_static``, and answering ``POST /apply`` with 201 after
    reading the body (the least a server can do with an upload)."""
    import gzip

    out = OUT / "nginx"
    root = out / "root"
    root.mkdir(parents=True, exist_ok=True)
    for name, body in files.items():
        (root / name).write_bytes(body)
        (root / f"{name}.gz").write_bytes(gzip.compress(body, 6, mtime=0))
    port = free_port()
    conf = out / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(workers=workers, out=out, port=port, root=root, applied=APPLIED)
    )
    return start(
        "nginx",
        [ensure_nginx(), "-c", str(conf), "-g", "daemon off;"],
        env={},
        port=port,
        ready_path="/healthz",
    )
