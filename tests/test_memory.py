"""A worker's memory stays flat after password hashing (see wegotwork.memory)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = """
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from wegotwork.auth.passwords import hash_password_sync as hash_password
from wegotwork.memory import return_large_allocations

def rss_mb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

if sys.argv[1] == "tuned":
    assert return_large_allocations()
hash_password("warm-up password")
before = rss_mb()
with ThreadPoolExecutor(4) as pool:
    list(pool.map(hash_password, [f"password {n}" for n in range(8)]))
print(rss_mb() - before)
"""


def _growth(mode: str) -> float:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, mode],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return float(done.stdout.strip())


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_hashing_passwords_leaves_no_resident_memory_behind() -> None:
    assert _growth("tuned") < 8


async def test_a_worker_collects_young_garbage_in_large_batches(tmp_path: Path) -> None:
    """See wegotwork.memory: the default threshold of 700 put collections in the latency tail."""
    import gc

    from tests.fixtures.app import make_settings
    from wegotwork.app import create_app
    from wegotwork.memory import GC_THRESHOLDS

    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    try:
        app = create_app(make_settings(tmp_path), background=False)
        async with app.router.lifespan_context(app):
            assert gc.get_threshold() == GC_THRESHOLDS
    finally:
        gc.set_threshold(*before)
