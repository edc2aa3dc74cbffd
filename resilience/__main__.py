"""``python -m resilience [--quick] [--skip-security] [--skip-faults] [--no-write]``: the
security suite's figures, the load test and the fault drills against a real server on a private
PostgreSQL; writes resilience/REPORT.md and exits non-zero if anything failed. See
resilience/README.md."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from resilience import faults, security
from resilience.load import Target
from resilience.phases import Durations, Run, run_load
from resilience.report import Report
from resilience.stack import Stack
from resilience.verify import applications
from wegotwork.seed import DEMO_SLUG

FINAL = "Applications, verified at the end"


def verify_applications(run: Run) -> None:
    report, stack = run.report, run.stack
    acknowledged = run.acknowledged()
    before = asyncio.run(applications(stack.pg.plain_url, stack.files, acknowledged))
    report.line(
        FINAL,
        f"Before `wegotwork storage gc`: {before.orphan_files} unreferenced files, "
        f"{before.partial_files} unfinished uploads (.part) left by the faults.",
    )
    gc = stack.cli("storage", "gc", "--grace-hours", "0")
    report.check(FINAL, gc.returncode == 0, "`wegotwork storage gc --grace-hours 0` ran")
    after = asyncio.run(applications(stack.pg.plain_url, stack.files, acknowledged))
    report.headline.update(acknowledged=str(after.acknowledged), verified=str(after.verified))
    report.check(
        FINAL,
        after.lost == 0 and after.verified == after.acknowledged,
        f"{after.acknowledged} applications acknowledged with 201, {after.verified} verified "
        f"(row and 200 KB file); lost: {after.lost}"
        + (f" (e.g. {(after.missing_rows + after.missing_files)[:3]})" if after.lost else ""),
    )
    report.check(
        FINAL,
        after.rows_without_file == 0,
        f"applicant rows without their file: {after.rows_without_file}",
    )
    report.check(
        FINAL,
        after.orphan_files == 0 and after.partial_files == 0,
        f"after gc: {after.orphan_files} unreferenced files, {after.partial_files} .part files",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m resilience", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs, to try the harness")
    parser.add_argument("--skip-security", action="store_true", help="do not run tests/security")
    parser.add_argument("--skip-faults", action="store_true", help="only the load (part 4)")
    parser.add_argument("--no-write", action="store_true", help="print; do not write REPORT.md")
    parser.add_argument(
        "--connections", type=int, default=16, help="wrk connections (one per thread)"
    )
    args = parser.parse_args(argv)
    command = "python -m resilience" + "".join(
        f" {flag}"
        for flag, on in (
            ("--quick", args.quick),
            ("--skip-security", args.skip_security),
            ("--skip-faults", args.skip_faults),
        )
        if on
    )
    report = Report(command)
    started = time.monotonic()
    if args.skip_security:
        report.line(security.SECTION, "Skipped (--skip-security).")
    else:
        security.run(report)
    stack = Stack()
    try:
        stack.prepare()
        target = Target(
            stack.url,
            stack.pdf,
            DEMO_SLUG,
            stack.jobs,
            stack.cookie,
            stack.data / "load",
            connections=args.connections,
        )
        run = Run(stack, target, Durations.of(args.quick), report)
        run_load(run)
        if not args.skip_faults:
            faults.run_all(run)
        verify_applications(run)
    except Exception as exc:
        report.check("Run", False, f"the run stopped: {type(exc).__name__}: {exc}")
        raise
    finally:
        stack.close()
        report.line("Run", f"{time.monotonic() - started:.0f} s in all.")
        if not args.no_write:
            print(f"Wrote {report.write()}")
    if report.failures:
        print("FAILED:\n  " + "\n  ".join(report.failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
