"""The staff PIN from HQ on the kiosk (issue 17): sync's settings pull brings HQ's PIN
hash with the survey settings, and the kiosk's PIN lock takes it, unless a PIN was set
on the kiosk itself (``[staff] pin_hash`` in its settings file), which always wins."""

from __future__ import annotations

import json
import subprocess
import sys

from hq.fleet.staff_pins import set_staff_pin
from hq.fleet.surveys import set_survey
from hymio.cli.set_pin import set_pin_hash
from kiosk import pin
from kiosk.settings.load import load_settings
from kiosk.settings.overlay import apply_overlay, overlay_path
from kiosk.staff import OK, WRONG, PinLock
from kiosk.store.ledger import Ledger
from sync.client import HQClient
from sync.config_pull import pull_config
from tests.sync.conftest import write_settings


def answer(settings, entered: str) -> str:
    return PinLock.from_settings(apply_overlay(settings)).check(entered).result


def test_the_pin_set_at_hq_reaches_the_kiosk_and_a_local_one_wins(live, kiosk, tmp_path):
    hq, url = live
    path = write_settings(tmp_path, url, hq.token, kiosk.path)
    settings = load_settings(path)
    ledger, client = Ledger(kiosk), HQClient(url, hq.token)
    with hq.sessions() as s:
        set_staff_pin(s, "s1", "", pin.hash_pin("2468"), hq.clock.now)
    # HQ has no survey settings (version 0), only the PIN: it is still pulled.
    assert pull_config(settings, ledger, client) == "updated"
    kept = json.loads(overlay_path(settings).read_text())
    assert "2468" not in json.dumps(kept) and pin.check_pin("2468", kept["staff"]["pin_hash"])
    assert answer(settings, "2468") == OK
    assert apply_overlay(settings).survey.version == load_settings(path).survey.version
    # A survey and the PIN together; then a PIN set on the kiosk wins over HQ's.
    with hq.sessions() as s:
        set_survey(s, "s1", "", {"survey": {"scale": "smiley5"}, "hours": {}}, hq.clock.now)
    assert pull_config(settings, ledger, client) == "updated"
    assert apply_overlay(settings).survey.scale == "smiley5" and answer(settings, "2468") == OK
    original = path.read_text()
    path.write_text(set_pin_hash(original, pin.hash_pin("97531")))
    local = load_settings(path)
    assert answer(local, "97531") == OK and answer(local, "2468") == WRONG
    with hq.sessions() as s:  # a new PIN at HQ does not move the kiosk's own
        set_staff_pin(s, "s1", "k1", pin.hash_pin("1111"), hq.clock.now)
    assert pull_config(local, ledger, client) == "updated"
    assert answer(local, "97531") == OK and answer(local, "1111") == WRONG
    # Its own PIN taken out (hymio set-pin --use-hq), the kiosk takes HQ's (the device's
    # over the store's).
    done = subprocess.run([sys.executable, "-m", "hymio", "set-pin", "--config", str(path),
                           "--use-hq"], capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0 and "HQ's applies" in done.stdout, done.stderr
    assert path.read_text().startswith(original) and "pin_hash" not in path.read_text()
    assert answer(settings, "1111") == OK and answer(settings, "2468") == WRONG
