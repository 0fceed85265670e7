"""A batch's kept figures on PostgreSQL in one statement, with the device's touch.

After the ratings went in, a batch adds to the device's received figures
(:mod:`hq.ingest.received`) and to the day, hour and question-day counts
(:mod:`hq.tables.rollups`), and stamps the device's row with the time HQ last heard from it
(:func:`hq.ingest.device_calls.touch`). On PostgreSQL these are one statement, one round
trip: the upserts (three, or four where the batch has counted ratings) as data-modifying
``WITH`` queries and the device's ``UPDATE`` as the statement, whose row count says whether
the token was still the device's. They change different tables, so none needs to see
another's work. SQLite (no round trips to save) and the rare batch that does not fit
(more than 1000 keys in a table of counts) take the statements one by one.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from hq.core.errors import ApiError
from hq.ingest.device_calls import UNKNOWN_DEVICE, Caller
from hq.ingest.received import postgres_upsert
from hq.tables.rollups import Counts, postgres_upserts

TOUCH = "UPDATE devices SET last_seen_at = %s WHERE id = %s AND token_hash = %s"


def kept_statement(
    device: Caller, new: list[dict], received: str, zone_of: Callable[[str], object]
) -> tuple[str, tuple] | None:
    """The one statement that counts the just inserted *new* ratings of *device* and
    touches it on PostgreSQL, with its parameters; None where it does not fit (more than
    CHUNK keys in a table of counts) or *zone_of* (a store's time zone) gives None for a
    store. Plain Python, no session: a large batch makes it while the database works
    through the batch's ``COPY`` (:func:`hq.ingest.bulk.insert_new`)."""
    counts, zones = Counts(), {}
    for row in new:
        store_id = row["store_id"]
        tz = zones.get(store_id)
        if tz is None:
            tz = zones[store_id] = zone_of(store_id)
            if tz is None:
                return None
        counts.add(row, tz)
    upserts = postgres_upserts(counts)
    if upserts is None:
        return None
    upserts.append(postgres_upsert(device.id, new))
    sql = _statement(tuple(sql for sql, _ in upserts))
    return sql, (*(body for _, body in upserts), received, device.id, device.token_hash)


def keep_at_once(session: Session, device: Caller, statement: tuple[str, tuple] | None) -> bool:
    """Run *statement* (:func:`kept_statement`'s); False where there is none. A 401 if the
    token is no longer the device's."""
    if statement is None:
        return False
    if session.connection().exec_driver_sql(*statement).rowcount != 1:
        raise ApiError(401, "bad_token", UNKNOWN_DEVICE)
    return True


_STATEMENTS: dict[tuple[str, ...], str] = {}


def _statement(upserts: tuple[str, ...]) -> str:
    found = _STATEMENTS.get(upserts)
    if found is None:
        withs = ", ".join(f"kept{i} AS ({sql} RETURNING 1)" for i, sql in enumerate(upserts))
        found = _STATEMENTS[upserts] = f"WITH {withs} {TOUCH}"
    return found
