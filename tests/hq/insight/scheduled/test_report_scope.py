"""A report's scope is read once and exactly (issue 27, finding 1): a manager of region
south cannot have the store of another region mailed anywhere, however the scope is
spelled (a trailing space, NBSP, case, full-width letters, a slash…); a manager of a
store may not take its region, even as its only store; and nothing is stored when any of
that is refused. On SQLite and PostgreSQL."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import func, select

from hq.tables.reports import ReportSubscription
from hymio.cli import main
from tests.hq.conftest import PASSWORD, csrf_of
from tests.hq.people.test_access import log_in_as
from tests.hq.report_data import four_regions

# Every one of these is some spelling of a store or region outside region south, or not
# quite the spelling of one inside it: none may be stored.
SPELLINGS = [
    "store:n1 ",  # the finding: a trailing space
    " store:n1",
    "store:n1\t",
    "store:n1\n",
    "store:n1\u00a0",  # NBSP
    "\u2003store:n1",  # EM SPACE
    "store: n1",
    "store :n1",
    "STORE:n1",
    "Store:n1",
    "\uff53\uff54\uff4f\uff52\uff45:n1",  # full-width "store"
    "store:\uff4e\uff11",  # full-width "n1"
    "\u0455tore:n1",  # Cyrillic dze for the s
    "store:N1",
    "store:n1/",
    "store:n1:x",
    "store:n1\u200b",  # zero-width space
    "region:north",  # exact, but not theirs
    "store:n1",  # exact, but not theirs
    "region:north ",
    "REGION:north",
    "region:north/",
    "region:south/",  # their own region, not quite spelled so
    "region:south ",
    "Region:south",
    "store:s1 ",  # their own store, not quite spelled so
    "",
    " ",
]


@pytest.fixture
def regions(hq):
    """Regions south (s1, s2, s3), north (n1) and west (w1), and their managers."""
    four_regions(hq, PASSWORD)
    return hq


def count(hq) -> int:
    with hq.sessions() as s:
        return s.scalar(select(func.count()).select_from(ReportSubscription))


def post(hq, scope: str, recipients: str = "evil@example.com"):
    form = {"csrf": csrf_of(hq.client.get("/reports").text), "scope": scope,
            "period": "weekly", "language": "en", "recipients": recipients}  # fmt: skip
    return hq.client.post("/reports", data=form, follow_redirects=False)


def test_no_spelling_gets_a_manager_a_report_outside_their_part(regions):
    hq = regions
    log_in_as(hq, "south")
    for scope in SPELLINGS:
        answer = post(hq, scope)
        assert answer.status_code == 400, (scope, answer.status_code)
        assert 'data-field="scope"' in answer.text, scope
        assert "nothing was changed" in answer.text, scope
        assert count(hq) == 0, scope


def test_a_scope_outside_the_managers_part_is_answered_as_one_that_does_not_exist(regions):
    hq = regions
    log_in_as(hq, "south")
    theirs, nowhere = post(hq, "store:n1"), post(hq, "store:nosuch")
    assert theirs.status_code == nowhere.status_code == 400

    def plain(page: str) -> str:
        page = page.replace("n1", "X").replace("nosuch", "X")
        return html.unescape(page.split('id="problem"')[1].split("</p>")[0])

    assert plain(theirs.text) == plain(nowhere.text)
    assert "North One" not in theirs.text  # not offered on the form either
    assert post(hq, "store:s2").status_code == 303 and count(hq) == 1  # their own: yes
    assert post(hq, "region:south").status_code == 303 and count(hq) == 2


@pytest.mark.parametrize(
    ("scope", "normal"),
    [("store:s1 ", "store:s1"), ("STORE:s1", "store:s1"), ("region:south\u00a0", "region:south"),
     ("store: s1", "store:s1"), ("\uff53tore:s1", "store:s1")],
    ids=repr,
)  # fmt: skip
def test_an_admin_is_told_the_exact_spelling_and_nothing_is_stored(regions, scope, normal):
    hq = regions
    log_in_as(hq, "admin")
    answer = post(hq, scope)
    assert answer.status_code == 400 and count(hq) == 0
    assert f"write it as '{normal}'" in html.unescape(answer.text)
    assert post(hq, normal).status_code == 303 and count(hq) == 1
    with hq.sessions() as s:
        assert s.scalars(select(ReportSubscription.scope)).all() == [normal]


def test_a_store_manager_may_not_take_the_region_even_as_its_only_store(regions):
    hq = regions
    log_in_as(hq, "westone")
    page = hq.client.get("/reports").text
    assert 'value="store:w1"' in page and 'value="region:west"' not in page
    answer = post(hq, "region:west")
    assert answer.status_code == 400 and count(hq) == 0
    assert "is not a store or region of yours" in html.unescape(answer.text)
    assert post(hq, "store:w1").status_code == 303 and count(hq) == 1
    log_in_as(hq, "one")  # the same for a region of several stores
    assert post(hq, "region:south").status_code == 400 and count(hq) == 1


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--scope", "store:n1 "], "--scope: 'store:n1 ' is not how a scope is written: write"
                                   " it as 'store:n1'"),
        (["--scope", "STORE:n1"], "write it as 'store:n1'"),
        (["--scope", "store:n1", "--by", "south"], "--scope: 'store:n1' is not a store or"
                                                   " region of yours"),
        (["--scope", "region:west", "--by", "westone"], "is not a store or region of yours"),
        (["--scope", "store:s1", "--by", "nobody"], "--by: there is no user 'nobody'"),
    ],
)  # fmt: skip
def test_the_command_refuses_the_same_and_stores_nothing(regions, database_url, capsys, args,
                                                         says):  # fmt: skip
    hq = regions
    given = ["--period", "weekly", "--to", "evil@example.com", *args]
    assert main(["hq", "add-report", "--database", database_url, *given]) == 2
    err = capsys.readouterr().err
    assert says in err and err.strip().endswith("nothing was changed")
    assert count(hq) == 0


@pytest.mark.parametrize(
    ("command", "args"),
    [
        ("add-user", ["--username", "x", "--role", "manager", "--scope", "region:south "]),
        ("set-role", ["--username", "south", "--role", "manager", "--scope", "Region:north"]),
        ("add-token", ["--name", "t", "--scope", "store:s1\u00a0"]),
        ("set-token-scope", ["--name", "analyst", "--scope", " store:s1"]),
    ],
)
def test_every_scope_typed_anywhere_is_read_the_same_way(regions, database_url, capsys,
                                                         monkeypatch, command, args):  # fmt: skip
    monkeypatch.setenv("HYMIO_HQ_PASSWORD", PASSWORD)
    assert main(["hq", command, "--database", database_url, *args]) == 2
    assert "is not how a scope is written: write it as" in capsys.readouterr().err
    from hq.tables.people import ApiToken, User

    with regions.sessions() as s:
        assert s.get(User, "x") is None and s.get(User, "south").scope == "region:south"
        assert s.get(ApiToken, "t") is None and s.get(ApiToken, "analyst").scope == ""


def test_the_admin_pages_refuse_an_inexact_scope_naming_the_field(regions):
    hq = regions
    log_in_as(hq, "admin")
    csrf = csrf_of(hq.client.get("/admin").text)
    for path, data in (
        ("/admin/users", {"username": "m", "password": PASSWORD, "role": "manager",
                          "scope": "region:south "}),
        ("/admin/users/south/role", {"role": "manager", "scope": "store:n1\u00a0"}),
        ("/admin/tokens", {"name": "t", "scope": "STORE:s1"}),
    ):  # fmt: skip
        answer = hq.client.post(path, data={**data, "csrf": csrf})
        assert answer.status_code == 400, path
        assert "scope: " in html.unescape(answer.text) and "write it as" in answer.text
    from hq.tables.people import User

    with hq.sessions() as s:
        assert s.get(User, "m") is None and s.get(User, "south").scope == "region:south"
