"""Part 5, faults during the load: PostgreSQL restarted, storage unavailable, the server killed
with SIGKILL mid-upload, SIGTERM with uploads in flight — all while SMTP is down, which is then
brought back to see the piled-up mail delivered, once each."""

from __future__ import annotations

import asyncio
import secrets
import shutil
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from resilience import load
from resilience.load import EXPECTED, MixRun
from resilience.phases import Run
from resilience.verify import applications, outbox

SECTION = "5. Faults (each during the load at 70 % of peak)"
LEAD = 5.0  # seconds of normal load before each fault
RECOVERY_LIMIT = 5  # seconds after the cause is gone within which errors must stop


@dataclass(eq=False)
class SlowUpload(threading.Thread):
    """One application sent slowly over a raw socket: ``seconds`` for the whole body, or only
    up to ``stop_at`` (a fraction) and then held until ``release`` is set."""

    host: str
    port: int
    job: str
    pdf: bytes
    seconds: float
    stop_at: float = 1.0
    email: str = field(default_factory=lambda: f"slow-{secrets.token_hex(6)}@load.example")
    status: int | None = None
    error: str = ""
    halfway: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        threading.Thread.__init__(self, daemon=True)

    def body(self) -> tuple[str, bytes]:
        boundary = "----wegotworkslow"
        parts = b""
        for name, value in (
            ("name", "Slow Candidate"),
            ("email", self.email),
            ("motivation", "Uploading over a slow line."),
        ):
            parts += (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            ).encode()
        parts += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="resume"; '
            f'filename="cv.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
        ).encode()
        parts += self.pdf + f"\r\n--{boundary}--\r\n".encode()
        return boundary, parts

    def run(self) -> None:
        boundary, body = self.body()
        head = (
            f"POST /api/v1/public/jobs/{self.job}/applications HTTP/1.1\r\n"
            f"Host: {self.host}:{self.port}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        pieces = 20
        size = -(-len(body) // pieces)
        try:
            with socket.create_connection((self.host, self.port), timeout=30) as sock:
                sock.sendall(head)
                for index in range(pieces):
                    if index >= pieces * self.stop_at:
                        self.halfway.set()
                        self.release.wait(30)
                    sock.sendall(body[index * size : (index + 1) * size])
                    time.sleep(self.seconds / pieces)
                self.halfway.set()
                reply = sock.recv(200).decode("latin-1")
                self.status = int(reply.split()[1]) if reply.startswith("HTTP/") else None
                if self.status is None:
                    self.error = "connection closed without an answer"
        except OSError as exc:
            self.halfway.set()
            self.error = f"{type(exc).__name__}: {exc}"


def _uploads(run: Run, count: int, seconds: float, stop_at: float = 1.0) -> list[SlowUpload]:
    pdf = run.stack.pdf.read_bytes()
    uploads = [
        SlowUpload(
            "127.0.0.1",
            run.stack.port,
            run.stack.jobs[index % len(run.stack.jobs)],
            pdf,
            seconds,
            stop_at,
        )
        for index in range(count)
    ]
    for upload in uploads:
        upload.start()
    return uploads


def _during_load(run: Run, name: str, fault: Callable[[], None]) -> MixRun:
    running = load.start(run.target, name, run.durations.fault, **run.pacing.kwargs())
    try:
        time.sleep(LEAD)
        fault()
    finally:
        mix = running.wait()
    run.runs.append(mix)
    return mix


def _describe(records: list[load.Record]) -> str:
    counts: dict[str, int] = {}
    for record in records:
        key = f"{record.kind} {record.status}"
        counts[key] = counts.get(key, 0) + 1
    return ", ".join(f"{count}× {key}" for key, count in sorted(counts.items())) or "none"


def _failed_after(mix: MixRun, moment: float) -> int:
    """Seconds from ``moment`` to the last failed response (0 if none after it)."""
    late = [r.at for r in mix.records if r.status != EXPECTED[r.kind] and r.at >= int(moment)]
    return max(late) - int(moment) if late else 0


def postgres_restart(run: Run) -> None:
    report, stack = run.report, run.stack
    timing: dict[str, float] = {}

    def fault() -> None:
        started = time.monotonic()
        timing["stopped"], timing["back"] = stack.pg.restart()
        timing["back_at"] = time.time()
        while not stack.ready() and time.monotonic() - started < 60:
            time.sleep(0.05)
        timing["ready"] = time.monotonic() - started

    mix = _during_load(run, "fault-postgres", fault)
    failed = [r for r in mix.records if r.status != EXPECTED[r.kind]]
    unavailable = [r for r in failed if r.status == 503]
    recovery = _failed_after(mix, timing["back_at"])
    applied_after = sum(
        1 for r in mix.records if r.kind == "apply" and r.status == 201 and r.at > timing["back_at"]
    )
    report.line(
        SECTION,
        f"**PostgreSQL restarted** (`pg_ctl restart -m fast`): down for {timing['back']:.1f} s; "
        f"/readyz answered 200 {timing['ready']:.1f} s after the restart began; failed "
        f"responses: {_describe(failed)}; socket errors: {mix.socket_text()}; last failure "
        f"{recovery} s after PostgreSQL was back; {applied_after} applications accepted after.",
    )
    report.check(
        SECTION,
        len(unavailable) == len(failed) and mix.socket_errors == 0,
        "PostgreSQL restart: every failure was a clean 503",
    )
    report.check(
        SECTION,
        all(r.retry_after != "-" for r in unavailable),
        "PostgreSQL restart: every 503 carried Retry-After",
    )
    report.check(
        SECTION,
        recovery <= RECOVERY_LIMIT and applied_after > 0,
        f"PostgreSQL restart: recovered by itself within {RECOVERY_LIMIT} s",
    )
    run.report.headline["postgres"] = (
        f"down {timing['back']:.1f} s, {len(unavailable)} clean 503s with Retry-After, "
        f"the last {recovery} s after it was back"
    )


def _swap_back(directory: Path, away: Path) -> None:
    """Put the stored files back where the fault took them from."""
    if directory.is_file():
        directory.unlink()
    if directory.is_dir():  # created again in between: merge, then swap
        for item in directory.iterdir():
            shutil.move(str(item), away / item.name)
        directory.rmdir()
    away.rename(directory)


def storage_unavailable(run: Run) -> None:
    report, stack = run.report, run.stack
    directory = stack.files / "resumes"
    away = stack.files / "resumes.away"
    window: dict[str, float] = {}
    hold = 8.0

    def fault() -> None:
        directory.rename(away)
        directory.write_text("not a directory: storage unavailable\n")
        window["start"] = time.time()
        time.sleep(hold)
        _swap_back(directory, away)
        window["end"] = time.time()

    mix = _during_load(run, "fault-storage", fault)
    failed = [r for r in mix.records if r.status != EXPECTED[r.kind]]
    refused = [r for r in failed if r.kind == "apply" and r.status == 503]
    inside = [
        r
        for r in mix.records
        if r.kind == "apply" and window["start"] + 1 < r.at < window["end"] - 1
    ]
    accepted_inside = [r for r in inside if r.status == 201]
    state = asyncio.run(applications(stack.pg.plain_url, stack.files, []))
    report.line(
        SECTION,
        f"**Storage unavailable** for {hold:g} s (the résumé directory replaced by a file): "
        f"failed responses: {_describe(failed)}; applications accepted meanwhile: "
        f"{len(accepted_inside)}; afterwards {state.rows_without_file} rows without their file "
        f"({state.partial_files} unfinished upload files of refused applications, left to "
        "`wegotwork storage gc`).",
    )
    report.check(
        SECTION,
        len(refused) == len(failed) and len(refused) > 0 and mix.socket_errors == 0,
        "storage unavailable: applications answered 503, everything else unaffected",
    )
    report.check(
        SECTION,
        state.rows_without_file == 0 and not accepted_inside,
        "storage unavailable: nothing half-written (no row without its file)",
    )
    report.check(
        SECTION,
        _failed_after(mix, window["end"]) <= RECOVERY_LIMIT,
        "storage unavailable: applications accepted again once storage was back",
    )
    run.report.headline["storage"] = (
        f"{len(refused)} applications refused with 503, none half-written"
    )


def _partial_files(run: Run) -> int:
    directory = run.stack.files / "resumes"
    return sum(1 for path in directory.glob(".*.part")) if directory.is_dir() else 0


def sigkill_mid_upload(run: Run) -> None:
    report, stack = run.report, run.stack
    seen: dict[str, float] = {}

    def fault() -> None:
        uploads = _uploads(run, 3, seconds=6, stop_at=0.5)
        for upload in uploads:
            upload.halfway.wait(15)
        time.sleep(0.5)
        seen["partial"] = _partial_files(run)
        stack.kill_server()
        seen["killed_at"] = time.time()
        for upload in uploads:
            upload.release.set()
            upload.join(30)
        seen["answered"] = sum(1 for upload in uploads if upload.status is not None)
        seen["ready"] = stack.start_server()
        seen["back_at"] = time.time()

    mix = _during_load(run, "fault-sigkill", fault)
    outside = [
        r
        for r in mix.records
        if r.status != EXPECTED[r.kind] and not (seen["killed_at"] - 1 <= r.at <= seen["back_at"])
    ]
    failed = [r for r in mix.records if r.status != EXPECTED[r.kind]]
    report.line(
        SECTION,
        f"**SIGKILL mid-upload**: 3 uploads stopped halfway, {seen['partial']:.0f} half-written "
        f"files on disk when the server and its workers were killed; restarted and ready in "
        f"{seen['ready']:.1f} s; while it was down, socket errors (wrk reconnects at once): "
        f"{mix.socket_text()}; failed responses: {_describe(failed)}.",
    )
    report.check(
        SECTION,
        not outside and seen["answered"] == 0,
        "SIGKILL: no failures outside the time the server was down",
    )
    run.report.headline["sigkill"] = (
        f"{seen['partial']:.0f} half-written uploads, restarted in {seen['ready']:.1f} s"
    )


def sigterm_graceful(run: Run) -> None:
    report, stack = run.report, run.stack
    seen: dict[str, float] = {}
    uploads: list[SlowUpload] = []

    def fault() -> None:
        uploads.extend(_uploads(run, 3, seconds=4))
        time.sleep(1.0)
        stack.signal_server(signal.SIGTERM)
        seen["term_at"] = time.time()
        seen["exit"] = stack.wait_server_exit(40)
        for upload in uploads:
            upload.join(30)
        seen["ready"] = stack.start_server()
        seen["back_at"] = time.time()

    mix = _during_load(run, "fault-sigterm", fault)
    statuses = [upload.status for upload in uploads]
    run.extra_acknowledged += [upload.email for upload in uploads if upload.status == 201]
    outside = [
        r
        for r in mix.records
        if r.status != EXPECTED[r.kind] and not (seen["term_at"] - 1 <= r.at <= seen["back_at"])
    ]
    failed = [r for r in mix.records if r.status != EXPECTED[r.kind]]
    report.line(
        SECTION,
        f"**SIGTERM with 3 slow uploads in flight** (4 s each, signal after 1 s): the uploads "
        f"answered {statuses}; the server exited {seen['exit']:.1f} s after the signal; "
        f"restarted in {seen['ready']:.1f} s; while it was away, socket errors (wrk reconnects "
        f"at once): {mix.socket_text()}; failed responses: {_describe(failed)}.",
    )
    report.check(
        SECTION,
        statuses == [201, 201, 201],
        "SIGTERM: in-flight uploads finished with 201",
    )
    report.check(
        SECTION,
        not outside,
        "SIGTERM: no failures outside the time the server was away",
    )
    run.report.headline["sigterm"] = f"in-flight uploads answered {statuses}"


def run_all(run: Run) -> None:
    report, stack = run.report, run.stack
    stack.smtp.stop()
    down_at = time.monotonic()
    report.line(SECTION, "SMTP stopped before the first fault; it stays down through all four.")
    for drill in (postgres_restart, storage_unavailable, sigkill_mid_upload, sigterm_graceful):
        try:
            drill(run)
        except Exception as exc:
            report.check(SECTION, False, f"{drill.__name__} could not run: {exc}")
            if not stack.ready():
                stack.start_server()
    smtp_mail(run, down_at)


def smtp_mail(run: Run, down_at: float) -> None:
    report, stack = run.report, run.stack
    url = stack.pg.plain_url
    piled = asyncio.run(outbox(url))
    received_before = stack.smtp.received
    down_for = time.monotonic() - down_at
    stack.smtp.start()
    back = time.monotonic()
    state = piled
    while time.monotonic() - back < 90:
        state = asyncio.run(outbox(url))
        if state.pending == 0:
            break
        time.sleep(0.5)
    delivered_in = time.monotonic() - back
    duplicates = stack.smtp.duplicates()
    unexpected = stack.smtp.ids() - state.ids_sent
    report.line(
        SECTION,
        f"**SMTP unavailable** for {down_for / 60:.1f} minutes: {piled.pending} messages waited "
        f"in the outbox ({piled.retried} of them retried with backoff meanwhile); after SMTP "
        f"came back all were delivered in {delivered_in:.1f} s; "
        f"{stack.smtp.received - received_before} delivered then, {state.sent} in all, "
        f"{duplicates} twice.",
    )
    report.check(SECTION, state.pending == 0, f"SMTP: outbox empty ({state.pending} left)")
    report.check(
        SECTION,
        duplicates == 0 and not unexpected and stack.smtp.received == state.sent,
        f"SMTP: every message delivered once ({stack.smtp.received} received, "
        f"{state.sent} marked sent, {duplicates} duplicates)",
    )
    report.check(SECTION, piled.pending > 0, "SMTP: mail did pile up while SMTP was down")
    run.report.headline["smtp"] = (
        f"{piled.pending} messages held {down_for / 60:.1f} min, delivered in "
        f"{delivered_in:.0f} s, 0 twice"
        if duplicates == 0
        else f"{duplicates} sent twice"
    )
