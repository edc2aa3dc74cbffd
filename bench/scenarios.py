"""The benchmarks B1–B5. Each starts its servers, warms up, measures, and records figures and
ratios against the baseline it started itself in the same run."""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench import data as benchdata
from bench import load, servers
from bench.report import Figure, Report

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"


@dataclass
class Config:
    postgres: str
    database: str
    ba_database: str
    workers: int
    connections: int
    duration: float
    warmup: float
    repetitions: int
    sqlite: str = f"sqlite+aiosqlite:///{CACHE / 'bench.sqlite3'}"

    @classmethod
    def from_env(cls, *, quick: bool = False) -> Config:
        server = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
        # Another name keeps a branch's schema apart from the shared benchmark database.
        name = os.environ.get("BENCH_DATABASE", "wegotwork_bench")
        return cls(
            postgres=server,
            database=f"{server.replace('postgresql://', 'postgresql+asyncpg://')}/{name}",
            ba_database=f"{server}/wegotwork_bench_betterauth",
            workers=int(os.environ.get("BENCH_WORKERS", "2")),
            connections=64,
            duration=float(os.environ.get("BENCH_DURATION", "3" if quick else "8")),
            warmup=2 if quick else 3,
            repetitions=1 if quick else 3,
        )


async def prepare_data(config: Config) -> benchdata.Generated:
    CACHE.mkdir(parents=True, exist_ok=True)
    return await benchdata.generate_postgres(config.database, CACHE / "data-marker.json")


def sqlite_ready(config: Config) -> str:
    """The same data in a SQLite file (generated on first use, about 2 minutes): its URL."""
    benchdata.generate_sqlite(
        Path(config.sqlite.removeprefix("sqlite+aiosqlite:///")), CACHE / "sqlite-marker.json"
    )
    return config.sqlite


def databases(config: Config) -> dict[str, str]:
    """The databases B1 and B3 run on, by the name the report gives them."""
    return {"PostgreSQL": config.database, "SQLite": sqlite_ready(config)}


@dataclass
class Target:
    """One thing to load: a URL with its connections, headers and wrk script."""

    url: str
    connections: int | None = None
    headers: dict[str, str] | None = None
    script: str | None = None
    script_env: Callable[[int], dict[str, str]] | None = None

    def run(self, config: Config, number: int, duration: float) -> load.LoadResult:
        env = self.script_env or (lambda _run: {})
        return load.run(
            self.url,
            connections=self.connections or config.connections,
            duration=duration,
            headers=self.headers,
            script=self.script,
            script_env=env(number),
        )


def measure_together(config: Config, targets: dict[str, Target]) -> dict[str, dict[str, Figure]]:
    """Warm every target up, then run the repetitions round-robin (A B C, A B C, ...): on a
    shared machine the background load drifts, and interleaving spreads the drift over every
    target alike instead of letting it fall on whichever ran last. Figures per target: req/s,
    p50 and p99 (and errors, when there were any)."""
    for target in targets.values():
        target.run(config, 0, config.warmup)
    runs: dict[str, list[load.LoadResult]] = {name: [] for name in targets}
    for repetition in range(config.repetitions):
        for name, target in targets.items():
            runs[name].append(target.run(config, repetition + 1, config.duration))
    return {name: _figures(results) for name, results in runs.items()}


def measure(config: Config, url: str, **target: Any) -> dict[str, Figure]:
    """Warm up, then ``repetitions`` wrk runs of one target."""
    return measure_together(config, {"only": Target(url, **target)})["only"]


def _figures(results: list[load.LoadResult]) -> dict[str, Figure]:
    figures = {
        "req/s": Figure([r.rps for r in results], ""),
        "p50": Figure([r.p50_ms for r in results], "ms"),
        "p99": Figure([r.p99_ms for r in results], "ms"),
    }
    if any(result.errors for result in results):
        figures["errors"] = Figure([float(r.errors) for r in results], "")
    return figures


def _median(figures: dict[str, Figure]) -> float:
    return figures["req/s"].median


# ---------------------------------------------------------------------------------------------
# B1: the careers page


def b1(config: Config, data: benchdata.Generated, report: Report) -> None:
    section = "B1 careers page (50 jobs)"
    started: dict[str, servers.Server] = {}
    try:
        started["floor"] = servers.floor(workers=config.workers)
        for database, url in databases(config).items():
            for kind in SERVER_KINDS:
                try:
                    started[f"{kind} {database}"] = servers.wegotwork(
                        url,
                        workers=config.workers,
                        server=kind,
                        name=f"wegotwork-{kind}-{database}",
                    )
                except RuntimeError as exc:
                    report.note(
                        section,
                        f"{kind} on {database}: could not start ({str(exc).splitlines()[0]})",
                    )
        apps = [name for name in started if name != "floor"]
        targets = {"floor": Target(started["floor"].url + "/careers")}
        gzip = {"accept-encoding": "gzip"}
        for name in apps:
            page = f"{started[name].url}/careers/{data.careers_slug}"
            first = httpx.get(page, headers=gzip)
            if "nginx" not in started:
                raw = httpx.get(page, headers={"accept-encoding": "identity"})
                report.note(
                    section,
                    f"Page weight: {len(raw.content):,} bytes of HTML, "
                    f"{first.num_bytes_downloaded:,} bytes on the wire "
                    f"({first.headers.get('content-encoding', 'uncompressed')}).",
                )
                started["nginx"] = servers.nginx(
                    {"careers.html": raw.content}, workers=config.workers
                )
                targets["nginx"] = Target(started["nginx"].url + "/careers.html", headers=gzip)
            etag = first.headers.get("etag", "")
            targets[f"{name} cached"] = Target(page, headers=gzip)
            targets[f"{name} 304"] = Target(page, headers={**gzip, "if-none-match": etag})
            targets[f"{name} miss"] = Target(
                page, connections=8, script="cache_miss.lua", headers=gzip
            )
        figures = measure_together(config, targets)
        floor_rps = _median(figures["floor"])
        report.add(section, "floor: Jinja2 page from memory (FastAPI, uvicorn)", **figures["floor"])
        ceiling_rps = _median(figures["nginx"]) if "nginx" in figures else 0.0
        if ceiling_rps:
            report.add(
                section,
                "ceiling: nginx, the same bytes as a static file (gzip_static)",
                **figures["nginx"],
            )
        for name in apps:
            kind, database = name.split(" ", 1)
            cached, conditional, miss = (figures[f"{name} {case}"] for case in CASES)
            label = f"WeGotWork ({kind}, {database})"
            report.add(section, f"{label}: unchanged page (render cache)", **cached)
            report.add(section, f"{label}: conditional request (304)", **conditional)
            report.add(
                section, f"{label}: cache miss, rendered from {database} (8 connections)", **miss
            )
            report.add(
                section, f"{label}: server RSS after B1", rss=Figure([started[name].rss_mb()], "MB")
            )
            which = f"{kind}, {database}"
            report.ratio(
                section, f"unchanged page / floor ({which})", _median(cached) / floor_rps, 4
            )
            if ceiling_rps:
                report.ratio(
                    section,
                    f"unchanged page / nginx static file ({which})",
                    _median(cached) / ceiling_rps,
                    0.2 if kind == DEFAULT_SERVER else None,
                )
                report.ratio(
                    section,
                    f"304 / nginx static file ({which})",
                    _median(conditional) / ceiling_rps,
                )
            report.ratio(
                section, f"p99 unchanged page, ms ({which})", cached["p99"].median, 50, at_most=True
            )
            report.ratio(section, f"304 / floor ({which})", _median(conditional) / floor_rps, 4)
            # The benchmarks issue's target (round 1 asked 0.35).
            report.ratio(section, f"cache miss / floor ({which})", _median(miss) / floor_rps, 0.5)
            report.ratio(
                section,
                f"p99 cache miss at 8 connections, ms ({which})",
                miss["p99"].median,
                50,
                at_most=True,
            )
        for kind in SERVER_KINDS:
            on_sqlite, on_postgres = f"{kind} SQLite", f"{kind} PostgreSQL"
            if on_sqlite in apps and on_postgres in apps:
                for case, target in (
                    ("unchanged page", "cached"),
                    ("304", "304"),
                    ("cache miss", "miss"),
                ):
                    report.ratio(
                        section,
                        f"SQLite / PostgreSQL, {case} ({kind})",
                        _median(figures[f"{on_sqlite} {target}"])
                        / _median(figures[f"{on_postgres} {target}"]),
                        0.8 if target == "cached" else None,
                    )
        report.add(section, "floor: server RSS", rss=Figure([started["floor"].rss_mb()], "MB"))
    finally:
        for server in started.values():
            server.stop()


SERVER_KINDS = ("uvicorn", "granian")
DEFAULT_SERVER = "uvicorn"  # what `wegotwork serve` runs unless told otherwise
CASES = ("cached", "304", "miss")


# ---------------------------------------------------------------------------------------------
# B2: get-session and sign-in, against Better Auth on Node


def _betterauth_ready(config: Config) -> servers.Server:
    install = CACHE / "betterauth"
    install.mkdir(parents=True, exist_ok=True)
    pinned = (HERE / "betterauth" / "package.json").read_text()
    manifest = install / "package.json"
    changed = not manifest.exists() or manifest.read_text() != pinned
    if changed:
        manifest.write_text(pinned)
    if changed or not (install / "node_modules" / "better-auth").exists():
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--silent"], cwd=install, check=True
        )
    (install / "server.mjs").write_text((HERE / "betterauth" / "server.mjs").read_text())
    plain = config.ba_database
    server_url, _, name = plain.rpartition("/")
    subprocess.run(
        [
            "psql",
            f"{server_url}/postgres",
            "-qc",
            f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
            "-c",
            f'CREATE DATABASE "{name}"',
        ],
        check=True,
        capture_output=True,
    )
    port = servers.free_port()
    return servers.start(
        "betterauth",
        ["node", str(install / "server.mjs")],
        env={
            "PORT": str(port),
            "DATABASE_URL": plain,
            "WORKERS": str(config.workers),
            "SECRET": servers.SECRET,
        },
        port=port,
        ready_path="/healthz",
    )


def _cookie_header(jar: httpx.Cookies) -> str:
    return "; ".join(f"{name}={value}" for name, value in jar.items())


def _sign_up_and_in(base: str, email: str, password: str) -> httpx.Cookies:
    with httpx.Client(base_url=base, headers={"origin": base}) as client:
        client.post(
            "/api/auth/sign-up/email",
            json={"name": "Bench User", "email": email, "password": password},
        )
        response = client.post(
            "/api/auth/sign-in/email", json={"email": email, "password": password}
        )
        response.raise_for_status()
        client.get("/api/auth/get-session")
        return client.cookies


def b2(config: Config, data: benchdata.Generated, report: Report) -> None:
    section = "B2 get-session and sign-in"
    email, password = "bench-session@bench.example", "bench-password-123"
    results: dict[str, dict[str, dict[str, Figure]]] = {}
    started: dict[str, servers.Server] = {}
    labels = {"betterauth": "Better Auth 1.7.25 (Node, node:cluster)", "wegotwork": "WeGotWork"}
    try:
        try:
            started["betterauth"] = _betterauth_ready(config)
        except (OSError, subprocess.CalledProcessError, RuntimeError) as exc:
            report.note(section, f"Better Auth could not be started: {exc}")
        started["wegotwork"] = servers.wegotwork(config.database, workers=config.workers)
        targets: dict[str, Target] = {}
        for name, server in started.items():
            cookie = _cookie_header(_sign_up_and_in(server.url, email, password))
            session_url = f"{server.url}/api/auth/get-session"
            targets[f"{name} cached"] = Target(session_url, headers={"cookie": cookie})
            targets[f"{name} database"] = Target(
                session_url + "?disableCookieCache=true", headers={"cookie": cookie}
            )
            targets[f"{name} signin"] = Target(
                f"{server.url}/api/auth/sign-in/email",
                script="signin.lua",
                connections=16,
                script_env=lambda _run, url=server.url: {
                    "BENCH_EMAIL": email,
                    "BENCH_PASSWORD": password,
                    "BENCH_ORIGIN": url,
                },
            )
        figures = measure_together(config, targets)
        for name, server in started.items():
            label = labels[name]
            results[name] = {
                case: figures[f"{name} {case}"] for case in ("cached", "database", "signin")
            }
            report.add(section, f"{label}: get-session via cookie cache", **results[name]["cached"])
            report.add(
                section, f"{label}: get-session from the database", **results[name]["database"]
            )
            report.add(section, f"{label}: sign-in (16 connections)", **results[name]["signin"])
            report.add(section, f"{label}: server RSS", rss=Figure([server.rss_mb()], "MB"))
    finally:
        for server in started.values():
            server.stop()
    if "betterauth" in results and "wegotwork" in results:
        ours, theirs = results["wegotwork"], results["betterauth"]
        report.ratio(
            section,
            "get-session cached / Better Auth",
            _median(ours["cached"]) / _median(theirs["cached"]),
            5,
        )
        report.ratio(
            section,
            "get-session database / Better Auth",
            _median(ours["database"]) / _median(theirs["database"]),
            1.3,
        )
        if _median(theirs["signin"]) > 0:
            report.ratio(
                section,
                "sign-ins per second / Better Auth",
                _median(ours["signin"]) / _median(theirs["signin"]),
            )


# ---------------------------------------------------------------------------------------------
# B3: applying with a 200 KB PDF


def pdf_200kb() -> Path:
    from wegotwork.seed import tiny_pdf

    path = CACHE / "resume-200kb.pdf"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        body = tiny_pdf("Bench Candidate")
        padding = b"%" + b"x" * 199 + b"\n"
        path.write_bytes(body + padding * ((200 * 1024 - len(body)) // len(padding)))
    return path


# Two servers on one PostgreSQL side by side, each of 2 workers with up to 2 x 10 pooled and 8
# direct connections, and a floor, would pass a default max_connections of 100 ("too many
# clients"): smaller pools while they run together.
SIDE_BY_SIDE = {"WEGOTWORK_DB_POOL_SIZE": "4"}

# B3's targets, as the issues set them: the benchmarks issue asks an application to cost at most
# 1 / 0.6 of the bare insert's (apply ≥ 0.6 × its rate); the SQLite-vs-PostgreSQL issue asks
# SQLite's apply to reach half of PostgreSQL's.
APPLY_PER_BARE_INSERT = 0.6
SQLITE_PER_POSTGRES_APPLY = 0.5


def b3(config: Config, data: benchdata.Generated, report: Report) -> None:
    section = "B3 applying with a 200 KB PDF"
    pdf = pdf_200kb()
    stamp = str(int(time.time()))
    started: dict[str, servers.Server] = {}
    results: dict[str, dict[str, Figure]] = {}
    urls = databases(config)
    try:
        org_id = asyncio.run(_organization_of(config, data.published_job_id))
        targets: dict[str, Target] = {}
        started["nginx"] = servers.nginx({}, workers=config.workers)
        targets["nginx"] = Target(
            f"{started['nginx'].url}/apply",
            script="apply.lua",
            script_env=lambda run: {"BENCH_PDF": str(pdf), "BENCH_FIELD_PREFIX": f"nginx{run}"},
        )
        for database, url in urls.items():
            floor = started[f"floor {database}"] = servers.floor(
                workers=config.workers,
                database_url=url,
                name=f"floor-{database}",
                extra_env=SIDE_BY_SIDE,
            )
            targets[f"floor {database}"] = Target(
                f"{floor.url}/apply/{data.published_job_id}/{org_id}",
                script="apply_bare.lua",
                script_env=lambda run, db=database: {
                    "BENCH_FIELD_PREFIX": f"floor{db}{stamp}r{run}"
                },
            )
            for kind in SERVER_KINDS:
                name = f"{kind} {database}"
                app = started[name] = servers.wegotwork(
                    url,
                    workers=config.workers,
                    server=kind,
                    name=f"wegotwork-{kind}-{database}",
                    extra_env=SIDE_BY_SIDE,
                )
                targets[name] = Target(
                    f"{app.url}/api/v1/public/jobs/{data.published_job_id}/applications",
                    script="apply.lua",
                    script_env=lambda run, n=name: {
                        "BENCH_PDF": str(pdf),
                        "BENCH_FIELD_PREFIX": f"ours{n.replace(' ', '')}{stamp}r{run}",
                    },
                )
        apps = [f"{kind} {database}" for database in urls for kind in SERVER_KINDS]
        rss_before = {name: started[name].rss_mb() for name in apps}
        results = measure_together(config, targets)
        report.add(
            section,
            "ceiling: nginx reading the same request and answering 201 (nothing stored)",
            **results["nginx"],
        )
        for database in urls:
            report.add(
                section,
                f"bare insert endpoint (no file), {database}",
                **results[f"floor {database}"],
            )
            for kind in SERVER_KINDS:
                name = f"{kind} {database}"
                report.add(
                    section,
                    f"WeGotWork ({kind}) apply on {database} (multipart, streamed to storage)",
                    **results[name],
                )
                report.add(
                    section,
                    f"WeGotWork ({kind}) server RSS on {database} (streamed uploads keep it flat)",
                    **{
                        "rss before": Figure([rss_before[name]], "MB"),
                        "rss after": Figure([started[name].rss_mb()], "MB"),
                    },
                )
    finally:
        for server in started.values():
            server.stop()
        asyncio.run(remove_applications(config, f"%{stamp}r%@bench.example"))
    for database in urls:
        for kind in SERVER_KINDS:
            name, which = f"{kind} {database}", f"{kind}, {database}"
            ours = _median(results[name])
            report.ratio(
                section,
                f"apply / bare insert ({which})",
                ours / _median(results[f"floor {database}"]),
                APPLY_PER_BARE_INSERT,
            )
            report.ratio(
                section, f"apply / nginx ceiling ({which})", ours / _median(results["nginx"])
            )
            report.ratio(section, f"p99 apply, ms ({which})", results[name]["p99"].median)
            errors = results[name].get("errors")
            report.ratio(
                section,
                f"errors at {config.connections} connections ({which})",
                errors.median if errors else 0.0,
                0,
                at_most=True,
            )
    for kind in SERVER_KINDS:
        report.ratio(
            section,
            f"SQLite apply / PostgreSQL apply ({kind})",
            _median(results[f"{kind} SQLite"]) / _median(results[f"{kind} PostgreSQL"]),
            SQLITE_PER_POSTGRES_APPLY,
        )


async def remove_applications(config: Config, email_pattern: str) -> None:
    """Delete the applications a benchmark made, so the generated data stays as generated."""
    import sqlite3

    import asyncpg

    connection = await asyncpg.connect(config.database.replace("+asyncpg", ""))
    try:
        await connection.execute("delete from applicant where email like $1", email_pattern)
    finally:
        await connection.close()
    path = Path(config.sqlite.removeprefix("sqlite+aiosqlite:///"))
    if path.exists():
        with sqlite3.connect(path) as lite:
            lite.execute("delete from applicant where email like ?", (email_pattern,))


async def _organization_of(config: Config, job_id: str) -> str:
    import asyncpg

    connection = await asyncpg.connect(config.database.replace("+asyncpg", ""))
    try:
        value: str = await connection.fetchval(
            "select organization_id from job where id=$1", job_id
        )
        return value
    finally:
        await connection.close()


# ---------------------------------------------------------------------------------------------
# B4: applicant lists at 100 000 per job and 1 000 000 per organization


def b4(config: Config, data: benchdata.Generated, report: Report) -> None:
    from bench.applicant_lists import measure_lists

    asyncio.run(measure_lists(config.database, data, report, label="PostgreSQL"))
    asyncio.run(measure_lists(sqlite_ready(config), data, report, label="SQLite", calls=10))


# ---------------------------------------------------------------------------------------------
# B5: memory after 100 000 requests, start-up time


def b5(config: Config, data: benchdata.Generated, report: Report) -> None:
    section = "B5 memory and start-up"
    startups = []
    for _ in range(config.repetitions):
        app = servers.wegotwork(config.database, workers=1)
        startups.append(app.ready_seconds)
        app.stop()
    report.add(section, "start-up to /readyz (1 worker)", time=Figure(startups, "s"))
    report.ratio(
        section, "start-up to ready (median), s", statistics.median(startups), 2, at_most=True
    )
    app = servers.wegotwork(config.database, workers=config.workers)
    try:
        page = f"{app.url}/careers/{data.careers_slug}"
        cookie_jar = _sign_up_and_in(app.url, "bench-rss@bench.example", "bench-password-123")
        headers = {"cookie": _cookie_header(cookie_jar)}
        samples = []
        for _round in range(4):
            done = 0
            while done < 25_000:
                result = load.run(page, connections=64, duration=3)
                done += result.requests
                result = load.run(
                    f"{app.url}/api/auth/get-session", connections=64, duration=1, headers=headers
                )
                done += result.requests
            samples.append(max(app.worker_rss_mb() or [app.rss_mb()]))
        report.add(
            section,
            "largest worker RSS after each 25 000 requests",
            rss=Figure(samples, "MB"),
            note="careers page and get-session",
        )
        report.ratio(
            section, "worker RSS after 100 000 requests, MB", samples[-1], 120, at_most=True
        )
        report.ratio(
            section,
            "RSS growth over the last 75 000 requests, MB",
            samples[-1] - samples[0],
            10,
            at_most=True,
        )
    finally:
        app.stop()
