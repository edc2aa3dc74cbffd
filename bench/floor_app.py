"""The floor: the least a Python web stack can do for the same requests.

* ``GET /careers``: an equivalent careers page (50 jobs in 5 categories) rendered by Jinja2 from
  an in-memory list on every request — no database, no caching.
* ``POST /apply/{job_id}``: insert the same applicant row WeGotWork's apply would, without a
  file, from a small urlencoded form (the database comes from ``WEGOTWORK_DATABASE_URL``).
"""

from __future__ import annotations

import os
import random
from datetime import UTC, datetime

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from jinja2 import Environment
from sqlalchemy import insert

from wegotwork.db import create_engine, new_id
from wegotwork.models import Applicant

TEMPLATE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Careers at {{ org.name }}</title><link rel="stylesheet" href="/static/app.css"></head>
<body><header><h1>{{ org.name }}</h1><p>{{ org.description }}</p></header><main>
<form method="get" action=""><input type="search" name="q"><select name="category">
{% for category in categories %}
<option value="{{ category.id }}">{{ category.name }}</option>{% endfor %}
</select><button>Filter</button></form>
{% for category in categories %}<section><h2>{{ category.name }}</h2><ul>
{% for job in category.jobs %}<li><a href="/careers/acme/jobs/{{ job.id }}">{{ job.title }}</a>
<span>{{ job.city }}, {{ job.country }}</span> <span>{{ job.type }}</span>
{% if job.remote %}<span>Remote</span>{% endif %}
<time datetime="{{ job.published }}">{{ job.published }}</time></li>{% endfor %}
</ul></section>{% endfor %}</main></body></html>"""

rng = random.Random(1)
CATEGORIES = []
for number, name in enumerate(
    ["Software Development", "Finance", "Operations", "HR & Recruiting", "Security"]
):
    jobs = [
        {
            "id": new_id(),
            "title": f"Senior Engineer {number}-{index}",
            "city": "Berlin",
            "country": "DE",
            "type": "fulltime",
            "remote": rng.random() < 0.3,
            "published": "2026-11-01",
        }
        for index in range(10)
    ]
    CATEGORIES.append({"id": new_id(), "name": name, "jobs": jobs})
ORG = {"name": "Bench Company", "description": "We build things people love."}
template = Environment(autoescape=True).from_string(TEMPLATE)

app = FastAPI()
_engine = None


@app.get("/healthz")
async def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"})


@app.get("/careers")
async def careers() -> HTMLResponse:
    return HTMLResponse(template.render(org=ORG, categories=CATEGORIES))


@app.post("/apply/{job_id}/{org_id}")
async def apply(job_id: str, org_id: str, request: Request) -> JSONResponse:
    global _engine
    if _engine is None:
        pool_size = int(os.environ.get("WEGOTWORK_DB_POOL_SIZE", "10"))
        _engine = create_engine(os.environ["WEGOTWORK_DATABASE_URL"], pool_size=pool_size)
    form = await request.form()
    now = datetime.now(UTC)
    async with _engine.begin() as connection:
        await connection.execute(
            insert(Applicant).values(
                id=new_id(),
                organization_id=org_id,
                job_id=job_id,
                name=str(form["name"]),
                email=str(form["email"]).lower(),
                motivation=str(form.get("motivation", "")),
                status="SUBMITTED",
                created_at=now,
                updated_at=now,
            )
        )
    return JSONResponse({"error": False, "message": "Applied to Job Successfully"}, status_code=201)
