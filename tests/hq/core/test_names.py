"""Names are one line (issue 27, finding 6): a line break or another control character in
a store's, a region's, an alert rule's name or in any id is refused wherever it is typed
(the command line exits 2, a page answers 400 naming the field) and nothing is stored;
a name already in a database from before is drawn on one line, and its store's reports
and alerts go out. The pages and the reports on SQLite and PostgreSQL."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from hq.alerts.manage import add_rule
from hq.insight.scheduled.sending import send_due_reports
from hq.insight.scheduled.subscriptions import add_subscription
from hq.people.roles import add_region, set_store_region
from hq.tables.alerts import Alert
from hq.tables.base import Base
from hq.tables.models import Region, Store
from hymio.cli import main
from tests.hq.alert_fixtures import worker_of
from tests.hq.conftest import PASSWORD, csrf_of, log_in
from tests.hq.mailbox import Mailbox
from tests.hq.report_data import LAST_WEEK, MONDAY, spread

BREAKS = ["\n", "\r\n", "\r", "\u2028", "\u2029", "\x85", "\x00", "\x1b[31m", "\t", "\x0b",
          "\x0c", "\u202e", "\u200b", "\x7f"]  # fmt: skip
BAD = "North\nOne"


@pytest.fixture
def url(tmp_path, monkeypatch):
    """A SQLite HQ with store s1 and its device k1."""
    url = f"sqlite:///{tmp_path / 'hq.db'}"
    monkeypatch.setenv("HYMIO_HQ_PASSWORD", PASSWORD)
    assert hymio(url, "add-store", "--id", "s1", "--name", "Kamppi", "--timezone", "UTC") == 0
    assert hymio(url, "add-device", "--store", "s1", "--id", "k1") == 0
    return url


def hymio(url: str, command: str, *args: str) -> int:
    return main(["hq", command, "--database", url, *args])


def rows(url: str) -> dict[str, int]:
    """How many rows each table has."""
    from hq.tables.database import open_database

    engine, sessions = open_database(url)
    with sessions() as s:
        counts = {t.name: s.scalar(select(func.count()).select_from(t))
                  for t in Base.metadata.sorted_tables}  # fmt: skip
    engine.dispose()
    return counts


@pytest.mark.parametrize(
    ("command", "args", "field"),
    [
        ("add-store", ["--id", "s9", "--name", BAD, "--timezone", "UTC"], "store name"),
        ("add-store", ["--id", "s9\n", "--name", "Nine", "--timezone", "UTC"], "store id"),
        ("add-region", ["--id", "south", "--name", BAD], "region name"),
        ("add-region", ["--id", "south\n", "--name", "South"], "region id"),
        ("add-user", ["--username", "bob\n"], "username"),
        ("add-token", ["--name", "script\n"], "token name"),
        ("add-device", ["--store", "s1", "--id", "k9\n"], "device id"),
        ("add-channel", ["--name", "ops\n", "--kind", "email", "--to", "a@example.com"],
         "channel name"),
        ("add-alert-rule", ["--name", BAD, "--kind", "kiosk_silent"], "alert rule name"),
        ("add-to-group", ["--group", "pilots\n", "--device", "k1"], "group name"),
    ],
)  # fmt: skip
def test_every_name_typed_on_the_command_line_is_one_line(url, capsys, command, args, field):
    before = rows(url)
    capsys.readouterr()
    assert hymio(url, command, *args) == 2
    err = capsys.readouterr().err
    # the alert set-up names the form's field first ("name: channel name …")
    assert err.removeprefix("hymio: name: ").removeprefix("hymio: ").startswith(f"{field} "), err
    assert err.count("\n") == 1, err  # one line
    assert "nothing was changed" in err
    assert rows(url) == before


def test_no_kind_of_line_break_or_control_character_gets_into_a_store_name(url, capsys):
    before = rows(url)
    for mark in BREAKS:
        assert hymio(url, "add-store", "--id", "s9", "--name", f"North{mark}One",
                     "--timezone", "UTC") == 2, repr(mark)  # fmt: skip
        assert "one line" in capsys.readouterr().err, repr(mark)
    assert rows(url) == before
    emoji = "Perhe 👨\u200d👩\u200d👧 ja Åbo"  # the joiners of emoji and scripts stay
    assert hymio(url, "add-store", "--id", "s9", "--name", f"  {emoji} ", "--timezone",
                 "UTC") == 0  # fmt: skip
    from hq.tables.database import open_database

    engine, sessions = open_database(url)
    with sessions() as s:
        assert s.get(Store, "s9").name == emoji  # stripped, kept as typed
    engine.dispose()


def test_the_admin_pages_refuse_a_name_on_two_lines_naming_the_field(hq):
    log_in(hq)
    csrf = csrf_of(hq.client.get("/admin").text)
    with hq.sessions() as s:
        before = (s.scalar(select(func.count()).select_from(Region)),)
    for path, data, field in (
        ("/admin/regions", {"id": "south", "name": BAD}, "region name"),
        ("/admin/regions", {"id": "south\r", "name": "South"}, "region id"),
        ("/admin/users", {"username": "m\n", "password": PASSWORD, "role": "analyst"},
         "username"),
        ("/admin/tokens", {"name": "t\u2028"}, "token name"),
    ):  # fmt: skip
        answer = hq.client.post(path, data={**data, "csrf": csrf})
        assert answer.status_code == 400, (path, answer.status_code)
        assert html.unescape(answer.text).count(f"{field} ") >= 1, path
    with hq.sessions() as s:
        assert (s.scalar(select(func.count()).select_from(Region)),) == before
        assert s.scalar(select(func.count()).select_from(Store)) == 2


def test_a_name_on_two_lines_from_before_breaks_no_report_or_alert(hq, tmp_path):
    spread(hq, "k1", "s1", LAST_WEEK - timedelta(days=7), 14, 5, seed=3)
    with hq.sessions() as s:
        add_region(s, "south", "Etelä", None, hq.clock.now)
        set_store_region(s, "s1", "south")
        s.execute(update(Store).where(Store.id == "s1").values(name="North\nOne\r\n\u2028Two"))
        s.execute(update(Region).where(Region.id == "south").values(name="Ete\nlä"))
        s.commit()
        for scope in ("store:s1", "region:south"):
            add_subscription(s, scope, "weekly", "en", ["boss@example.com"], None,
                             MONDAY - timedelta(days=3))  # fmt: skip
        add_rule(s, "clocks", "clock_unsynced", "", {}, [], hq.clock.now)
    with Mailbox(tmp_path) as box:
        assert send_due_reports(hq.sessions, MONDAY, box.settings()) == 2
        subjects = sorted(m["Subject"] for m in box.messages)
        text = [m.get_body(("plain",)).get_content() for m in box.messages]
    week = "week 47: 2026-11-16 – 2026-11-22"
    assert subjects == [f"Hymiö report: Ete lä, {week}", f"Hymiö report: North One Two, {week}"]
    assert all("North One Two" in t and "North\n" not in t for t in text)
    hq.client.post("/api/v1/heartbeat", json={"clock_synced": False}, headers=hq.auth())
    assert worker_of(hq, None).run_once()[0] == 1
    with hq.sessions() as s:
        (title,) = s.scalars(select(Alert.title)).all()
    assert title.startswith("North One Two: ") and "\n" not in title
