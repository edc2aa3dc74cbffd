"""The mixed load (``lua/mix.lua``) driven by wrk, in the background, with every response logged
so that statuses can be counted per kind and per second and acknowledged applications verified."""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench import load as bench_load
from bench.load import LoadResult

SCRIPT = Path(__file__).with_name("lua") / "mix.lua"
EXPECTED = {"careers": 200, "job": 200, "apply": 201, "dashboard": 200}


@dataclass(frozen=True)
class Record:
    at: int
    kind: str
    status: int
    retry_after: str
    email: str


@dataclass
class MixRun:
    name: str
    result: LoadResult
    records: list[Record]
    seconds: float
    socket_errors: int
    socket: dict[str, int] = field(default_factory=dict)  # connect, read, write, timeout

    def socket_text(self) -> str:
        parts = [f"{kind} {count}" for kind, count in self.socket.items() if count]
        return ", ".join(parts) or "none"

    @property
    def acknowledged(self) -> list[str]:
        return [r.email for r in self.records if r.kind == "apply" and r.status == 201]

    def unexpected(self, allowed: set[int] | None = None) -> list[Record]:
        """Responses other than the kind's success status (and ``allowed`` ones)."""
        return [
            r
            for r in self.records
            if r.status != EXPECTED[r.kind] and r.status not in (allowed or set())
        ]

    def statuses(self) -> Counter[str]:
        return Counter(f"{r.kind} {r.status}" for r in self.records)

    def by_kind(self) -> Counter[str]:
        return Counter(r.kind for r in self.records)


@dataclass
class Target:
    """What the load needs to know about the server and its data."""

    url: str
    pdf: Path
    slug: str
    jobs: list[str]
    cookie: str
    out: Path
    connections: int = 16


@dataclass
class Running:
    name: str
    process: subprocess.Popen[str]
    log_prefix: Path
    started: float = field(default_factory=time.monotonic)

    def wait(self) -> MixRun:
        stdout, stderr = self.process.communicate(timeout=600)
        seconds = time.monotonic() - self.started
        if self.process.returncode != 0:
            raise RuntimeError(f"wrk failed: {stderr or stdout}")
        result = bench_load.parse(stdout)
        records = read_records(self.log_prefix)
        found = re.search(
            r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", stdout
        )
        socket = dict(
            zip(
                ("connect", "read", "write", "timeout"),
                (int(value) for value in found.groups()) if found else (0, 0, 0, 0),
                strict=True,
            )
        )
        (self.log_prefix.parent / f"wrk-{self.name}.txt").write_text(stdout)
        return MixRun(self.name, result, records, seconds, sum(socket.values()), socket)


def read_records(prefix: Path) -> list[Record]:
    records = []
    for path in sorted(prefix.parent.glob(prefix.name + ".*")):
        for line in path.read_text().splitlines():
            parts = line.split()
            if len(parts) == 5:
                at, kind, status, retry, email = parts
                records.append(Record(int(at), kind, int(status), retry, email))
    return records


def start(
    target: Target, name: str, duration: float, *, rate: float = 0, delay_ms: float = 0
) -> Running:
    """Start wrk with the mix for ``duration`` seconds; ``rate`` is the total requests per
    second to aim at (0: as fast as the server goes)."""
    target.out.mkdir(parents=True, exist_ok=True)
    prefix = target.out / f"responses-{name}"
    for old in prefix.parent.glob(prefix.name + ".*"):
        old.unlink()
    threads = target.connections
    env = {
        **os.environ,
        "RES_PDF": str(target.pdf),
        "RES_PREFIX": f"{name}{int(time.time())}",
        "RES_LOG": str(prefix),
        "RES_SLUG": target.slug,
        "RES_JOBS": ",".join(target.jobs),
        "RES_COOKIE": target.cookie,
        "RES_RATE": f"{rate / threads:.3f}" if rate else "0",
        "RES_DELAY": str(int(delay_ms)),
    }
    command = [
        bench_load.ensure_wrk(),
        "--latency",
        "-t",
        str(threads),
        "-c",
        str(threads),
        "-d",
        f"{duration:g}s",
        "--timeout",
        "10s",
        "-s",
        str(SCRIPT),
        target.url,
    ]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    return Running(name, process, prefix)


def run(target: Target, name: str, duration: float, **pacing: float) -> MixRun:
    return start(target, name, duration, **pacing).wait()
