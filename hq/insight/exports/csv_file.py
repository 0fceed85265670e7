"""The export as CSV: UTF-8 without a BOM, comma-separated, one header line, streamed in
chunks (written by PostgreSQL's ``COPY``, :mod:`hq.insight.exports.pg_csv`, or a chunk of
rows at a time, :mod:`hq.insight.exports.fast_csv`; both are tested byte for byte against
:func:`python_chunks`).

A text cell that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return: OWASP's "CSV injection") is written with a leading
``'``, which spreadsheets show as text. Only free text can start so (a store's name, a
reason's label); ids, keys and numbers never do, and the times and offsets HQ writes
itself (``-05:00``) are left as they are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import date, datetime
from operator import attrgetter
from typing import Any

from sqlalchemy.orm import Session

from hq.insight.exports.columns import COLUMNS, HEADER, cell
from hq.insight.exports.fast_csv import fast_chunks
from hq.insight.exports.rows import CHUNK, Export, ExportRow


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _date(value: date) -> str:
    return value.isoformat()


def _datetime(value: datetime) -> str:
    return value.isoformat(sep=" ")


# How each kind of column is written; None: as it is (numbers, and the times HQ writes).
WRITE: dict[str, Callable[[Any], str] | None] = {
    "text": cell,
    "plain": None,
    "number": None,
    "date": _date,
    "datetime": _datetime,
    "bool": _yes,
}
_FIELDS = attrgetter(*HEADER)
_WRITERS = tuple(WRITE[c.kind] for c in COLUMNS)


def values(row: ExportRow) -> list[Any]:
    """The cells of *row*, in :data:`~hq.insight.exports.columns.HEADER`'s order."""
    return [v if w is None else w(v) for w, v in zip(_WRITERS, _FIELDS(row), strict=True)]


def csv_chunks(
    sessions: Callable[[], AbstractContextManager[Session]], export: Export
) -> Iterator[str]:
    """The CSV text of *export*, a chunk at a time, read in a session of its own."""
    # Its own session: the request's one is closed before the body is streamed.
    with sessions() as session:
        if session.get_bind().dialect.name == "postgresql":
            from hq.insight.exports.pg_csv import pg_csv_chunks  # the same bytes, by the server

            yield from pg_csv_chunks(session, export)
            return
        yield from fast_chunks(session, export)


def python_chunks(session: Session, export: Export) -> Iterator[str]:
    """The CSV text of *export*, written row by row: the model the exports HQ serves are
    tested against (:mod:`hq.insight.exports.pg_csv` on PostgreSQL,
    :mod:`hq.insight.exports.fast_csv` elsewhere)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for n, row in enumerate(export.rows(session), 1):
        writer.writerow(values(row))
        if n % CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
