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
from collections.abc import Callable

import httpx

from bench import data as benchdata
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
