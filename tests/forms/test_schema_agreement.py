"""The published JSON Schema and the server agree: every payload is fed both to an independent
Draft 2020-12 validator (over the schema from ``GET /api/v1/public/jobs/{id}/form``) and to the
server (multipart, as a client sends it), and the two verdicts must match."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from tests.fixtures.world import World
from tests.forms.helpers import put_form, send
from wegotwork.models import Job

pytestmark = pytest.mark.usefixtures("dialect")

QUESTIONS: list[dict[str, Any]] = [
    {"label": "Right to work?", "kind": "yes_no", "required": True},
    {"label": "Years", "kind": "number", "required": True, "min": 1, "max": 40},
    {"label": "Mode", "kind": "single_choice", "required": False, "options": ["A", "B"]},
    {"label": "Stack", "kind": "multiple_choice", "required": False, "options": ["X", "Y", "Z"]},
    {"label": "Site", "kind": "url", "required": False},
    {"label": "Note", "kind": "short_text", "required": False},
]

# (answers by question index, or by a raw id) — each a JSON answer object and its multipart
# parts. Numbers in JSON are numbers; in multipart decimal strings.
CASES: list[tuple[str, dict[Any, Any]]] = [
    ("all good", {0: "yes", 1: 5, 2: "A", 3: ["X", "Z"], 4: "https://a.dev", 5: "hi"}),
    ("only required", {0: "no", 1: 40}),
    ("low bound", {0: "yes", 1: 1}),
    ("decimal", {0: "yes", 1: 2.5}),
    ("too few years", {0: "yes", 1: 0}),
    ("too many years", {0: "yes", 1: 41}),
    ("not yes or no", {0: "perhaps", 1: 3}),
    ("missing required", {1: 3}),
    ("bad choice", {0: "yes", 1: 3, 2: "C"}),
    ("bad multiple", {0: "yes", 1: 3, 3: ["X", "W"]}),
    ("not http", {0: "yes", 1: 3, 4: "javascript:alert(1)"}),
    ("unknown id", {0: "yes", 1: 3, "zzz": "x"}),
    ("too long", {0: "yes", 1: 3, 5: "x" * 301}),
]


def _multipart(ids: list[str], answers: dict[Any, Any]) -> list[tuple[str, str]]:
    parts: list[tuple[str, str]] = []
    for key, value in answers.items():
        qid = ids[key] if isinstance(key, int) else key
        values = value if isinstance(value, list) else [value]
        parts += [(qid, str(item)) for item in values]
    return parts


def _instance(ids: list[str], answers: dict[Any, Any]) -> dict[str, Any]:
    return {
        "name": "Ada Lovelace",
        "email": f"ada.{secrets.token_hex(3)}@example.com",
        "resume": "cv.pdf",
        "answers": {
            (ids[key] if isinstance(key, int) else key): value for key, value in answers.items()
        },
    }


async def test_the_schema_accepts_exactly_what_the_server_accepts(world: World, job: Job) -> None:
    job_id = job.id
    ids = [q["id"] for q in await put_form(world.api("member"), job_id, QUESTIONS)]
    schema = (await world.anonymous.get(f"/api/v1/public/jobs/{job_id}/form")).json()
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    verdicts = []
    for name, answers in CASES:
        schema_ok = validator.is_valid(_instance(ids, answers))
        response = await send(world.anonymous, job_id, _multipart(ids, answers))
        assert response.status_code in (201, 422), (name, response.text)
        verdicts.append((name, schema_ok, response.status_code == 201))
    assert [v for v in verdicts if v[1] != v[2]] == []
    # Both kinds were exercised.
    assert {v[1] for v in verdicts} == {True, False}
