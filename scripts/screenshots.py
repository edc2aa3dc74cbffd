"""Screenshots of the product for the README: the careers page, a job page, the dashboard and
the board, at phone (390×844) and desktop (1280×800) size, in ``docs/screenshots/``.

Run with ``scripts/screenshots``: it seeds the demo organization into a fresh SQLite database
in a temporary directory, starts ``wegotwork serve`` on a free loopback port, signs in as the
demo owner in Debian's Chromium and saves one PNG per page and size. ``--url`` uses a server
that already runs with the demo data instead; ``--out`` writes elsewhere.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

from playwright.async_api import Page, async_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("WEGOTWORK_CHROMIUM", "/usr/bin/chromium")
SIZES = {"phone": (390, 844), "desktop": (1280, 800)}
DEMO_EMAIL = "owner@acme.example"
DEMO_PASSWORD = "acme-demo-password"  # noqa: S105 - the demo's published password


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("error: the server stopped before it was ready")
        try:
            with urlopen(f"{url}/readyz", timeout=1) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except (URLError, OSError):
            time.sleep(0.2)
    raise SystemExit("error: the server did not become ready within a minute")


async def first_job_url(page: Page, url: str) -> str:
    await page.goto(f"{url}/careers/acme")
    href = await page.locator(".job-list a").first.get_attribute("href")
    if href is None:
        raise SystemExit("error: the demo careers page lists no job")
    return url + href


async def shoot(url: str, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        for size, (width, height) in SIZES.items():
            context = await browser.new_context(
                viewport={"width": width, "height": height},
                device_scale_factor=1,
                is_mobile=size == "phone",
                has_touch=size == "phone",
                color_scheme="light",
                reduced_motion="reduce",
            )
            page = await context.new_page()
            job = await first_job_url(page, url)
            await page.goto(f"{url}/sign-in")
            await page.get_by_label("Email").fill(DEMO_EMAIL)
            await page.get_by_label("Password").fill(DEMO_PASSWORD)
            await page.get_by_role("button", name="Sign in").click()
            await page.wait_for_url("**/dashboard/**")
            shots = {
                "careers": f"{url}/careers/acme",
                "job": job,
                "dashboard": f"{url}/dashboard/acme",
                "board": f"{url}/dashboard/acme/board",
            }
            for name, address in shots.items():
                await page.goto(address)
                await page.wait_for_load_state("networkidle")
                path = out / f"{name}-{size}.png"
                await page.screenshot(path=str(path))
                saved.append(path)
            await context.close()
        await browser.close()
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running server with the demo data (default: start one)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    if args.url:
        saved = asyncio.run(shoot(args.url.rstrip("/"), args.out))
    else:
        with tempfile.TemporaryDirectory(prefix="wegotwork-shots-") as data:
            env = {
                **os.environ,
                "WEGOTWORK_DATA_DIR": data,
                "WEGOTWORK_ENV": "development",
                "WEGOTWORK_LOG_LEVEL": "WARNING",
            }
            for name in ("WEGOTWORK_DATABASE_URL", "WEGOTWORK_BASE_URL", "WEGOTWORK_SMTP_URL"):
                env.pop(name, None)
            command = [sys.executable, "-m", "wegotwork"]
            subprocess.run(
                [*command, "seed", "--demo"], env=env, cwd=data, check=True, capture_output=True
            )
            port = free_port()
            server = subprocess.Popen(
                [*command, "serve", "--port", str(port)],
                env=env,
                cwd=data,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                url = f"http://127.0.0.1:{port}"
                wait_ready(url, server)
                saved = asyncio.run(shoot(url, args.out))
            finally:
                server.terminate()
                server.wait(timeout=20)
    for path in saved:
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


if __name__ == "__main__":
    main()
