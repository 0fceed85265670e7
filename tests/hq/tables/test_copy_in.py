"""``COPY`` under a savepoint in a session's transaction (hq.tables.database.copy_in), on
PostgreSQL: what went before it in the transaction stays whatever the copy meets."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, ProgrammingError
from sqlalchemy.orm import Session

from hq.tables.database import copy_in, make_engine

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
COPY = "COPY t (x, note) FROM STDIN"


@pytest.fixture
def session(database_url):
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x integer PRIMARY KEY, note text)"))
    with Session(engine) as s:
        yield s
    engine.dispose()


def rows_of(session: Session) -> list[tuple]:
    return [tuple(r) for r in session.execute(text("SELECT x, note FROM t ORDER BY x"))]


def writes(*rows):
    def fill(copy):
        for row in rows:
            copy.write_row(row)

    return fill


def test_rows_copied_are_in_the_transaction(session):
    session.execute(text("INSERT INTO t VALUES (1, 'before')"))
    assert copy_in(session, COPY, writes((2, "tab\there"), (3, None))) is True
    session.commit()
    assert rows_of(session) == [(1, "before"), (2, "tab\there"), (3, None)]


def test_a_row_meeting_a_unique_index_undoes_the_copy_and_not_the_transaction(session):
    session.execute(text("INSERT INTO t VALUES (1, 'before')"))
    assert copy_in(session, COPY, writes((2, "new"), (1, "again"), (4, "after"))) is False
    session.execute(text("INSERT INTO t VALUES (5, 'after the copy')"))
    session.commit()
    assert rows_of(session) == [(1, "before"), (5, "after the copy")]


def test_other_errors_are_sqlalchemys_and_the_transaction_can_be_rolled_back(session):
    session.execute(text("INSERT INTO t VALUES (1, 'before')"))
    with pytest.raises(ProgrammingError, match="no_such_column") as raised:
        copy_in(session, "COPY t (no_such_column) FROM STDIN", writes((2,)))
    assert isinstance(raised.value, DBAPIError)
    assert raised.value.orig.sqlstate == "42703"
    session.rollback()
    assert rows_of(session) == []
