"""HQ's tables in one place: the SQLAlchemy models of every capability on one
declarative ``Base`` (:mod:`.models`, :mod:`.actions`, :mod:`.reports`, :mod:`.alerts`,
:mod:`.business`, :mod:`.chain`, :mod:`.people`, :mod:`.surveys`, :mod:`.receipts`),
the counts kept beside the ratings in the same transaction (:mod:`.rollups`), the database
itself (:mod:`.database`: the URL, the engine, short transactions) and the Alembic
migrations that build it (``migrations/``).

Kept together so that registering a table never needs the capability that uses it: the
rooms above import their tables from here; this room imports only :mod:`hq.core`. The kept
counts live here rather than with ingest because they are storage, not a feature: every
writer keeps them (ingest, the clock repair, ``rebuild-figures``) and the migration that
made their tables fills them with the same code.
"""

from __future__ import annotations

from hq.tables.base import Base


def every_table() -> type[Base]:
    """The declarative base with every table of HQ on it: each module of this room
    declares its own on :class:`~hq.tables.base.Base`, and importing them registers them."""
    import hq.tables.actions
    import hq.tables.alerts
    import hq.tables.business
    import hq.tables.chain
    import hq.tables.models
    import hq.tables.people
    import hq.tables.receipts
    import hq.tables.reports
    import hq.tables.surveys  # noqa: F401

    return Base
