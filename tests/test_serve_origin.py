"""``wegotwork serve --host/--port`` and the base URL: a newcomer who starts the server on
another port can still send forms; a base URL that disagrees with where the server listens is
said once at start; 127.0.0.1 and localhost are one site in development."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.fixtures.live import wait_until_ready
from tests.fixtures.mail import free_port
from wegotwork.settings import Settings, base_url_for_listening
from wegotwork.web.origins import TrustedOrigins


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_without_a_base_url_it_is_where_the_server_listens() -> None:
    assert base_url_for_listening(settings(), "127.0.0.1", 9000) == (
        "http://127.0.0.1:9000",
        None,
    )
    assert base_url_for_listening(settings(), "0.0.0.0", 9000)[0] == "http://127.0.0.1:9000"  # noqa: S104
    assert base_url_for_listening(settings(), "localhost", 8000)[0] == "http://localhost:8000"
    # The default already says so: nothing to change.
    assert base_url_for_listening(settings(), "127.0.0.1", 8000) == (None, None)


def test_a_base_url_that_was_set_wins_and_a_disagreement_is_said() -> None:
    local = settings(base_url="http://127.0.0.1:8000")
    derived, warning = base_url_for_listening(local, "127.0.0.1", 9000)
    assert derived is None
    assert warning is not None
    assert "WEGOTWORK_BASE_URL is http://127.0.0.1:8000" in warning
    assert "http://127.0.0.1:9000" in warning
    assert base_url_for_listening(local, "localhost", 8000) == (None, None)
    assert base_url_for_listening(local, "0.0.0.0", 8000) == (None, None)  # noqa: S104
    # A public URL is a proxy's business: the port behind it is not comparable.
    public = settings(base_url="https://jobs.example.com")
    assert base_url_for_listening(public, "0.0.0.0", 8000) == (None, None)  # noqa: S104


def test_loopback_names_are_one_site_in_development_only() -> None:
    development = TrustedOrigins(settings(base_url="http://127.0.0.1:9000"))
    assert "http://localhost:9000" in development
    assert "http://127.0.0.1:9000" in development
    assert "http://[::1]:9000" in development
    assert "http://localhost:9001" not in development
    production = TrustedOrigins(
        settings(base_url="http://127.0.0.1:9000", env="production", secret="x" * 40)
    )
    assert "http://localhost:9000" not in production
    public = TrustedOrigins(settings(base_url="https://jobs.example.com"))
    assert "https://localhost" not in public


def _serve(tmp_path: Path, port: int, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], Path]:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("WEGOTWORK_")
    }
    environment.update({"WEGOTWORK_DATA_DIR": str(tmp_path), **env})
    log = tmp_path / "serve.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "wegotwork", "serve", "--port", str(port)],
        env=environment,
        cwd=tmp_path,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        ready = wait_until_ready(f"http://127.0.0.1:{port}", process, log, 60)
    except RuntimeError as exited:
        pytest.fail(str(exited))
    if ready:
        return process, log
    process.kill()
    pytest.fail(f"serve did not become ready: {log.read_text()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.mark.slow
def test_serve_on_another_port_accepts_a_sign_up_from_either_loopback_name(
    tmp_path: Path,
) -> None:
    port = free_port()
    process, log = _serve(tmp_path, port, {})
    try:
        for number, host in enumerate(("127.0.0.1", "localhost")):
            origin = f"http://{host}:{port}"
            response = httpx.post(
                f"http://127.0.0.1:{port}/sign-up",
                data={
                    "name": "New Person",
                    "email": f"new{number}@example.com",
                    "password": "a long enough password",
                },
                headers={"origin": origin, "host": f"{host}:{port}"},
            )
            assert response.status_code == 303, response.text
            assert response.headers["location"] == "/dashboard"
    finally:
        _stop(process)
    assert "warning" not in log.read_text()


@pytest.mark.slow
def test_serve_warns_once_when_the_base_url_disagrees(tmp_path: Path) -> None:
    port = free_port()
    process, log = _serve(tmp_path, port, {"WEGOTWORK_BASE_URL": "http://127.0.0.1:8000"})
    _stop(process)
    warnings = [line for line in log.read_text().splitlines() if "warning:" in line]
    assert warnings == [
        f"warning: WEGOTWORK_BASE_URL is http://127.0.0.1:8000 but the server listens on "
        f"http://127.0.0.1:{port}: links in mail point there and forms sent from another "
        "address are refused"
    ]
