"""The connection budget (:mod:`hq.core.budget`): read from options, the environment and
the database's defaults, refused whole with a message naming the value and the option when
it cannot be kept, and said by ``hymio hq serve`` at start."""

from __future__ import annotations

import pytest

from hq.core.budget import Budget, BudgetError, Share, budget_for, environment
from tests.hq.served import hymio


def test_the_defaults_differ_by_database_and_add_up():
    sqlite = budget_for("sqlite:///hq.db", environ={})
    pg = budget_for("postgresql+psycopg://hq@db/hq", environ={})
    assert (sqlite.pool, sqlite.overflow) == (10, 40)
    assert (pg.pool, pg.overflow, pg.kiosks, pg.exports, pg.pooler) == (15, 25, 4, 2, False)
    assert pg.connections == 42 and pg.dashboard == 36


def test_an_option_wins_over_the_environment_which_wins_over_the_default():
    environ = {"HYMIO_HQ_DB_POOL": "8", "HYMIO_HQ_DB_OVERFLOW": "2", "HYMIO_HQ_DB_POOLER": "yes"}
    budget = budget_for("postgresql://h/d", {"pool": 6, "overflow": None}, environ)
    assert (budget.pool, budget.overflow, budget.pooler) == (6, 2, True)
    assert budget_for("postgresql://h/d", environ=environment(budget)) == budget


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"overflow": -1}, "overflow is -1"),
        ({"pool": 0}, "pool is 0"),
        ({"kiosks": 0}, "kiosks is 0"),
        ({"exports": 0}, "exports is 0"),
        ({"pool": 4, "kiosks": 4}, "the kiosks' share (4, --db-kiosks"),
        ({"pool": 3, "kiosks": 9}, "must be less than the pool (3, --db-pool"),
    ],
)
def test_a_budget_that_cannot_be_kept_is_refused_naming_it(values, named):
    with pytest.raises(BudgetError) as refused:
        Budget(**values)
    assert named in str(refused.value)


@pytest.mark.parametrize(
    ("var", "text"), [("HYMIO_HQ_DB_POOL", "many"), ("HYMIO_HQ_DB_POOLER", "maybe")]
)
def test_a_bad_environment_value_is_refused_naming_the_variable(var, text):
    with pytest.raises(BudgetError, match=rf"\${var} is '{text}'"):
        budget_for("postgresql://h/d", environ={var: text})


def test_the_share_lets_no_more_than_its_size_hold_at_once():
    share = Share(2, wait=0.05)
    assert share.take() and share.take()
    assert not share.take()  # a third waits, then is refused (a 503)
    share.give_back()
    assert share.take()


def test_hymio_hq_serve_refuses_an_impossible_budget_before_it_starts(tmp_path):
    url = f"sqlite:///{tmp_path / 'hq.db'}"
    ran = hymio("hq", "serve", "--database", url, "--db-pool", "3", "--db-kiosks", "3")
    assert ran.returncode == 2
    assert "the kiosks' share (3, --db-kiosks or $HYMIO_HQ_DB_KIOSKS)" in ran.stderr
    assert "raise the pool or lower the share" in ran.stderr
    assert not (tmp_path / "hq.db").exists()  # refused before anything was made
    ran = hymio("hq", "serve", "--database", url, "--db-overflow", "-2")
    assert ran.returncode == 2 and "overflow is -2" in ran.stderr
