"""JSON Schema form validation per application, timed server-side on PostgreSQL.

A job with a realistic application form (12 questions of every kind, two with a knockout, and
a privacy notice to consent to) in a database of its own (``<BENCH_DATABASE>_forms``, dropped
afterwards). Timed, median of many calls: what the intake does to validate one application's
answers (the multipart values turned into the schema's instance, the job's schema built, every
error collected by the Draft 2020-12 validator), its parts alone, and a whole application with
a 200 KB résumé and the 12 answers through the app in process (server time without the
network), so validation shows as a share of an application's cost.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from bench.inprocess import app_on, database_named, drop_database, is_quick, median, timed
from bench.pipeline_board import fresh_database
from bench.profile import profile_calls
from bench.report import Figure, Report
from bench.scenarios import Config, pdf_200kb
from wegotwork.db import Database, create_engine, new_id
from wegotwork.forms import actions as form_actions
from wegotwork.forms import queries as form_queries
from wegotwork.forms import schema as form_schema
from wegotwork.forms.rules import QuestionSpec
from wegotwork.models import Job, JobStatus, Member, Organization, QuestionKind, Role, User
from wegotwork.pipelines.actions import create_default_pipeline
from wegotwork.tenancy.guard import resolve

SECTION = "Form validation (JSON Schema, per application, server-side, PostgreSQL)"
TARGET_MS = 1.0  # validating one application's answers
TARGET_SHARE = 5.0  # % of the whole application
OWNER = "forms-owner@bench.example"

QUESTIONS = [
    QuestionSpec("Current job title", QuestionKind.SHORT_TEXT, required=True),
    QuestionSpec("Where are you based?", QuestionKind.SHORT_TEXT),
    QuestionSpec(
        "Tell us about a project you are proud of",
        QuestionKind.LONG_TEXT,
        required=True,
        help_text="A few paragraphs are plenty.",
    ),
    QuestionSpec("Anything else we should know?", QuestionKind.LONG_TEXT),
    QuestionSpec(
        "How did you hear about us?",
        QuestionKind.SINGLE_CHOICE,
        required=True,
        options=["LinkedIn", "A friend", "Conference", "Newsletter", "Job board", "Other"],
    ),
    QuestionSpec(
        "Which of these have you used in production?",
        QuestionKind.MULTIPLE_CHOICE,
        options=["Python", "PostgreSQL", "Kubernetes", "Terraform", "React", "Go", "Rust", "AWS"],
    ),
    QuestionSpec(
        "Are you allowed to work in the EU?",
        QuestionKind.YES_NO,
        required=True,
        knockout={"rejectIf": ["no"]},
    ),
    QuestionSpec("Do you need a visa sponsorship?", QuestionKind.YES_NO),
    QuestionSpec(
        "Years of professional experience",
        QuestionKind.NUMBER,
        required=True,
        min_value=Decimal(0),
        max_value=Decimal(60),
        knockout={"min": 2},
    ),
    QuestionSpec("Salary expectation (EUR per year)", QuestionKind.NUMBER, min_value=Decimal(0)),
    QuestionSpec("Portfolio or GitHub", QuestionKind.URL),
    QuestionSpec("Cover letter", QuestionKind.FILE),
]
LONG_ANSWER = (
    "I led the migration of our billing system from a monolith to three services, with zero "
    "downtime and a rollback plan we never needed. " * 8
)


def answers_for(question_ids: Sequence[str]) -> dict[str, list[str]]:
    """A complete, valid set of answers (the cover letter apart: a file)."""
    values = [
        ["Backend Engineer"],
        ["Berlin"],
        [LONG_ANSWER],
        ["Nothing more, thank you."],
        ["Conference"],
        ["Python", "PostgreSQL", "AWS"],
        ["Yes"],
        ["no"],
        ["7"],
        ["85000"],
        ["https://github.com/bench-candidate"],
    ]
    return dict(zip(question_ids, values, strict=False))


async def _seed(url: str) -> tuple[str, list[str]]:
    """The organization, its owner, the job and its form; (job id, question ids)."""
    database = Database(create_engine(url, pool_size=2))
    try:
        async with database.sessionmaker() as db:
            owner = User(id=new_id(), name="Forms Owner", email=OWNER, email_verified=True)
            organization = Organization(id=new_id(), name="Forms Bench", slug="forms-bench")
            db.add_all([owner, organization])
            await db.flush()
            db.add(Member(organization_id=organization.id, user_id=owner.id, role=Role.OWNER))
            pipeline = await create_default_pipeline(db, organization.id)
            job = Job(
                organization_id=organization.id,
                title="Backend Engineer",
                status=JobStatus.PUBLISHED,
                pipeline_id=pipeline.id,
            )
            db.add(job)
            await db.commit()
            ctx = await resolve(db, owner, organization_id=organization.id)
            questions = await form_actions.set_questions(db, ctx, job.id, QUESTIONS)
            await form_actions.set_privacy_notice(db, ctx, "https://example.com/privacy")
            await db.commit()
            return job.id, [question.id for question in questions]
    finally:
        await database.dispose()


def _validate_as_intake(
    form: form_schema.Form,
    fields: Mapping[str, str],
    answers: Mapping[str, Sequence[str]],
    files: Mapping[str, str],
) -> dict[str, Any]:
    """What ``applicants.intake`` does with a received application's values."""
    instance = form_schema.application_instance(form, fields, answers, files, consent="true")
    errors = form_schema.validate(form, form_schema.build_schema(form), instance)
    assert not errors, errors
    return instance


def bench(config: Config, data: object, report: Report) -> None:
    with database_named("forms") as name:
        try:
            asyncio.run(_measure(config, report))
        finally:
            asyncio.run(drop_database(config.postgres, name))


async def _measure(config: Config, report: Report) -> None:
    quick = is_quick(config)
    url = await fresh_database()
    job_id, question_ids = await _seed(url)
    async with app_on(url) as app:
        form = await form_queries.public_form(app.database, job_id)
        fields = {
            "name": "Bench Candidate",
            "email": "candidate@bench.example",
            "motivation": "I would like to join because I like building things.",
            "linkedIn": "https://www.linkedin.com/in/bench-candidate",
        }
        answers = answers_for(question_ids)
        files = {"resume": "cv.pdf", question_ids[-1]: "cover-letter.pdf"}
        calls = 200 if quick else 2000

        async def whole() -> object:
            return _validate_as_intake(form, fields, answers, files)

        schema = form_schema.build_schema(form)
        instance = await whole()
        validator = form_schema.validator_for(schema)

        async def instance_only() -> object:
            return form_schema.application_instance(form, fields, answers, files, consent="true")

        async def schema_only() -> object:
            return form_schema.build_schema(form)

        async def validator_only() -> object:
            return form_schema.validator_for(schema)

        async def errors_only() -> object:
            return list(validator.iter_errors(instance))

        validation = await timed(whole, calls)
        parts = {
            "the instance from the multipart values": await timed(instance_only, calls),
            "the job's schema built": await timed(schema_only, calls),
            "the Draft 2020-12 validator made for it": await timed(validator_only, calls),
            "iter_errors on a ready validator": await timed(errors_only, calls),
        }
        report.add(
            SECTION,
            f"validating one application ({len(QUESTIONS)} questions, consent) as the intake does",
            time=Figure(validation, "ms"),
            note=f"median of {calls}",
        )
        for label, samples in parts.items():
            report.add(SECTION, f"… of which {label}", time=Figure(samples, "ms"))

        pdf = pdf_200kb().read_bytes()
        stamp = time.time_ns()
        counter = iter(range(10**9))
        answer_parts = {
            form_schema.answer_field(question_id): values for question_id, values in answers.items()
        }

        async def apply() -> object:
            number = next(counter)
            response = await app.client.post(
                f"/api/v1/public/jobs/{job_id}/applications",
                data={
                    **fields,
                    "email": f"forms-{stamp}-{number}@bench.example",
                    "consent": "true",
                    **answer_parts,
                },
                files=[
                    ("resume", ("cv.pdf", pdf, "application/pdf")),
                    (
                        form_schema.answer_field(question_ids[-1]),
                        ("cover-letter.pdf", pdf[:20_000], "application/pdf"),
                    ),
                ],
            )
            assert response.status_code == 201, response.text
            return response

        apply_calls = 20 if quick else 200
        applications = await timed(apply, apply_calls)
        report.add(
            SECTION,
            "a whole application with a 200 KB résumé, the answers and a cover letter "
            "(in-process POST, committed)",
            time=Figure(applications, "ms"),
            note=f"median of {apply_calls}",
        )
        share = 100 * median(validation) / median(applications)
        report.ratio(
            SECTION, "validating one application, ms", median(validation), TARGET_MS, at_most=True
        )
        report.ratio(
            SECTION,
            "validation / whole application, % of its server time",
            share,
            TARGET_SHARE,
            at_most=True,
        )
        report.note(
            SECTION,
            f"Validation is {share:.2f} % of an application's server time here. Targets chosen "
            f"for this path: ≤ {TARGET_MS:g} ms and ≤ {TARGET_SHARE:g} % of an application.",
        )
        found = await profile_calls(
            "form validation of one application (as the intake)", whole, calls
        )
        if found:
            report.profile(found)
        found = await profile_calls(
            "applying with a 200 KB résumé and a 12-question form (in-process POST)",
            apply,
            apply_calls,
        )
        if found:
            report.profile(found)
