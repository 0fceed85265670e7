"""HQ's tables in one place: the SQLAlchemy models of every capability on one
declarative ``Base`` (:mod:`.models`, :mod:`.actions`, :mod:`.reports`, :mod:`.alerts`),
the database itself (:mod:`.database`: the URL, the engine, short transactions) and the
Alembic migrations that build it (``migrations/``).

Kept together so that registering a table never needs the capability that uses it: the
rooms above import their tables from here; this room imports only :mod:`hq.core`.
"""
