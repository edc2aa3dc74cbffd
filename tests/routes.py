"""The app's routes as the router holds them (FastAPI may keep included routers nested), for the
tests that must cover every route."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute


def api_routes(app: FastAPI) -> Iterator[APIRoute]:
    """Every APIRoute of the app, also inside included routers."""

    def walk(routes: Iterable[Any]) -> Iterator[APIRoute]:
        for route in routes:
            if isinstance(route, APIRoute):
                yield route
            inner = getattr(route, "original_router", None)
            if inner is not None:
                yield from walk(inner.routes)

    return walk(app.routes)


def endpoints(app: FastAPI) -> list[tuple[str, str]]:
    """``(method, path)`` of every route (HEAD left out: it answers as GET does)."""
    found = {
        (method, route.path)
        for route in api_routes(app)
        for method in route.methods
        if method != "HEAD"
    }
    return sorted(found, key=lambda pair: (pair[1], pair[0]))


def shape(path: str) -> str:
    """A path with every parameter replaced by {}."""
    return "/".join("{}" if part.startswith("{") else part for part in path.split("/"))
