"""An integrator's generated client works: ``openapi-python-client`` turns the live
``/openapi.json`` into a Python package, and that package alone signs in, creates an
organization and a job, publishes it, applies with a résumé and moves the applicant to another
stage. A wrong schema, a missing status or an unresolvable reference fails here.

Every operation's module must import, but for the two whose body may be JSON or a form
(``sign-in/email`` and ``sign-up/email``, as Better Auth accepts both): for an operation with
two request media types, openapi-python-client 0.29.1 writes ``Unset`` in a signature without
importing it. The client signs in through its own HTTP connection instead."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.applicants.helpers import pdf_bytes
from tests.fixtures.python_tools import python_tool

GENERATOR = ("openapi-python-client", "0.29.1")
# Operation modules the generator writes wrongly (see the module docstring).
UNIMPORTABLE = {
    "sign_in_email_api_auth_sign_in_email_post",
    "sign_up_email_api_auth_sign_up_email_post",
}
PACKAGE = "wegotwork_client"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Where the client of each document (by its text) was generated."""
    made: dict[str, Any] = {"root": tmp_path_factory.mktemp("generated")}
    yield made
    for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
        del sys.modules[name]


def generate(document: dict[str, Any], generated: dict[str, Any]) -> ModuleType:
    """The client package generated from ``document`` (once per document)."""
    text = json.dumps(document, sort_keys=True)
    if generated.get("text") == text:
        return importlib.import_module(PACKAGE)
    assert "text" not in generated, "the document differs between the two databases"
    root: Path = generated["root"]
    (root / "openapi.json").write_text(text)
    (root / "config.yaml").write_text("post_hooks: []\n")
    command = python_tool(*GENERATOR, "openapi-python-client")
    result = subprocess.run(
        [
            str(command),
            "generate",
            "--path",
            str(root / "openapi.json"),
            "--config",
            str(root / "config.yaml"),
            "--meta",
            "none",
            "--output-path",
            str(root / PACKAGE),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Anything the generator could not turn into code is reported as a warning.
    assert "Warning" not in result.stdout, result.stdout
    generated["text"] = text
    sys.path.insert(0, str(root))
    return importlib.import_module(PACKAGE)


def module(package: ModuleType, dotted: str) -> Any:
    return importlib.import_module(f"{package.__name__}.{dotted}")


def operation(package: ModuleType, tag: str, name: str) -> Any:
    """The generated module of an operation, found by the start of its function name."""
    folder = Path(package.__file__ or "").parent / "api" / tag
    [found] = [path.stem for path in folder.glob(f"{name}_*.py")]
    return module(package, f"api.{tag}.{found}")


async def test_a_generated_client_runs_the_hiring_flow(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession, generated: dict[str, Any]
) -> None:
    package = generate((await client.get("/openapi.json")).json(), generated)
    models = module(package, "models")
    types = module(package, "types")
    user = await factories.make_user(db, name="Grace Integrator")
    await db.commit()

    def connect(client_class: Any, **token: str) -> Any:
        """The generated client class, talking to this test's app in process."""
        return client_class(
            base_url=str(client.base_url),
            raise_on_unexpected_status=True,
            httpx_args={"transport": httpx.ASGITransport(app=app)},
            **token,
        )

    operations = Path(package.__file__ or "").parent / "api"
    broken = []
    for path in sorted(operations.glob("*/*.py")):
        if path.stem == "__init__":
            continue
        try:
            module(package, f"api.{path.parent.name}.{path.stem}")
        except NameError:
            broken.append(path.stem)
    assert set(broken) == UNIMPORTABLE

    anonymous = connect(package.Client)
    body = models.SignInEmailApiAuthSignInEmailPostJsonSignIn(
        email=user.email, password=factories.PASSWORD
    )
    # A client of its own for signing in: the cookies it gets are not the candidate's.
    signed_in = (
        await connect(package.Client)
        .get_async_httpx_client()
        .post("/api/auth/sign-in/email", json=body.to_dict())
    )
    assert signed_in.status_code == 200, signed_in.content
    api = connect(package.AuthenticatedClient, token=signed_in.json()["token"])

    created = await operation(package, "organizations", "create_organization").asyncio_detailed(
        client=api, body=models.OrganizationCreate(name="Integrator Inc")
    )
    assert created.status_code == 201, created.content
    organization = created.parsed.organization
    assert organization.name == "Integrator Inc"

    job_created = await operation(package, "jobs", "create_job").asyncio_detailed(
        organization.id,
        client=api,
        body=models.JobCreate(title="Data Engineer", description="<p>Pipelines of data.</p>"),
    )
    assert job_created.status_code == 201, job_created.content
    job = job_created.parsed.job
    assert job.status == models.JobStatus.DRAFT

    published = await operation(package, "jobs", "update_job").asyncio_detailed(
        job.id, client=api, body=models.JobUpdate(status=models.JobStatus.PUBLISHED)
    )
    assert published.status_code == 200, published.content
    assert published.parsed.job.status == models.JobStatus.PUBLISHED

    applied = await operation(package, "applicants", "apply").asyncio_detailed(
        job.id,
        client=anonymous,
        body=models.ApplyApiV1PublicJobsJobIdApplicationsPostBody(
            name="Ada Lovelace",
            email="ada@example.com",
            resume=types.File(
                payload=pdf_bytes("Ada Lovelace"),
                file_name="Ada Lovelace.pdf",
                mime_type="application/pdf",
            ),
        ),
    )
    assert applied.status_code == 201, applied.content

    listed = await operation(package, "applicants", "job_applicants").asyncio_detailed(
        job.id, client=api
    )
    assert listed.status_code == 200, listed.content
    [applicant] = listed.parsed.applicants
    assert applicant.email == "ada@example.com"

    pipeline = await operation(package, "pipelines", "job_pipeline").asyncio_detailed(
        job.id, client=api
    )
    assert pipeline.status_code == 200, pipeline.content
    stages = pipeline.parsed.pipeline.stages
    interview = next(stage for stage in stages if stage.name == "Interview")
    moved = await operation(package, "applicants", "change_status").asyncio_detailed(
        applicant.id, client=api, body=models.ApplicantStatusUpdate(stage_id=interview.id)
    )
    assert moved.status_code == 200, moved.content
    assert moved.parsed.applicant.stage_id == interview.id
    assert moved.parsed.applicant.status == models.ApplicantStatus.INTERVIEW
