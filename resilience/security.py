"""Parts 1–3: run ``pytest tests/security`` with ``WEGOTWORK_SECURITY_STATS`` set, and report the
figures the tests append there as JSON lines:
``{"part": "fuzz", "dialect": ..., "operations": N, "cases": M, "failures": 0}``,
``{"part": "matrix", "cells": N}``, ``{"part": "attacks", "kind": "xss", "payloads": N}``."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from resilience.report import Report

SECTION = "1–3. Security suite (tests/security)"
ROOT = Path(__file__).resolve().parent.parent
SHARED_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


def _postgres_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


def read_stats(path: Path) -> list[dict[str, Any]]:
    stats = []
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(item, dict):
                stats.append(item)
    return stats


def summarize(stats: list[dict[str, Any]]) -> list[str]:
    lines = []
    fuzz: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    matrix = 0
    attacks: dict[str, int] = defaultdict(int)
    for item in stats:
        part = item.get("part")
        if part == "fuzz":
            label = str(item.get("dialect", "?"))
            if item.get("caller"):
                label += f", {item['caller']}"
            entry = fuzz[label]
            for key in ("operations", "cases", "failures"):
                entry[key] += int(item.get(key, 0))
        elif part == "matrix":
            matrix += int(item.get("cells", 0))
        elif part == "attacks":
            attacks[str(item.get("kind", "?"))] += int(item.get("payloads", 0))
    for dialect, entry in sorted(fuzz.items()):
        lines.append(
            f"API fuzzing ({dialect}): {entry['operations']} operations, {entry['cases']} cases "
            f"tried, {entry['failures']} failures"
        )
    if matrix:
        lines.append(f"Authorization matrix: {matrix} cells checked")
    if attacks:
        lines.append(
            f"Web attack checks: {sum(attacks.values())} payloads tried ("
            + ", ".join(f"{kind} {count}" for kind, count in sorted(attacks.items()))
            + ")"
        )
    return lines


def headline(stats: list[dict[str, Any]]) -> str:
    """The security figures in one short clause: totals over dialects and callers."""
    fuzz = [item for item in stats if item.get("part") == "fuzz"]
    parts = []
    if fuzz:
        cases = sum(int(item.get("cases", 0)) for item in fuzz)
        failures = sum(int(item.get("failures", 0)) for item in fuzz)
        operations = max(int(item.get("operations", 0)) for item in fuzz)
        parts.append(f"{operations} API operations fuzzed with {cases} cases ({failures} failures)")
    cells = sum(int(item.get("cells", 0)) for item in stats if item.get("part") == "matrix")
    if cells:
        parts.append(f"{cells} authorization cells")
    payloads = sum(int(item.get("payloads", 0)) for item in stats if item.get("part") == "attacks")
    if payloads:
        parts.append(f"{payloads} attack payloads")
    return ", ".join(parts)


def run(report: Report) -> None:
    suite = ROOT / "tests" / "security"
    if not suite.is_dir():
        report.line(SECTION, "tests/security does not exist in this checkout yet; not run.")
        return
    with tempfile.TemporaryDirectory(prefix="wegotwork-security-") as directory:
        stats_path = Path(directory) / "stats.jsonl"
        env = {**os.environ, "WEGOTWORK_SECURITY_STATS": str(stats_path)}
        if "WEGOTWORK_TEST_POSTGRES_URL" not in env and _postgres_reachable():
            env["WEGOTWORK_TEST_POSTGRES_URL"] = SHARED_POSTGRES
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "tests/security", "-q", "-p", "no:cacheprovider"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=1800,
        )
        stats = read_stats(stats_path)
    tail = result.stdout.strip().splitlines()[-1:] or ["(no output)"]
    summary = re.sub(r"=+", "", tail[0]).strip()
    report.check(SECTION, result.returncode == 0, f"`pytest tests/security -q`: {summary}")
    if result.returncode != 0:
        print(result.stdout[-4000:], result.stderr[-2000:], sep="\n", file=sys.stderr)
    for line in summarize(stats):
        report.line(SECTION, line)
    if not stats:
        report.line(SECTION, "The tests reported no figures (WEGOTWORK_SECURITY_STATS).")
    fuzz_failures = sum(int(item.get("failures", 0)) for item in stats)
    if fuzz_failures:
        report.check(SECTION, False, f"{fuzz_failures} fuzzing failures reported")
    report.headline["security"] = headline(stats) or summary
