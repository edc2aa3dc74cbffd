"""Configuration and the command line: clear one-line errors, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from wegotwork import cli
from wegotwork.settings import ConfigError, Settings, load_settings


def run_cli(
    *args: str, env: dict[str, str], cwd: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("WEGOTWORK_")
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "wegotwork", *args],
        env=environment,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_local_secret_is_generated_once_and_kept(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    first = settings.prepare()
    second = Settings(_env_file=None, data_dir=tmp_path).prepare()  # type: ignore[call-arg]
    assert first == second
    assert len(first) >= 32
    assert (tmp_path / "secret.key").stat().st_mode & 0o077 == 0


def test_production_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, env="production")  # type: ignore[call-arg]
    with pytest.raises(ConfigError, match="WEGOTWORK_SECRET must be set"):
        settings.prepare()


def test_malformed_values_become_config_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEGOTWORK_BASE_URL", "not a url")
    with pytest.raises(ConfigError, match="WEGOTWORK_BASE_URL"):
        load_settings(_env_file=None)


def test_trusted_origins_are_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEGOTWORK_TRUSTED_ORIGINS", "https://a.example, https://b.example/")
    settings = load_settings(_env_file=None)
    assert settings.trusted_origins == ["https://a.example", "https://b.example"]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"WEGOTWORK_DATABASE_URL": "mysql://nope"}, "WEGOTWORK_DATABASE_URL must start with"),
        (
            {"WEGOTWORK_DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1:1/x"},
            "cannot use the database at postgresql+asyncpg://postgres@127.0.0.1:1/x",
        ),
        ({"WEGOTWORK_ENV": "production"}, "WEGOTWORK_SECRET must be set in production"),
        ({"WEGOTWORK_BASE_URL": "ftp://x"}, "WEGOTWORK_BASE_URL"),
    ],
)
def test_bad_configuration_gives_one_clear_line(
    tmp_path: Path, env: dict[str, str], expected: str
) -> None:
    result = run_cli(
        "serve", "--port", "1", env={"WEGOTWORK_DATA_DIR": str(tmp_path), **env}, cwd=tmp_path
    )
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert len([line for line in result.stderr.splitlines() if line.strip()]) <= 3


def test_unwritable_data_dir_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = run_cli(
        "db", "current", env={"WEGOTWORK_DATA_DIR": str(blocker / "data")}, cwd=tmp_path
    )
    assert result.returncode == 2
    assert "is not writable" in result.stderr
    assert "Traceback" not in result.stderr


def _command_paths(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and group under ``command``, as the words that name it."""
    paths = [path]
    if hasattr(command, "commands"):  # a group
        for name, sub in sorted(command.commands.items()):
            paths += _command_paths(sub, (*path, name))
    return paths


def test_every_command_has_help(tmp_path: Path) -> None:
    # The installed entry point, in a process of its own.
    result = run_cli("--help", env={}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout
    # Then every command and group of the command tree, in this process.
    command = typer.main.get_command(cli.app)
    paths = _command_paths(command)
    assert {("serve",), ("db", "upgrade"), ("seed",), ("privacy", "run")} <= set(paths)
    runner = CliRunner()
    for path in paths:
        shown = runner.invoke(cli.app, [*path, "--help"], prog_name="wegotwork")
        assert shown.exit_code == 0, (path, shown.output)
        assert "Usage" in shown.output, path


@pytest.mark.slow
def test_db_commands_migrate_and_report(tmp_path: Path) -> None:
    env = {"WEGOTWORK_DATA_DIR": str(tmp_path / "data")}
    assert "empty" in run_cli("db", "current", env=env, cwd=tmp_path).stdout
    upgraded = run_cli("db", "upgrade", env=env, cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "up to date" in run_cli("db", "current", env=env, cwd=tmp_path).stdout
    downgraded = run_cli("db", "downgrade", "base", env=env, cwd=tmp_path)
    assert downgraded.returncode == 0, downgraded.stderr
    assert "empty" in run_cli("db", "current", env=env, cwd=tmp_path).stdout


@pytest.mark.slow
def test_seed_demo_creates_a_living_organization(tmp_path: Path) -> None:
    import sqlite3

    env = {"WEGOTWORK_DATA_DIR": str(tmp_path / "data")}
    result = run_cli("seed", "--demo", env=env, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "owner@acme.example" in result.stderr
    assert "password" in result.stderr
    with sqlite3.connect(tmp_path / "data" / "wegotwork.db") as connection:
        jobs = connection.execute("select count(*) from job where status='published'").fetchone()[0]
        applicants = connection.execute("select count(*) from applicant").fetchone()[0]
        statuses = connection.execute("select count(distinct status) from applicant").fetchone()[0]
    assert jobs == 12
    assert applicants >= 200
    assert statuses == 6
    again = run_cli("seed", "--demo", env=env, cwd=tmp_path)
    assert again.returncode == 0
    assert "exists already" in again.stderr


def test_an_unknown_http_server_is_refused(tmp_path: Path) -> None:
    result = run_cli(
        "serve", "--server", "gunicorn", env={"WEGOTWORK_DATA_DIR": str(tmp_path)}, cwd=tmp_path
    )
    assert result.returncode == 2
    assert "--server must be uvicorn or granian" in result.stderr


@pytest.mark.slow
async def test_granian_serves_the_app_with_two_workers(tmp_path: Path) -> None:
    import httpx

    from tests.fixtures.live import start_server, stop_server

    server = start_server(
        f"sqlite+aiosqlite:///{tmp_path / 'granian.db'}",
        tmp_path / "data",
        workers=2,
        server="granian",
    )
    try:
        async with httpx.AsyncClient(base_url=server.url) as client:
            assert (await client.get("/readyz")).json()["database"] == "ok"
            landing = await client.get("/")
            assert landing.status_code == 200
            assert landing.headers["x-frame-options"] == "DENY"
    finally:
        # Granian 2.8 now and then leaves a worker hanging on SIGTERM while thread callbacks
        # reach its loop as it stops (emmett-framework/granian#875); `serve` bounds that with
        # workers_kill_timeout (20 s). Stopping is not what this test is about.
        stop_server(server, grace=3)
