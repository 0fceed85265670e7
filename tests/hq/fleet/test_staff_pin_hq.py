"""``hymio hq set-pin`` (issue 17), on SQLite and PostgreSQL: HQ keeps only the PIN's
scrypt hash (the kiosk's own scheme), per store or per device, and sends the hash with
the survey settings (``GET /api/v1/config``); the PIN itself is never stored or sent."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from hymio.cli import main
from kiosk import pin


def set_pin(monkeypatch, url: str, entered: str, *where: str) -> int:
    monkeypatch.setenv("HYMIO_PIN", entered)
    return main(["hq", "set-pin", "--database", url, *where])


def config(hq, token: str | None = None):
    return hq.client.get("/api/v1/config", headers=hq.auth(token))


def test_a_store_pin_reaches_its_kiosks_as_a_hash_and_a_device_pin_wins(
    hq, database_url, monkeypatch, capsys
):
    before = config(hq)
    assert before.json()["staff"] == {}
    assert set_pin(monkeypatch, database_url, "482916", "--store", "s1") == 0
    assert "store s1" in capsys.readouterr().out
    answer = config(hq)
    assert answer.status_code == 200 and answer.headers["ETag"] != before.headers["ETag"]
    store_hash = answer.json()["staff"]["pin_hash"]
    assert pin.check_pin("482916", store_hash) and not pin.check_pin("482917", store_hash)
    assert "482916" not in answer.text
    assert config(hq, hq.extra_devices["k2"]).json()["staff"] == {}  # another store
    assert set_pin(monkeypatch, database_url, "1357", "--store", "s1", "--device", "k1") == 0
    own = config(hq).json()["staff"]["pin_hash"]
    assert pin.check_pin("1357", own) and not pin.check_pin("482916", own)
    with hq.sessions() as s:
        stored = str(s.execute(text("SELECT * FROM staff_pins")).all())
    assert "482916" not in stored and "1357" not in stored and store_hash in stored


@pytest.mark.parametrize(
    ("entered", "where", "code", "says"),
    [
        ("12", ["--store", "s1"], 2, "4 to 12 digits"),
        ("12ab", ["--store", "s1"], 2, "4 to 12 digits"),
        ("4821", ["--store", "s9"], 1, "no store 's9'"),
        ("4821", ["--store", "s1", "--device", "k2"], 1, "no device 'k2' in store 's1'"),
    ],
)
def test_a_bad_pin_or_target_stores_nothing(
    hq, database_url, monkeypatch, capsys, entered, where, code, says
):
    assert set_pin(monkeypatch, database_url, entered, *where) == code
    assert says in capsys.readouterr().err
    with hq.sessions() as s:
        assert s.execute(text("SELECT count(*) FROM staff_pins")).scalar() == 0
    assert config(hq).json()["staff"] == {}
