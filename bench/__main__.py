"""``python -m bench [all|data|b1|b2|b3|b4|b5] [--quick]``: run the benchmarks and write
bench/RESULTS.md. See bench/README.md."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bench import postings, scenarios
from bench.report import Report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "which",
        nargs="*",
        default=["all"],
        help="all (default), data, b1 … b7",
    )
    parser.add_argument(
        "--quick", action="store_true", help="shorter runs (for trying the harness, not results)"
    )
    parser.add_argument(
        "--no-write", action="store_true", help="print the results without writing RESULTS.md"
    )
    args = parser.parse_args(argv)
    which = set(args.which)
    if "all" in which:
        which = {"b1", "b2", "b3", "b4", "b5", "b6", "b7"}
    config = scenarios.Config.from_env(quick=args.quick)
    report = Report.start(config)
    data = asyncio.run(scenarios.prepare_data(config))
    if "data" in which and len(which) == 1:
        print("Benchmark data ready.")
        return 0
    for name in ("b1", "b2", "b3", "b4", "b5"):
        if name in which:
            getattr(scenarios, name)(config, data, report)
    for name in ("b6", "b7"):
        if name in which:
            getattr(postings, name)(config, data, report)
    report.print()
    if not args.no_write:
        path = report.write(partial=which != {"b1", "b2", "b3", "b4", "b5", "b6", "b7"})
        print(f"Wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
