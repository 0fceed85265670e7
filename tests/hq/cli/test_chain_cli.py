"""``hymio hq set-store``, ``set-hours``, ``add-day``, ``remove-day``, ``retire-store``,
``set-device``, ``retire-device``: the stores' and kiosks' pages as commands, written to
the audit log as ``cli``; a refusal is exit 2 naming the field, nothing changed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hq.tables.chain import AuditEvent, HoursException
from hq.tables.database import open_database
from hq.tables.models import Device, Store
from hymio.cli import main


@pytest.fixture
def url(tmp_path):
    url = f"sqlite:///{tmp_path / 'hq.db'}"
    db = ("--database", url)
    assert main(["hq", "add-store", *db, "--id", "s1", "--name", "A", "--timezone", "UTC"]) == 0
    assert main(["hq", "add-store", *db, "--id", "s2", "--name", "B", "--timezone", "UTC"]) == 0
    assert main(["hq", "add-device", *db, "--store", "s1", "--id", "k1"]) == 0
    return url


def test_the_chains_commands_change_stores_hours_and_kiosks(url, capsys):
    db = ("--database", url)
    assert main(["hq", "set-store", *db, "--id", "s1", "--name", "Kamppi",
                 "--timezone", "Europe/Helsinki"]) == 0  # fmt: skip
    assert main(["hq", "set-hours", *db, "--store", "s1", "--mon", "08:00-21:00",
                 "--sun", "closed"]) == 0  # fmt: skip
    assert "mon 08:00-21:00" in capsys.readouterr().out
    assert main(["hq", "add-day", *db, "--store", "s1", "--day", "2026-12-25",
                 "--note", "Christmas Day"]) == 0  # fmt: skip
    assert main(["hq", "add-day", *db, "--store", "s1", "--day", "2026-12-24",
                 "--hours", "08:00-14:00"]) == 0  # fmt: skip
    assert main(["hq", "remove-day", *db, "--store", "s1", "--day", "2026-12-24"]) == 0
    assert main(["hq", "set-device", *db, "--id", "k1", "--name", "Door", "--store", "s2"]) == 0
    assert main(["hq", "retire-device", *db, "--id", "k1"]) == 0
    assert main(["hq", "retire-store", *db, "--id", "s2"]) == 0
    capsys.readouterr()
    assert main(["hq", "set-hours", *db, "--store", "s1", "--tue", "9-17"]) == 2
    assert "tue:" in capsys.readouterr().err
    assert main(["hq", "set-store", *db, "--id", "s2", "--name", "Again"]) == 2
    assert "retired" in capsys.readouterr().err
    with open_database(url)[1]() as s:
        assert (s.get(Store, "s1").name, s.get(Store, "s1").timezone) == (
            "Kamppi",
            "Europe/Helsinki",
        )
        assert s.get(Store, "s2").retired_at and s.get(Store, "s2").name == "B"
        k1 = s.get(Device, "k1")
        assert (k1.name, k1.store_id, bool(k1.retired_at)) == ("Door", "s2", True)
        days = [(e.day, e.hours, e.note) for e in s.scalars(select(HoursException))]
        assert days == [("2026-12-25", "closed", "Christmas Day")]
        actors = set(s.scalars(select(AuditEvent.actor)))
        assert actors == {"cli"}
        assert (
            len(s.scalars(select(AuditEvent)).all()) == 3 + 9
        )  # the setup's, then one a change (set-device: two)
