"""API tokens with a role: ``analyst`` reads (the default, as every token did before),
``manager`` acts on its scope's stores, ``admin`` on everything; a role that does not fit
the scope is refused with nothing stored, from the command line and the admin page alike."""

from __future__ import annotations

import pytest
from fastapi.security import HTTPAuthorizationCredentials

from hq.tables.people import ApiToken
from hq.web.deps import reader
from hymio.cli import main
from tests.hq.conftest import PASSWORD, csrf_of, log_in


def _access(hq, token: str):
    with hq.sessions() as s:
        return reader(None, s, HTTPAuthorizationCredentials(scheme="Bearer", credentials=token))


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--role", "manager"], "a manager token needs a scope"),
        (["--role", "admin", "--scope", "store:s1"], "an admin token has the whole chain"),
        (["--role", "boss"], "role 'boss' is not one of admin, analyst, manager"),
    ],
)
def test_a_role_that_does_not_fit_is_refused_and_nothing_is_stored(
    hq, database_url, capsys, monkeypatch, args, says
):
    monkeypatch.setenv("HYMIO_HQ_PASSWORD", PASSWORD)
    assert main(["hq", "add-token", "--database", database_url, "--name", "t", *args]) == 2
    assert says in capsys.readouterr().err
    with hq.sessions() as s:
        assert s.get(ApiToken, "t") is None


def test_each_role_reads_and_acts_as_a_user_of_that_role_would(hq, database_url, capsys):
    made = {}
    for name, args in {
        "reads": [],
        "runs-s1": ["--role", "manager", "--scope", "store:s1"],
        "runs-all": ["--role", "admin"],
    }.items():
        assert main(["hq", "add-token", "--database", database_url, "--name", name, *args]) == 0
        made[name] = capsys.readouterr().out.split()[-1]
    reads, runs_s1, runs_all = (_access(hq, made[n]) for n in ("reads", "runs-s1", "runs-all"))
    assert (reads.sees("s2"), reads.acts_on("s1"), reads.is_admin) == (True, False, False)
    assert (runs_s1.sees("s1"), runs_s1.acts_on("s1")) == (True, True)
    assert (runs_s1.sees("s2"), runs_s1.acts_on("s2"), runs_s1.is_admin) == (False, False, False)
    assert (runs_all.acts_on("s2"), runs_all.is_admin) == (True, True)
    # a token made without a role (as the fixture's) stays a reader
    assert _access(hq, hq.reader_token).acts_on("s1") is False


def test_the_admin_page_makes_a_token_with_a_role_and_shows_it(hq):
    log_in(hq)
    page = hq.client.get("/admin").text
    bad = {"csrf": csrf_of(page), "name": "x", "role": "manager", "scope": ""}
    answer = hq.client.post("/admin/tokens", data=bad)
    assert answer.status_code == 400 and "a manager token needs a scope" in answer.text
    good = {**bad, "name": "pos", "scope": "store:s1"}
    answer = hq.client.post("/admin/tokens", data=good)
    assert answer.status_code == 200, answer.text
    with hq.sessions() as s:
        assert s.get(ApiToken, "x") is None
        made = s.get(ApiToken, "pos")
        assert (made.role, made.scope) == ("manager", "store:s1")
    row = hq.client.get("/admin").text.split('data-token="pos"')[1].split("</tr>")[0]
    assert "<td>Manager</td>" in row
