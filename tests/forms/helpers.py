"""Building application forms and multipart applications with answers."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

import httpx

from tests.applicants.helpers import Upload, human_form_token, pdf_bytes

# A five-question form with one knockout ("Right to work" = no disqualifies).
FIVE_QUESTIONS: list[dict[str, Any]] = [
    {
        "label": "Do you have the right to work in Germany?",
        "kind": "yes_no",
        "required": True,
        "knockout": {"rejectIf": ["no"]},
    },
    {
        "label": "Years of Python",
        "kind": "number",
        "required": True,
        "min": 0,
        "max": 60,
    },
    {
        "label": "Preferred work mode",
        "kind": "single_choice",
        "required": True,
        "options": ["Remote", "Hybrid", "Office"],
    },
    {
        "label": "Portfolio",
        "kind": "url",
        "required": False,
        "helpText": "A link to your work",
    },
    {"label": "Work sample", "kind": "file", "required": False},
]


def body(
    fields: Sequence[tuple[str, str]], files: Sequence[tuple[str, Upload]] = ()
) -> tuple[bytes, str]:
    """A multipart body from (name, value) pairs (names may repeat) and (name, file) pairs."""
    boundary = "----forms" + secrets.token_hex(8)
    out = bytearray()
    for name, value in fields:
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        out += value.encode() + b"\r\n"
    for name, upload in files:
        out += (
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="{name}"; filename="{upload.filename}"\r\n'
            f"Content-Type: {upload.content_type}\r\n\r\n"
        ).encode()
        out += upload.content + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def person(email: str | None = None) -> list[tuple[str, str]]:
    return [
        ("name", "Ada Lovelace"),
        ("email", email or f"ada.{secrets.token_hex(3)}@example.com"),
    ]


async def send(
    client: httpx.AsyncClient,
    job_id: str,
    answers: Sequence[tuple[str, str]],
    files: Sequence[tuple[str, Upload]] = (),
    *,
    html_url: str | None = None,
    email: str | None = None,
    extra: Sequence[tuple[str, str]] = (),
    resume: bool = True,
) -> httpx.Response:
    """Apply with ``answers`` ((question id, value) pairs) through the API, or through the
    HTML form at ``html_url`` (with a render token from 30 seconds ago)."""
    fields = [*person(email), *extra]
    fields += [(f"answers[{qid}]", value) for qid, value in answers]
    if html_url is not None and not any(name == "renderedAt" for name, _ in extra):
        fields.append(("renderedAt", human_form_token()))
    uploads = [(f"answers[{qid}]", upload) for qid, upload in files]
    if resume:
        uploads.insert(0, ("resume", Upload("cv.pdf", pdf_bytes())))
    content, content_type = body(fields, uploads)
    url = html_url or f"/api/v1/public/jobs/{job_id}/applications"
    return await client.post(url, content=content, headers={"content-type": content_type})


async def put_form(
    client: httpx.AsyncClient, job_id: str, questions: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    response = await client.put(
        f"/api/v1/jobs/{job_id}/questions",
        json={"questions": FIVE_QUESTIONS if questions is None else questions},
    )
    assert response.status_code == 200, response.text
    saved: list[dict[str, Any]] = response.json()["questions"]
    return saved
