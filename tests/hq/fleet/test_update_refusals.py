"""What ``hymio update`` refuses before anything is installed (issue 17), against a real
HQ on 127.0.0.1: a file that differs from the signed manifest, a release signed with
another key, a file HQ has lost, and HQ (or what answers in its place) saying 404, 500 or
HTML. Each leaves the kiosk's install folders as they were and says why; the outcome is
in ``update.json`` for the heartbeat. Also: closed hours, and a release rolled back once
is not tried again by the timer."""

from __future__ import annotations

import http.server
import json
import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hq.fleet.release_metadata import HELD
from hq.fleet.releases import add_release, roll_out
from hymio.update import FetchError, UpdateError
from hymio.update.build import metadata_bundle
from hymio.update.fetch import ReleaseSource
from hymio.update.updater import Updater
from kiosk.doctor import WARN, Context
from kiosk.releases.manifest import new_key
from kiosk.releases.state import check_update, read_state, state_path
from kiosk.settings.load import parse_settings
from tests.release_bundles import files_of, make_bundle, make_key, metadata_folder

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


class NoUnits:
    """Units that must not be touched: nothing may restart before a release is installed."""

    def restart(self):
        raise AssertionError("the units were restarted")

    def wait_ready(self, *args):
        raise AssertionError("the units were waited for")


def _settings(tmp: Path, url: str, token: str, key: str, hours: str = "00:00-24:00"):
    days = dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), hours)
    return parse_settings(
        {
            "device": {"id": "k1", "store_id": "s1"},
            "hq": {"url": url, "token": token, "release_key": key},
            "storage": {"path": str(tmp / "data/ratings.db")},
            "hours": days,
        }
    )


@pytest.fixture
def site(live_hq, tmp_path):
    """HQ serving release 0.9.1 to k1; the kiosk's settings and an empty install root."""
    hq, url = live_hq
    key, public = make_key(tmp_path)
    hq.app.state.release_folder = tmp_path / "hq-releases"
    with hq.sessions() as s:
        add_release(s, hq.app.state.release_folder, make_bundle(tmp_path, "0.9.1", key), NOW)
        roll_out(s, "0.9.1", "all", "", NOW)
    return hq, url, public, tmp_path


def _updater(settings, root: Path, url: str, token: str, units=None) -> Updater:
    return Updater(settings, root, ReleaseSource(url, token), units=units or NoUnits(),
                   now=lambda: NOW)  # fmt: skip


def _nothing_installed(root: Path) -> None:
    assert not (root / "releases").exists() or not list((root / "releases").iterdir())
    assert not (root / "current").is_symlink()


def test_a_tampered_file_is_refused_before_install(site):
    hq, url, public, tmp = site
    stored = [p for p in (tmp / "hq-releases").rglob("*") if p.is_file()]
    victim = max(stored, key=lambda p: p.stat().st_size)  # the pretend hymio wheel
    victim.write_bytes(victim.read_bytes()[:-1] + b"X")  # same size, another byte
    settings = _settings(tmp, url, hq.token, public)
    with pytest.raises(UpdateError, match="does not match the signed manifest"):
        _updater(settings, tmp / "opt", url, hq.token).run(at_once=True)
    _nothing_installed(tmp / "opt")
    state = read_state(state_path(settings.storage.path))
    assert state.last_update["outcome"] == "refused" and state.wanted == "0.9.1"
    assert not list((tmp / "opt/downloads/0.9.1").glob("hymio-*"))  # the bad file is gone


def test_a_release_signed_with_another_key_is_refused(site):
    hq, url, _public, tmp = site
    other = new_key()[1]
    settings = _settings(tmp, url, hq.token, other)
    with pytest.raises(UpdateError, match="signature is not one made with this kiosk's"):
        _updater(settings, tmp / "opt", url, hq.token).run(at_once=True)
    _nothing_installed(tmp / "opt")
    assert not (tmp / "opt/downloads/0.9.1").exists()  # refused before any file was fetched
    assert read_state(state_path(settings.storage.path)).last_update["outcome"] == "refused"


def test_a_file_hq_lost_fails_the_update_and_installs_nothing(site):
    hq, url, public, tmp = site
    for p in (tmp / "hq-releases").rglob("*"):
        if p.is_file() and p.name != HELD:  # the release's files; the metadata stays
            p.unlink()
    settings = _settings(tmp, url, hq.token, public)
    with pytest.raises(FetchError, match="404: HQ's release folder lacks"):
        _updater(settings, tmp / "opt", url, hq.token).run(at_once=True)
    _nothing_installed(tmp / "opt")
    assert read_state(state_path(settings.storage.path)).last_update["outcome"] == "failed"


class Impostor(http.server.BaseHTTPRequestHandler):
    """What answers in HQ's place: a 500, a 404, or a captive portal's HTML login page."""

    status, body, kind = 500, b"Internal Server Error", "text/plain"

    def do_GET(self):
        self.send_response(self.status)
        self.send_header("Content-Type", self.kind)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.mark.parametrize(
    ("status", "body", "kind", "said"),
    [
        (500, b"Internal Server Error", "text/plain", "with 500"),
        (404, b"<html>Not Found</html>", "text/html", "with 404"),
        (200, b"<html><form>Log in to the shop Wi-Fi</form></html>", "text/html", "not HQ's JSON"),
    ],
)
def test_an_answer_that_is_not_hqs_changes_nothing(tmp_path, status, body, kind, said):
    handler = type("H", (Impostor,), {"status": status, "body": body, "kind": kind})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        settings = _settings(tmp_path, url, "t" * 43, new_key()[1])
        with pytest.raises(FetchError, match=said):
            _updater(settings, tmp_path / "opt", url, "t" * 43).run(at_once=True)
    finally:
        server.shutdown()
        server.server_close()
    _nothing_installed(tmp_path / "opt")
    assert read_state(state_path(settings.storage.path)).last_update is None


@pytest.mark.parametrize(
    ("hours", "local", "closed"),
    [
        ("08:00-21:00", (22, 30), True),
        ("08:00-21:00", (12, 0), False),
        ("00:00-24:00", (3, 30), True),  # never closes: the night is its closed time
        ("00:00-24:00", (12, 0), False),
    ],
)
def test_updates_wait_for_the_stores_closed_hours(tmp_path, hours, local, closed):
    settings = _settings(tmp_path, "http://127.0.0.1:9", "t" * 43, new_key()[1], hours)
    at = datetime(2026, 12, 1, *local, tzinfo=settings.device.tz)
    updater = Updater(settings, tmp_path / "opt", ReleaseSource("http://127.0.0.1:9", "t"),
                      units=NoUnits(), now=lambda: at)  # fmt: skip
    assert updater.closed() is closed
    if not closed:  # nothing is asked of HQ (none listens on port 9)
        assert "the store is open" in updater.run()


def test_a_release_rolled_back_here_is_not_tried_again_by_the_timer(site):
    hq, url, public, tmp = site
    settings = _settings(tmp, url, hq.token, public, "closed")
    updater = _updater(settings, tmp / "opt", url, hq.token)
    updater.state.rolled_back.append("0.9.1")
    assert "0.9.1 was rolled back here before; try it again with --now" in updater.run()
    _nothing_installed(tmp / "opt")


# --- the release key's metadata: no downgrade, no replay, no expired list (issue 27) ----


def _running(root: Path, version: str) -> None:
    """A kiosk whose ``current`` release is *version* (installed earlier)."""
    folder = root / "releases" / version
    folder.mkdir(parents=True)
    (folder / ".hymio-release").write_text(json.dumps({"version": version}))
    (root / "current").symlink_to(f"releases/{version}")


def _add(hq, bundle: Path) -> None:
    with hq.sessions() as s:
        add_release(s, hq.app.state.release_folder, bundle, NOW)


def _publish(hq, key: Path, **changes) -> None:
    """The release key's next metadata (hymio release metadata), added at HQ."""
    bundle = metadata_bundle(key, metadata_folder(key), **changes, now=NOW)
    _add(hq, bundle)


def test_an_older_correctly_signed_release_is_refused_naming_both_versions(site, caplog):
    hq, url, public, tmp = site
    _add(hq, make_bundle(tmp, "0.9.2", tmp / "release.key"))  # signed, listed, newer
    _running(tmp / "opt", "0.9.2")
    settings = _settings(tmp, url, hq.token, public)
    said = "release 0.9.1 is older than the running release 0.9.2"
    with pytest.raises(UpdateError, match=said):
        _updater(settings, tmp / "opt", url, hq.token).run(at_once=True)  # HQ wants 0.9.1
    assert not (tmp / "opt/downloads/0.9.1").exists()  # refused before any file was fetched
    assert os.readlink(tmp / "opt/current") == "releases/0.9.2"
    state = read_state(state_path(settings.storage.path))
    assert state.last_update["outcome"] == "refused" and said in state.last_update["detail"]
    assert state.report()["last_update"]["detail"] == state.last_update["detail"]  # heartbeat
    assert any(said in r.getMessage() and r.levelname == "WARNING" for r in caplog.records)
    [finding] = check_update(Context(settings))
    assert finding.level == WARN and said in finding.detail
    # the timer's next run refuses it again: HQ cannot talk the kiosk into it
    with pytest.raises(UpdateError, match=said):
        _updater(settings, tmp / "opt", url, hq.token).run(at_once=True)


def test_a_rollback_signed_with_the_release_key_is_taken(site):
    hq, url, public, tmp = site
    key = tmp / "release.key"
    _add(hq, make_bundle(tmp, "0.9.2", key))
    _running(tmp / "opt", "0.9.2")
    settings = _settings(tmp, url, hq.token, public)
    _publish(hq, key, rollback_to=("0.9.1",))  # the fleet may go back to 0.9.1
    with pytest.raises(UpdateError) as failed:  # the pretend wheels do not install
        _updater(settings, tmp / "opt", url, hq.token).run(at_once=True)
    assert "older" not in str(failed.value)
    state = read_state(state_path(settings.storage.path))
    assert state.last_update["outcome"] == "failed"  # past every check, into pip
    assert sorted(p.name for p in (tmp / "opt/downloads/0.9.1").iterdir()) == sorted(
        files_of("0.9.1")
    )  # fetched and checked against the signed manifest
    assert state.metadata["version"] == 3


def test_replayed_older_metadata_is_refused(site):
    hq, url, public, tmp = site
    key = tmp / "release.key"
    folder = hq.app.state.release_folder
    old = (folder / HELD).read_bytes()  # version 1, signed, not expired
    _publish(hq, key)  # version 2
    settings = _settings(tmp, url, hq.token, public, "closed")
    updater = _updater(settings, tmp / "opt", url, hq.token)
    assert updater._metadata(public).version == 2  # accepted and kept on the device
    (folder / HELD).write_bytes(old)  # HQ (or who answers for it) serves version 1 again
    with pytest.raises(UpdateError, match="older than version 2 this kiosk already accepted"):
        _updater(settings, tmp / "opt", url, hq.token).run(at_once=True)
    _nothing_installed(tmp / "opt")
    state = read_state(state_path(settings.storage.path))
    assert state.metadata["version"] == 2 and state.last_update["outcome"] == "refused"


def test_expired_metadata_is_refused(site):
    hq, url, public, tmp = site
    settings = _settings(tmp, url, hq.token, public)
    later = NOW + timedelta(days=31)  # the metadata was signed to hold 30 days
    updater = Updater(settings, tmp / "opt", ReleaseSource(url, hq.token), units=NoUnits(),
                      now=lambda: later)  # fmt: skip
    with pytest.raises(UpdateError, match="expired at 2026-12-31"):
        updater.run(at_once=True)
    _nothing_installed(tmp / "opt")
    assert read_state(state_path(settings.storage.path)).last_update["outcome"] == "refused"


def test_a_withdrawn_release_is_refused(site):
    hq, url, public, tmp = site
    _publish(hq, tmp / "release.key", withdraw=("0.9.1",))
    settings = _settings(tmp, url, hq.token, public)
    with pytest.raises(UpdateError, match="not among the releases the release key lists"):
        _updater(settings, tmp / "opt", url, hq.token).run(at_once=True)
    _nothing_installed(tmp / "opt")


def test_hq_cannot_make_metadata_of_its_own(site):
    hq, url, public, tmp = site
    folder = hq.app.state.release_folder
    held = json.loads((folder / HELD).read_text())
    forged = held["signed"].replace('"rollback_to": []', '"rollback_to": ["0.9.1"]')
    forged = forged.replace('"version": 1', '"version": 9')
    (folder / HELD).write_text(json.dumps({**held, "signed": forged}))
    settings = _settings(tmp, url, hq.token, public)
    with pytest.raises(UpdateError, match="metadata's signature is not one made with this kiosk"):
        _updater(settings, tmp / "opt", url, hq.token).run(at_once=True)
    assert read_state(state_path(settings.storage.path)).metadata is None
