"""``python -m bench [all|data|b1 … b10|import|forms|retention|growth|profiles] [--quick]``: run
the benchmarks and write bench/RESULTS.md (with the growth charts, bench/growth-*.svg). See
bench/README.md."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench import data as benchdata
from bench import forms_validation, growth, postings, retention, round2, scenarios
from bench.report import Report, refresh_findings
from bench.scenarios import Config
from wegotwork import migrate

Bench = Callable[[Config, benchdata.Generated, Report], None]

# In the order they run: the HTTP benchmarks first (servers of their own), then the in-process
# ones, the retention run (which works on a copy of the data) and the profiles last.
BENCHES: dict[str, Bench] = {
    "b1": scenarios.b1,
    "b2": scenarios.b2,
    "b3": scenarios.b3,
    "b4": scenarios.b4,
    "b5": scenarios.b5,
    "b6": postings.b6,
    "b7": postings.b7,
    "b8": round2.b8,
    "b9": round2.b9,
    "b10": round2.b10,
    "import": round2.importer_bench,
    "forms": forms_validation.bench,
    "growth": growth.bench,
    "retention": retention.bench,
    "profiles": round2.profiles,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "which",
        nargs="*",
        default=["all"],
        help="all (default), data, findings (refresh RESULTS.md's findings only), "
        + ", ".join(BENCHES),
    )
    parser.add_argument(
        "--quick", action="store_true", help="shorter runs (for trying the harness, not results)"
    )
    parser.add_argument(
        "--no-write", action="store_true", help="print the results without writing RESULTS.md"
    )
    args = parser.parse_args(argv)
    which = set(args.which)
    if which == {"findings"}:
        # After editing bench/FINDINGS.md: its copy and links in RESULTS.md, without a run.
        missing = refresh_findings()
        print("RESULTS.md refreshed; not met without a finding: " + ("; ".join(missing) or "none"))
        return 0
    unknown = which - {"all", "data", *BENCHES}
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    if "all" in which:
        which = set(BENCHES)
    config = Config.from_env(quick=args.quick)
    report = Report.start(config)
    data = asyncio.run(scenarios.prepare_data(config))
    # Data generated earlier is reused: bring it to this checkout's schema (the server refuses
    # to start on an older one), the SQLite copy too when there is one.
    migrate.upgrade(config.database)
    sqlite_file = Path(config.sqlite.removeprefix("sqlite+aiosqlite:///"))
    if sqlite_file.exists():
        migrate.upgrade(config.sqlite)
    if "data" in which and len(which) == 1:
        print("Benchmark data ready.")
        return 0
    for name, bench in BENCHES.items():
        if name not in which:
            continue
        load = report.load_average(name)
        print(f"== {name} (load average {load})", flush=True)
        started = time.monotonic()
        bench(config, data, report)
        print(f"== {name} took {time.monotonic() - started:.0f} s", flush=True)
    report.print()
    if not args.no_write:
        path = report.write(partial=which != set(BENCHES))
        print(f"Wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
