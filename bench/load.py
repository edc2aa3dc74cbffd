"""Drive a server with wrk (Debian's package) and read back throughput and latency."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

SCRIPTS = Path(__file__).with_name("lua")


@dataclass
class LoadResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    bytes_per_request: float

    def as_dict(self) -> dict[str, float]:
        return self.__dict__.copy()


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, capture_output=True)
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk is not installed and could not be installed (apt-get install wrk)")
    return found


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"unexpected latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def _size(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)([KMG]?B)", text.strip())
    if not match:
        return 0.0
    factor = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}[match.group(2)]
    return float(match.group(1)) * factor


def parse(output: str) -> LoadResult:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    total = re.search(r"(\d+) requests in [\d.]+\w+, ([\d.]+\w+) read", output)
    requests = int(total.group(1)) if total else 0
    read = _size(total.group(2)) if total else 0.0
    errors = 0
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non2xx:
        errors += int(non2xx.group(1))
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if socket:
        errors += sum(int(value) for value in socket.groups())
    return LoadResult(rps, p50, p99, requests, errors, read / requests if requests else 0.0)


def run(
    url: str,
    *,
    connections: int = 64,
    duration: float = 10,
    threads: int = 2,
    headers: dict[str, str] | None = None,
    script: str | None = None,
    script_env: dict[str, str] | None = None,
    timeout: float = 10,
) -> LoadResult:
    """One wrk run; ``script`` names a file in bench/lua (its env comes from ``script_env``)."""
    command = [
        ensure_wrk(),
        "--latency",
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{duration:g}s",
        "--timeout",
        f"{timeout:g}s",
    ]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    env = None
    if script:
        command += ["-s", str(SCRIPTS / script)]
        env = {**os.environ, **(script_env or {})}
    command.append(url)
    result = subprocess.run(
        command, capture_output=True, text=True, env=env, check=False, timeout=duration + 60
    )
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed: {result.stderr or result.stdout}")
    return parse(result.stdout)
