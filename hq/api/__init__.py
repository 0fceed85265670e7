"""The routers of HQ's HTTP API, one module per resource (SPEC §5)."""

from hq.wire import ErrorBody


def errors(*statuses: int) -> dict:
    """OpenAPI ``responses`` for the error *statuses* a route answers."""
    return {status: {"model": ErrorBody} for status in statuses}
