"""The routers of HQ's HTTP API, one module per resource (SPEC §5)."""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import BaseModel

from hq.wire import ErrorBody


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
