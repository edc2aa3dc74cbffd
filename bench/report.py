"""Collect figures as min–median–max over repetitions, ratios against baselines from the same
run, and write them to bench/RESULTS.md."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=HERE,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


@dataclass
class Figure:
    """One measured quantity over repetitions."""

    values: list[float]
    unit: str

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    def render(self) -> str:
        low, mid, high = min(self.values), self.median, max(self.values)
        if len(self.values) == 1:
            return f"{_fmt(mid)} {self.unit}"
        return f"{_fmt(low)} – **{_fmt(mid)}** – {_fmt(high)} {self.unit}"


def _fmt(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


@dataclass
class Row:
    section: str
    name: str
    figures: dict[str, Figure]
    note: str = ""


@dataclass
class Ratio:
    section: str
    name: str
    value: float
    target: str
    met: bool | None
    note: str = ""


@dataclass
class Chart:
    """An SVG file in bench/ (cost against data size), linked from the report."""

    section: str
    title: str
    path: Path


@dataclass
class ProfileFrames:
    """Where one path's time went: the functions with the most time of their own, and the
    share of each package, from a pyinstrument profile of ``calls`` calls."""

    path: str
    calls: int
    ms_per_call: float
    functions: list[tuple[str, float]]  # (function and place, share of the whole)
    packages: list[tuple[str, float]]  # (package, share of the whole)


@dataclass
class Report:
    config: Any
    started: datetime
    rows: list[Row] = field(default_factory=list)
    ratios: list[Ratio] = field(default_factory=list)
    notes: dict[str, list[str]] = field(default_factory=dict)
    charts: list[Chart] = field(default_factory=list)
    profiles: list[ProfileFrames] = field(default_factory=list)
    loads: list[str] = field(default_factory=list)

    @classmethod
    def start(cls, config: Any) -> Report:
        return cls(config, datetime.now(UTC))

    def add(self, section: str, name: str, note: str = "", **figures: Figure) -> Row:
        row = Row(section, name, figures, note)
        self.rows.append(row)
        print(f"[{section}] {name}: " + ", ".join(f"{k}={v.render()}" for k, v in figures.items()))
        return row

    def ratio(
        self,
        section: str,
        name: str,
        value: float,
        target: float | None = None,
        *,
        at_most: bool = False,
        note: str = "",
    ) -> None:
        if target is None:
            met, text = None, "—"
        elif at_most:
            met, text = value <= target, f"≤ {target:g}"
        else:
            met, text = value >= target, f"≥ {target:g}"
        self.ratios.append(Ratio(section, name, value, text, met, note))
        print(f"[{section}] ratio {name}: {value:.2f} (target {text})")

    def note(self, section: str, text: str) -> None:
        self.notes.setdefault(section, []).append(text)

    def chart(self, section: str, title: str, path: Path) -> None:
        self.charts.append(Chart(section, title, path))

    def profile(self, frames: ProfileFrames) -> None:
        self.profiles.append(frames)
        top = ", ".join(f"{name} {share:.0%}" for name, share in frames.functions[:3])
        print(f"[profile] {frames.path}: {frames.ms_per_call:.2f} ms per call; {top}")

    def load_average(self, label: str) -> str:
        """Record the machine's load average now (beside the figures measured then)."""
        try:
            load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
        except OSError:
            load = "unknown"
        text = f"{label}: {load}"
        self.loads.append(text)
        return load

    def print(self) -> None:
        print(self.markdown())

    def markdown(self) -> str:
        lines = [
            "# Benchmark results",
            "",
            f"- Date: {self.started:%Y-%m-%d %H:%M} UTC, commit `{git_commit()}`",
            f"- Machine: {os.cpu_count()} cores, {cpu_model()}, "
            f"{platform.system()} {platform.release()}, Python {platform.python_version()}",
            f"- Load: wrk, {self.config.connections} connections unless stated, "
            f"{self.config.duration:g} s per run after a {self.config.warmup:g} s warm-up, "
            f"{self.config.repetitions} repetitions; figures are min – **median** – max.",
            f"- Servers: {self.config.workers} worker processes each, on the same machine as "
            "PostgreSQL and the load generator.",
            "",
            "Reproduce with `python -m bench` (see bench/README.md).",
            "",
            "## Ratios and targets (medians, same run)",
            "",
            "| bench | ratio | value | target | met |",
            "| --- | --- | --- | --- | --- |",
        ]
        findings = HERE / "FINDINGS.md"
        headings = _headings(findings.read_text()) if findings.exists() else []
        unexplained: list[Ratio] = []
        for ratio in self.ratios:
            met = {True: "yes", False: "**no**", None: "—"}[ratio.met]
            if ratio.met is False:
                anchor = _finding_for(ratio.section, headings)
                if anchor:
                    met += f" ([why](#{anchor}))"
                else:
                    unexplained.append(ratio)
            note = f" ({ratio.note})" if ratio.note else ""
            cells = [ratio.section, ratio.name + note, f"{ratio.value:.2f}", ratio.target, met]
            lines.append("| " + " | ".join(cells) + " |")
        if unexplained:
            lines += [
                "",
                _UNEXPLAINED + "; ".join(f"{r.section}: {r.name}" for r in unexplained) + ".",
            ]
        if self.loads:
            lines += ["", "Load average (1, 5, 15 min) when each part started: "]
            lines += [f"- {text}" for text in self.loads]
        sections: dict[str, list[Row]] = {}
        for row in self.rows:
            sections.setdefault(row.section, []).append(row)
        for section, rows in sections.items():
            lines += ["", f"## {section}", ""]
            keys: list[str] = []
            for row in rows:
                keys += [key for key in row.figures if key not in keys]
            lines.append("| measurement | " + " | ".join(keys) + " |")
            lines.append("| --- | " + " | ".join("---" for _ in keys) + " |")
            for row in rows:
                cells = [row.figures[key].render() if key in row.figures else "" for key in keys]
                note = f" — {row.note}" if row.note else ""
                lines.append(f"| {row.name}{note} | " + " | ".join(cells) + " |")
            for text in self.notes.get(section, []):
                lines += ["", text]
            for chart in self.charts:
                if chart.section == section:
                    lines += ["", f"![{chart.title}]({chart.path.name})"]
        for section, texts in self.notes.items():
            if section not in sections:
                lines += ["", f"## {section}", "", *texts]
        if self.profiles:
            lines += _profiles_markdown(self.profiles)
        if findings.exists():
            # Profiles, causes and before/after figures of past changes, written by hand (they
            # begin with FINDINGS_HEADING; ``refresh_findings`` brings a written report's copy
            # up to date).
            lines += ["", findings.read_text().rstrip()]
        return "\n".join(lines) + "\n"

    def write(self, *, partial: bool = False) -> Path:
        path = HERE / ("RESULTS.partial.md" if partial else "RESULTS.md")
        path.write_text(self.markdown())
        raw = HERE / "out" / "results.json"
        raw.parent.mkdir(parents=True, exist_ok=True)
        raw.write_text(
            json.dumps(
                [
                    {
                        "section": r.section,
                        "name": r.name,
                        "figures": {k: v.values for k, v in r.figures.items()},
                    }
                    for r in self.rows
                ]
                + [
                    {
                        "ratio": r.name,
                        "section": r.section,
                        "value": r.value,
                        "target": r.target,
                        "met": r.met,
                    }
                    for r in self.ratios
                ],
                indent=1,
            )
        )
        return path


FINDINGS_HEADING = "## Findings: profiles, causes, and what changed"
_UNEXPLAINED = "Not met and without a finding in bench/FINDINGS.md yet: "


def refresh_findings(path: Path = HERE / "RESULTS.md") -> list[str]:
    """Bring a written report up to date with bench/FINDINGS.md without measuring again: its
    copy of the findings, each "not met" row's link to its finding and the list of misses
    without one. Findings are written by hand after a run has shown what missed. Returns the
    misses still without a finding."""
    findings = (HERE / "FINDINGS.md").read_text().rstrip()
    headings = _headings(findings)
    text = path.read_text()
    if FINDINGS_HEADING in text:
        text = text[: text.index(FINDINGS_HEADING)].rstrip("\n") + "\n"
    lines: list[str] = []
    unexplained: list[str] = []
    for line in text.splitlines():
        if line.startswith(_UNEXPLAINED):
            continue
        cells = line.split(" | ")
        if line.startswith("| ") and len(cells) == 5 and cells[4].startswith("**no**"):
            section = cells[0].removeprefix("| ")
            anchor = _finding_for(section, headings)
            cells[4] = "**no**" + (f" ([why](#{anchor})) |" if anchor else " |")
            if not anchor:
                unexplained.append(f"{section}: {cells[1]}")
            line = " | ".join(cells)
        if line or (lines and lines[-1]):  # one blank line where a removed line was
            lines.append(line)
    if unexplained:
        table_end = max(i for i, line in enumerate(lines) if "**no**" in line) + 1
        lines[table_end:table_end] = ["", _UNEXPLAINED + "; ".join(unexplained) + "."]
    path.write_text("\n".join(lines).rstrip("\n") + "\n\n" + findings + "\n")
    return unexplained


def _slug(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading."""
    kept = "".join(c for c in heading.lower() if c.isalnum() or c in " -_")
    return kept.strip().replace(" ", "-")


def _headings(text: str) -> list[str]:
    return [line.lstrip("#").strip() for line in text.splitlines() if line.startswith("#")]


def _finding_for(section: str, headings: list[str]) -> str:
    """The anchor of the finding about a bench (its number, e.g. "B3", or the first word of its
    section), or "" when FINDINGS.md has none."""
    key = section.split()[0].lower()
    for heading in headings:
        words = heading.lower().replace(",", " ").replace(":", " ").split()
        if key in words:
            return _slug(heading)
    return ""


def _profiles_markdown(profiles: list[ProfileFrames]) -> list[str]:
    lines = [
        "",
        "## Where the time goes",
        "",
        "pyinstrument over the calls of each path, in-process, in the same run (wall time, so "
        "time waiting on PostgreSQL shows as the await or the driver's frames, and on a loaded "
        "machine the time the process waits for a core shows in whatever frame it was in, often "
        "`socket.send`). Functions by the time spent in them (not in what they call), and the "
        "share of each package.",
    ]
    for frames in profiles:
        lines += [
            "",
            f"### {frames.path}",
            "",
            f"{frames.calls} calls, {_fmt(frames.ms_per_call)} ms each under the profiler. "
            "By package: " + ", ".join(f"{name} {share:.0%}" for name, share in frames.packages),
            "",
            "| function (own time) | share |",
            "| --- | --- |",
        ]
        lines += [f"| `{name}` | {share:.1%} |" for name, share in frames.functions]
    return lines
