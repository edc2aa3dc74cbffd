"""HTML forms through the same Pydantic schemas as the JSON API: parse, validate, and on failure
re-render with field errors next to the fields and what was typed kept."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from fastapi import Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ValidationError
from starlette.background import BackgroundTask

from wegotwork.deps import Services
from wegotwork.errors import DomainError
from wegotwork.schemas import errors_from_validation

M = TypeVar("M", bound=BaseModel)


class FormResult(Generic[M]):
    def __init__(
        self, data: M | None, values: dict[str, Any], errors: dict[str, list[str]]
    ) -> None:
        self.data = data
        self.values = values
        self.errors = errors

    @property
    def ok(self) -> bool:
        return self.data is not None and not self.errors


def _field_names(model: type[BaseModel]) -> set[str]:
    names: set[str] = set()
    for name, info in model.model_fields.items():
        names.add(name)
        if info.alias:
            names.add(info.alias)
    return names


def errors_from_domain(exc: DomainError) -> dict[str, list[str]]:
    """A domain error as form errors: its field errors, or a form-level message."""
    return dict(exc.field_errors) if exc.field_errors else {"__all__": [exc.message]}


async def parse_form(
    request: Request,
    model: type[M],
    *,
    checkboxes: tuple[str, ...] = (),
    multi: tuple[str, ...] = (),
) -> FormResult[M]:
    """Read the request's form into ``model``. Empty strings count as "not given"; unchecked
    ``checkboxes`` become False; ``multi`` fields collect every value."""
    form = await request.form()
    values: dict[str, Any] = {}
    for key in form:
        if key in multi:
            values[key] = [str(item) for item in form.getlist(key)]
            continue
        raw = form.get(key)
        if isinstance(raw, str):
            values[key] = raw
    for name in checkboxes:
        values[name] = name in form and form.get(name) not in ("", "false", "off", "0")
    # A page's form may carry fields of its own (where to go next, which filter was on): only
    # the model's fields are validated, so a strict model refuses nothing the page sent.
    known = _field_names(model)
    cleaned = {key: value for key, value in values.items() if value != "" and key in known}
    try:
        data = model.model_validate(cleaned)
    except ValidationError as exc:
        return FormResult(None, values, errors_from_validation(exc))
    return FormResult(data, values, {})


def redirect(
    services: Services,
    url: str,
    message: str | None = None,
    kind: str = "success",
    background: BackgroundTask | None = None,
) -> RedirectResponse:
    """POST-redirect-GET: a 303 to ``url``, with a flash message for the next page."""
    response = RedirectResponse(url, status_code=303, background=background)
    if message:
        services.templates.flash(response, message, kind)
    return response
