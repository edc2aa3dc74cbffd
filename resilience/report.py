"""The Markdown report: each part's figures, each check passed or failed."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

PATH = Path(__file__).with_name("REPORT.md")


def machine() -> str:
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {model}, Linux {platform.release()}"


def headline_text(figures: dict[str, str]) -> str:
    """One paragraph of the figures that matter, for the report's top and the README."""
    parts = []
    if "rps" in figures:
        parts.append(
            f"{figures['rps']} req/s at 70 % of a {figures['peak']} req/s peak, "
            f"p50 {figures['p50']} ms, p99 {figures['p99']} ms, 0 errors"
            if figures.get("load_ok") == "yes"
            else f"{figures['rps']} req/s at 70 % of a {figures['peak']} req/s peak, "
            f"p50 {figures['p50']} ms, p99 {figures['p99']} ms, with errors"
        )
    if "acknowledged" in figures:
        parts.append(
            f"{figures['acknowledged']} applications acknowledged, {figures['verified']} "
            "verified with row and file"
        )
    for key, label in (
        ("postgres", "PostgreSQL restart"),
        ("storage", "storage unavailable"),
        ("sigkill", "SIGKILL mid-upload"),
        ("sigterm", "SIGTERM"),
        ("smtp", "SMTP down"),
    ):
        if key in figures:
            parts.append(f"{label}: {figures[key]}")
    if "security" in figures:
        parts.append(f"security suite: {figures['security']}")
    return "; ".join(parts) + "."


@dataclass
class Report:
    command: str
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    sections: dict[str, list[str]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    headline: dict[str, str] = field(default_factory=dict)

    def line(self, section: str, text: str) -> None:
        self.sections.setdefault(section, []).append(text)
        print(f"[{section}] {text}", flush=True)

    def check(self, section: str, ok: bool, text: str) -> bool:
        self.line(section, f"{'✓' if ok else '✗ FAILED:'} {text}")
        if not ok:
            self.failures.append(f"{section}: {text}")
        return ok

    def render(self) -> str:
        seconds = (datetime.now(UTC) - self.started).total_seconds()
        verdict = "all checks passed" if not self.failures else f"{len(self.failures)} failed"
        out = [
            "# Security and resilience report",
            "",
            f"- Date: {self.started:%Y-%m-%d %H:%M} UTC",
            f"- Machine: {machine()}",
            f"- Command: `{self.command}` ({seconds / 60:.1f} minutes)",
            f"- Result: **{verdict}**",
            "",
        ]
        if self.headline:
            out += ["Headline: " + headline_text(self.headline), ""]
        for title, lines in self.sections.items():
            out += [f"## {title}", ""]
            table = [line for line in lines if line.startswith("|")]
            prose = [line for line in lines if not line.startswith("|")]
            out += table + ([""] if table else [])
            out += [f"- {line}" for line in prose]
            out.append("")
        if self.failures:
            out += ["## Failures", "", *[f"- {failure}" for failure in self.failures], ""]
        return "\n".join(out)

    def write(self, path: Path = PATH) -> Path:
        path.write_text(self.render())
        return path
