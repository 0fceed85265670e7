"""The business figures of a store's hours: transactions, sales, footfall and staff on
shift, imported from the chain's own systems (:mod:`hq.insight.business`), each optional.

One row per store and hour, keyed by the hour's start in UTC so that the hour repeated
when the clocks go back is two rows; ``day`` and ``hour`` are the store's local day and
hour, as in the kept counts (:mod:`hq.tables.rollups`), so the two join on them. Sales
are kept in cents (exact on both databases), staff as a number of people (2.5: one
worked half the hour).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hq.tables.base import Base

FIGURES = ("transactions", "sales", "footfall", "staff")


class BusinessHour(Base):
    """A store's business figures for one hour."""

    __tablename__ = "business_hours"
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    starts_at: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[str] = mapped_column(String(10))
    hour: Mapped[int] = mapped_column(Integer)
    transactions: Mapped[int | None] = mapped_column(Integer)
    sales_cents: Mapped[int | None] = mapped_column(BigInteger)
    footfall: Mapped[int | None] = mapped_column(Integer)
    staff: Mapped[float | None] = mapped_column(Float)
    imported_at: Mapped[str] = mapped_column(String(40))

    __table_args__ = (Index("ix_business_hours_store_day", "store_id", "day"),)
