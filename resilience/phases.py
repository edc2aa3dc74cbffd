"""Part 4, the load: the peak of the mix, then the mix at 70 % of it for a bounded time."""

from __future__ import annotations

from dataclasses import dataclass, field

from resilience import load
from resilience.load import MixRun, Target
from resilience.report import Report
from resilience.stack import Stack

SECTION = "4. Load"
SHARE = 0.7
MIX = "careers page 80 %, job pages 10 %, applications with a 200 KB PDF 5 %, dashboard 5 %"


@dataclass
class Durations:
    warmup: float
    peak: float
    load: float
    fault: float

    @classmethod
    def of(cls, quick: bool) -> Durations:
        if quick:
            return cls(warmup=2, peak=4, load=10, fault=14)
        return cls(warmup=3, peak=10, load=60, fault=24)


@dataclass
class Pacing:
    rate: float
    delay_ms: float

    def kwargs(self) -> dict[str, float]:
        return {"rate": self.rate, "delay_ms": self.delay_ms}


@dataclass
class Run:
    """The state shared by the parts: the stack, the load target, every run so far."""

    stack: Stack
    target: Target
    durations: Durations
    report: Report
    pacing: Pacing = field(default_factory=lambda: Pacing(0, 0))
    runs: list[MixRun] = field(default_factory=list)
    extra_acknowledged: list[str] = field(default_factory=list)

    def acknowledged(self) -> list[str]:
        found = [email for mix in self.runs for email in mix.acknowledged]
        return found + self.extra_acknowledged


def _row(label: str, mix: MixRun) -> str:
    r = mix.result
    ack = len(mix.acknowledged)
    errors = len(mix.unexpected()) + mix.socket_errors
    return (
        f"| {label} | {r.rps:.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.requests} | "
        f"{errors} | {ack} |"
    )


def run_load(run: Run) -> None:
    report, target, durations = run.report, run.target, run.durations
    report.line(
        SECTION,
        f"`wegotwork serve --workers 2` (uvicorn, production settings) on a private PostgreSQL; "
        f"wrk with {target.connections} connections; mix: {MIX}.",
    )
    report.line(SECTION, "| run | req/s | p50 ms | p99 ms | requests | errors | applications |")
    report.line(SECTION, "| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    run.runs.append(load.run(target, "warmup", durations.warmup))
    peak = load.run(target, "peak", durations.peak)
    run.runs.append(peak)
    report.line(SECTION, _row(f"peak, as fast as it goes ({durations.peak:g} s)", peak))
    rate = peak.result.rps * SHARE
    # Each connection waits between requests so that together they send ``rate``: the wait is
    # the target's time per request and connection less the time one took at the peak (a
    # little fast, as latency is lower off-peak; the Lua script never runs ahead of ``rate``).
    per_request_ms = 1000 * target.connections
    delay = max(0.0, per_request_ms / rate - per_request_ms / peak.result.rps)
    run.pacing = Pacing(rate, delay)
    steady = load.run(target, "load", durations.load, **run.pacing.kwargs())
    run.runs.append(steady)
    report.line(SECTION, _row(f"70 % of peak ({durations.load:g} s)", steady))
    report.line(
        SECTION,
        f"70 % of the peak is {rate:.0f} req/s; the paced run achieved {steady.result.rps:.0f} "
        f"({steady.result.rps / peak.result.rps:.0%} of the peak).",
    )
    report.headline.update(
        peak=f"{peak.result.rps:.0f}",
        rps=f"{steady.result.rps:.0f}",
        p50=f"{steady.result.p50_ms:.1f}",
        p99=f"{steady.result.p99_ms:.1f}",
    )
    clean = True
    for mix in (peak, steady):
        unexpected = mix.unexpected()
        clean = clean and not unexpected and mix.socket_errors == 0
        report.check(
            SECTION,
            not unexpected and mix.socket_errors == 0,
            f"{mix.name}: {len(unexpected)} unexpected responses, {mix.socket_errors} socket "
            f"errors ({', '.join(sorted({f'{r.kind} {r.status}' for r in unexpected})) or 'none'})",
        )
    report.headline["load_ok"] = "yes" if clean else "no"
    report.line(
        SECTION,
        "Responses at 70 %: "
        + ", ".join(f"{kind} {count}" for kind, count in sorted(steady.by_kind().items())),
    )
