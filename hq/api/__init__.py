"""The routers of HQ's HTTP API, one module per resource (SPEC §5)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import FastAPI, Query
from pydantic import BaseModel

from hq.core.errors import ApiError
from hq.ingest.wire import Day, ErrorBody
from hq.insight.counts import today
from hq.tables.models import Store

MAX_DAYS = 366
# The days a store's read covers (see days_asked).
FirstDay = Annotated[
    Day | None, Query(alias="from", description="first local day (default: 29 days before 'to')")
]
LastDay = Annotated[Day | None, Query(description="last local day (default: today in the store)")]


def errors(*statuses: int) -> dict:
    """OpenAPI ``responses`` for the error *statuses* a route answers."""
    return {status: {"model": ErrorBody} for status in statuses}


def document_bodies(app: FastAPI, *models: type[BaseModel]) -> None:
    """Put *models* (request bodies an endpoint reads itself, named in its
    ``openapi_extra``) into *app*'s OpenAPI components, as FastAPI would."""
    plain = app.openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        schema = plain()
        found = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in models:
            one = model.model_json_schema(ref_template="#/components/schemas/{model}")
            found.update(one.pop("$defs", {}))
            found[model.__name__] = one
        return schema

    app.openapi = openapi


def days_asked(
    store: Store, now: datetime, first: date | None, last: date | None
) -> tuple[date, date]:
    """The local days ``from`` … ``to`` a read asks for: by default the 30 days up to today
    in the store; a reversed range or more than :data:`MAX_DAYS` days is a 400."""
    last = last or today(store, now)
    first = first or last - timedelta(days=29)
    if first > last:
        raise ApiError(400, "bad_range", f"from {first} is after to {last}")
    if (last - first).days >= MAX_DAYS:
        raise ApiError(400, "bad_range", f"ask for at most {MAX_DAYS} days at a time")
    return first, last
