"""Figures for the security report: when ``WEGOTWORK_SECURITY_STATS`` names a file, each part of
the suite appends one JSON line to it (``{"part": "fuzz", "dialect": "sqlite", ...}``)."""

from __future__ import annotations

import json
import os
from pathlib import Path

VARIABLE = "WEGOTWORK_SECURITY_STATS"


def record(part: str, **figures: object) -> None:
    target = os.environ.get(VARIABLE)
    if not target:
        return
    line = json.dumps({"part": part, **figures}, sort_keys=True)
    with Path(target).open("a", encoding="utf-8") as stream:
        stream.write(line + "\n")
