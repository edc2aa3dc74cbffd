"""Profile one hot path in-process with pyinstrument, against the benchmark data.

``python -m bench.profile careers-miss|careers-hit|get-session-db|get-session-cached [-n N]``
serves N requests through the whole ASGI app (middleware included, no network) with the
production settings the benchmark uses, and prints where the time went. Needs
``pip install pyinstrument`` and the data of ``python -m bench data``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from bench import data as benchdata
from bench.report import ProfileFrames
from bench.scenarios import CACHE, Config, pdf_200kb, remove_applications
from bench.servers import SECRET

PATHS = ("careers-miss", "careers-hit", "get-session-db", "get-session-cached", "apply")


def _configure(config: Config, data_dir: str) -> None:
    os.environ.update(
        {
            "WEGOTWORK_ENV": "production",
            "WEGOTWORK_SECRET": SECRET,
            "WEGOTWORK_DATABASE_URL": config.database,
            "WEGOTWORK_DATA_DIR": data_dir,
            "WEGOTWORK_BASE_URL": "http://127.0.0.1:8000",
            "WEGOTWORK_RATE_LIMIT": "off",
            "WEGOTWORK_LOG_LEVEL": "WARNING",
        }
    )


async def _run(which: str, requests: int, *, profile: bool) -> str:
    from pyinstrument import Profiler

    from wegotwork.app import create_app

    config = Config.from_env()
    data = await benchdata.generate_postgres(config.database, CACHE / "data-marker.json")
    with tempfile.TemporaryDirectory() as data_dir:
        _configure(config, data_dir)
        logging.disable(logging.INFO)
        app = create_app(background=False)
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client,
        ):
            base = "http://127.0.0.1:8000"
            signed_in = await client.post(
                "/api/auth/sign-in/email",
                json={"email": data.owner_email, "password": data.password},
                headers={"origin": base},
            )
            signed_in.raise_for_status()
            await client.get("/api/auth/get-session")
            cookie = {"cookie": "; ".join(f"{k}={v}" for k, v in client.cookies.items())}
            client.cookies.clear()
            stamp = time.time_ns()
            pdf = pdf_200kb().read_bytes()
            request: Callable[[int], httpx.Request] = {
                "careers-miss": lambda i: client.build_request(
                    "GET", f"/careers/{data.careers_slug}?v={i}"
                ),
                "careers-hit": lambda i: client.build_request(
                    "GET", f"/careers/{data.careers_slug}"
                ),
                "get-session-db": lambda i: client.build_request(
                    "GET", "/api/auth/get-session?disableCookieCache=true", headers=cookie
                ),
                "get-session-cached": lambda i: client.build_request(
                    "GET", "/api/auth/get-session", headers=cookie
                ),
                "apply": lambda i: client.build_request(
                    "POST",
                    f"/api/v1/public/jobs/{data.published_job_id}/applications",
                    data={"name": "Bench Candidate", "email": f"profile-{stamp}-{i}@bench.example"},
                    files={"resume": ("cv.pdf", pdf, "application/pdf")},
                ),
            }[which]
            for i in range(1, 51):
                (await client.send(request(-i))).raise_for_status()
            profiler = Profiler(interval=0.0005, async_mode="enabled")
            started = time.process_time()
            if profile:
                profiler.start()
            for i in range(requests):
                (await client.send(request(i))).raise_for_status()
            if profile:
                profiler.stop()
            cpu_ms = (time.process_time() - started) * 1000 / requests
    if which == "apply":
        await remove_applications(config, f"profile-{stamp}-%")
    summary = f"{which}: {cpu_ms:.2f} ms of CPU per request (client included)"
    if not profile:
        return summary
    return str(profiler.output_text(unicode=True, color=False, show_all=False)) + summary


async def profile_calls(
    path: str, call: Callable[[], Awaitable[object]], calls: int, *, top: int = 10
) -> ProfileFrames | None:
    """Profile ``calls`` awaits of ``call`` (after a few to warm up) with pyinstrument and sum
    the time up by function and by package, for the report's "Where the time goes". None when
    pyinstrument is not installed."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        return None
    for _ in range(min(3, calls)):
        await call()
    profiler = Profiler(interval=0.0005, async_mode="enabled")
    started = time.perf_counter()
    profiler.start()
    for _ in range(calls):
        await call()
    profiler.stop()
    elapsed = time.perf_counter() - started
    session = profiler.last_session
    if session is None:
        return None
    return summarise(path, session.root_frame(), calls, elapsed)


def _package(file_path: str) -> str:
    if "/site-packages/" in file_path:
        name = file_path.split("/site-packages/", 1)[1].split("/", 1)[0]
        return name.removesuffix(".py").split(".", 1)[0]
    if "/wegotwork/" in file_path:
        parts = file_path.split("/wegotwork/", 1)[1].split("/")
        return "wegotwork." + parts[0].removesuffix(".py") if len(parts) > 1 else "wegotwork"
    if "/bench/" in file_path:
        return "bench (the harness)"
    return "Python's standard library"


def summarise(path: str, root: Any, calls: int, elapsed: float, *, top: int = 10) -> ProfileFrames:
    """Time of each function's own (its ``[self]`` samples) and awaiting (``[await]``), by
    function and by package, as shares of the whole profile."""
    functions: dict[str, float] = {}
    packages: dict[str, float] = {}
    total = float(root.time) if root is not None else 0.0
    stack = [root] if root is not None else []
    while stack:
        frame = stack.pop()
        stack.extend(frame.children)
        if not frame.is_synthetic or frame.parent is None:
            continue
        owner = frame.parent
        place = f"{owner.function} ({owner.file_path_short}:{owner.line_no})"
        if frame.identifier == "[await]":
            name, package = f"awaiting in {place}", "waiting (database, other tasks)"
        else:
            name, package = place, _package(owner.file_path or "")
        functions[name] = functions.get(name, 0.0) + frame.time
        packages[package] = packages.get(package, 0.0) + frame.time
    share = 1 / total if total else 0.0
    return ProfileFrames(
        path=path,
        calls=calls,
        ms_per_call=elapsed * 1000 / calls if calls else 0.0,
        functions=[
            (name, seconds * share)
            for name, seconds in sorted(functions.items(), key=lambda item: -item[1])[:top]
        ],
        packages=[
            (name, seconds * share)
            for name, seconds in sorted(packages.items(), key=lambda item: -item[1])[:6]
        ],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("which", choices=PATHS)
    parser.add_argument("-n", "--requests", type=int, default=2000)
    parser.add_argument(
        "--time-only", action="store_true", help="CPU time per request, without the profiler"
    )
    args = parser.parse_args(argv)
    print(asyncio.run(_run(args.which, args.requests, profile=not args.time_only)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
