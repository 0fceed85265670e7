"""The business export: per store and local hour, the business figures HQ holds
(transactions, sales, footfall, staff), the counted ratings of that hour and the response
rate (ratings per 100 transactions and per 100 visitors), as CSV, streamed.

One row per store, local day and hour that has business figures (the hour the clocks
repeat in autumn is one row, its figures summed, as the response rate counts it:
:mod:`hq.insight.business.rates`). The rows are read with ``yield_per`` in the export's
own session, ordered by store, day and hour, so a year of a chain never sits in memory.

For a reader who may not export single ratings (a manager), an hour with fewer counted
ratings than the privacy floor (but some) shows neither the ratings nor the rate, as the
heat map hides such an hour.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from hq.core.errors import UnknownStoreError
from hq.insight.exports.columns import cell
from hq.insight.exports.rows import CHUNK
from hq.tables.business import BusinessHour
from hq.tables.models import HourCount, Store

HEADER = (
    "store_id", "store_name", "local_date", "local_hour", "utc_start", "transactions",
    "sales", "footfall", "staff", "ratings", "ratings_per_100_transactions",
    "ratings_per_100_visitors",
)  # fmt: skip


@dataclass(frozen=True)
class BusinessExport:
    """What to export: the stores (id → name), the local days (``None``: unbounded) and
    the privacy floor on an hour's ratings (``0``: none, for a reader of single ratings)."""

    stores: dict[str, str]
    first: date | None
    last: date | None
    floor: int

    def query(self) -> Select:
        """The rows, ordered by store, day and hour."""
        b, h = BusinessHour, HourCount
        ids = sorted(self.stores)
        business = (
            select(b.store_id, b.day, b.hour, func.min(b.starts_at).label("starts"),
                   func.sum(b.transactions).label("tx"), func.sum(b.sales_cents).label("cents"),
                   func.sum(b.footfall).label("ff"), func.sum(b.staff).label("staff"))
            .where(b.store_id.in_(ids), *_days(b.day, self.first, self.last))
            .group_by(b.store_id, b.day, b.hour)
            .subquery()
        )  # fmt: skip
        rated = (
            select(h.store_id, h.day, h.hour, func.sum(h.n).label("n"))
            .where(h.store_id.in_(ids), h.flag == "", *_days(h.day, self.first, self.last))
            .group_by(h.store_id, h.day, h.hour)
            .subquery()
        )  # fmt: skip
        c = business.c
        return (
            select(c.store_id, c.day, c.hour, c.starts, c.tx, c.cents, c.ff, c.staff,
                   func.coalesce(rated.c.n, 0))
            .select_from(business)
            .outerjoin(rated, and_(rated.c.store_id == c.store_id, rated.c.day == c.day,
                                   rated.c.hour == c.hour))
            .order_by(c.store_id, c.day, c.hour)
        )  # fmt: skip

    def rows(self, session: Session) -> Iterator[list]:
        """The CSV rows, header first."""
        yield list(HEADER)
        result = session.execute(self.query(), execution_options={"yield_per": CHUNK})
        for store, day, hour, starts, tx, cents, ff, staff, n in result:
            n = int(n)
            hidden = 0 < n < self.floor
            yield [
                store, cell(self.stores[store]), day, hour, starts, _blank(tx),
                "" if cents is None else f"{cents / 100:.2f}", _blank(ff), _blank(staff),
                "" if hidden else n,
                "" if hidden else _per_100(n, tx), "" if hidden else _per_100(n, ff),
            ]  # fmt: skip


def _days(column, first: date | None, last: date | None) -> list:
    return [
        *([column >= first.isoformat()] if first else []),
        *([column <= last.isoformat()] if last else []),
    ]


def _blank(value) -> object:
    return "" if value is None else value


def _per_100(ratings: int, of) -> str:
    return "" if not of else f"{100 * ratings / of:.2f}"


def prepare_business(session: Session, store_id: str | None, first: date | None,
                     last: date | None, only: frozenset[str] | None,
                     floor: int) -> BusinessExport:  # fmt: skip
    """The business export of one store (or every store, or every store of *only*); an
    unknown *store_id*, or one not in *only*, is an
    :class:`~hq.core.errors.UnknownStoreError`."""
    query = select(Store.id, Store.name)
    if store_id is not None:
        query = query.where(Store.id == store_id)
    if only is not None:
        query = query.where(Store.id.in_(sorted(only)))
    stores = dict(session.execute(query).all())
    if store_id is not None and not stores:
        raise UnknownStoreError(f"no store {store_id!r}")
    return BusinessExport(stores, first, last, floor)


def business_chunks(
    sessions: Callable[[], AbstractContextManager[Session]], export: BusinessExport
) -> Iterator[str]:
    """The CSV text of *export*, :data:`CHUNK` rows at a time, read in a session of its own
    (the request's one is closed before the body is streamed)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    with sessions() as session:
        for n, row in enumerate(export.rows(session)):
            writer.writerow(row)
            if n % CHUNK == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue()
