"""The whole-chain tests use HQ's fixtures: a fresh database on SQLite and PostgreSQL, a
real SMTP server on 127.0.0.1."""

from tests.hq.alert_fixtures import smtp  # noqa: F401 (fixtures)
from tests.hq.conftest import database_url, pg_template  # noqa: F401 (fixtures)
