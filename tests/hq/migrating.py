"""A test's HQ database taken back to an earlier migration, or on to a later one, as an
upgrade of a real HQ would take it (Alembic's commands on the test's database)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, create_engine

from hq.tables.database import MIGRATIONS


@contextmanager
def migrated(database_url: str, revision: str, down: bool = False) -> Iterator[Connection]:
    """Take *database_url* up to *revision* (``down``: back to it) and give the connection
    of that transaction, so rows can be written or tables looked at there; it commits at
    the end of the block, and the engine is let go."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            (command.downgrade if down else command.upgrade)(config, revision)
            yield conn
    finally:
        engine.dispose()


def migrate(database_url: str, revision: str, down: bool = False) -> None:
    """:func:`migrated`, with nothing to do in between."""
    with migrated(database_url, revision, down):
        pass
