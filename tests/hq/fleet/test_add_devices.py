"""``hymio hq add-devices`` (issue 17), on SQLite and PostgreSQL: a CSV list of devices is
added all or none; the tokens go to a new file of mode 0600, never to the terminal, and
each of them works."""

from __future__ import annotations

import csv
import os

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from hq.server.app import create_app
from hq.tables.models import Device, DeviceEnrolment
from hymio.cli import main


@pytest.fixture
def db(database_url):
    store = ["--id", "s1", "--name", "Kamppi", "--timezone", "Europe/Helsinki"]
    assert main(["hq", "add-store", "--database", database_url, *store]) == 0
    return database_url


def add_devices(db: str, listing, tokens) -> int:
    return main(["hq", "add-devices", "--database", db, "--file", str(listing),
                 "--tokens", str(tokens)])  # fmt: skip


def test_a_list_of_devices_is_added_and_their_tokens_go_to_a_private_file(db, tmp_path, capsys):
    listing = tmp_path / "devices.csv"
    listing.write_text("store,device\ns1,till-1\ns1,till-2\n\ns1, till-3 \n", encoding="utf-8")
    tokens = tmp_path / "tokens.csv"
    capsys.readouterr()
    assert add_devices(db, listing, tokens) == 0
    out = capsys.readouterr()
    assert "added 3 devices" in out.out and str(tokens) in out.out
    assert os.stat(tokens).st_mode & 0o777 == 0o600
    rows = list(csv.DictReader(tokens.open()))
    assert [(r["device"], r["store"]) for r in rows] == [
        ("till-1", "s1"), ("till-2", "s1"), ("till-3", "s1"),
    ]  # fmt: skip
    assert not any(r["token"] in out.out + out.err for r in rows)
    app = create_app(db)
    with TestClient(app) as client:
        for r in rows:
            answer = client.get("/api/v1/config", headers={"Authorization": f"Bearer {r['token']}"})
            assert answer.status_code == 200
        with app.state.sessions() as s:
            hows = s.execute(select(DeviceEnrolment.device_id, DeviceEnrolment.added_how)).all()
            assert sorted(hows) == [(f"till-{n}", "add-devices") for n in (1, 2, 3)]
    app.state.engine.dispose()


@pytest.mark.parametrize(
    ("listing", "says"),
    [
        ("store,device\ns1,till-1\ns9,till-2\n", "no store 's9'"),
        ("store,device\ns1,till-1\ns1,till-1\n", "line 3: device 'till-1' is on line 2 too"),
        ("store,device\ns1,till 1\n", "line 2: device id 'till 1' is not a usable id"),
        ("store,device\ns1,till-1,extra\n", "line 2 has 3 fields"),
        ("shop,kiosk\ns1,till-1\n", "line 1 must name the columns store and device"),
        ("store,device\ns1,k-old\ns1,till-1\n", "device 'k-old' already exists"),
        ("", "is empty"),
    ],
)
def test_a_bad_list_adds_nothing_writes_no_tokens_and_says_why(db, tmp_path, capsys, listing, says):
    assert main(["hq", "add-device", "--database", db, "--store", "s1", "--id", "k-old"]) == 0
    path = tmp_path / "devices.csv"
    path.write_text(listing, encoding="utf-8")
    tokens = tmp_path / "tokens.csv"
    capsys.readouterr()
    assert add_devices(db, path, tokens) == 1
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err
    assert not tokens.exists()
    app = create_app(db)
    with app.state.sessions() as s:
        assert s.scalars(select(Device.id)).all() == ["k-old"]
    app.state.engine.dispose()


def test_an_existing_tokens_file_is_never_overwritten(db, tmp_path, capsys):
    listing = tmp_path / "devices.csv"
    listing.write_text("store,device\ns1,till-1\n", encoding="utf-8")
    tokens = tmp_path / "tokens.csv"
    tokens.write_text("earlier tokens\n")
    assert add_devices(db, listing, tokens) == 1
    assert "exists; name a new file" in capsys.readouterr().err
    assert tokens.read_text() == "earlier tokens\n"
