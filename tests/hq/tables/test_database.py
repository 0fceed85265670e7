"""Migrations and the database URL, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from hq.core.errors import DatabaseURLError
from hq.tables.base import Base
from hq.tables.database import MIGRATIONS, make_engine, open_database, upgrade


def newest_migration() -> str:
    """The head revision of hq/tables/migrations/versions, by the files' own chain (one head)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def test_migrations_build_exactly_the_tables_of_the_models(database_url):
    engine, _ = open_database(database_url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []
        tables = set(inspect(engine).get_table_names())
        assert {"stores", "devices", "ratings", "users", "api_tokens", "surveys", "meta"} <= tables
        assert "alembic_version" in tables
        upgrade(engine)  # a second start changes nothing and does not fail
        with engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() == newest_migration()
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("url", "named"),
    [("not a url", "not a URL"), ("mysql://x@localhost/db", "sqlite or postgresql")],
)
def test_an_unusable_database_url_is_a_clear_error(url, named):
    with pytest.raises(DatabaseURLError, match=named):
        make_engine(url)
