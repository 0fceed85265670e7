"""Releases at HQ (issue 17), on SQLite and PostgreSQL: a signed bundle is added only
whole; rollout steps decide which release each device should run (the newest covering
step wins); devices fetch the manifest, signature and files with their token; bad input
is a clear error that changes nothing; the heartbeat's release fields and the fleet page."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hq.core.errors import DuplicateError, HQError
from hq.fleet.release_metadata import HELD
from hq.fleet.releases import (
    ReleaseBundleError,
    add_release,
    add_to_group,
    bucket,
    roll_out,
    wanted_for,
)
from hq.people.admin import add_device
from hq.tables.models import Release, Rollout
from hymio.update.build import metadata_bundle
from kiosk.releases.manifest import parse_manifest, verify
from kiosk.releases.metadata import parse_metadata
from tests.hq.conftest import log_in
from tests.release_bundles import files_of, make_bundle, make_key, metadata_folder

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


@pytest.fixture
def key(tmp_path) -> tuple[Path, str]:
    return make_key(tmp_path)


@pytest.fixture
def folder(hq, tmp_path) -> Path:
    """HQ's release folder, in the test's own folder."""
    hq.app.state.release_folder = tmp_path / "releases"
    return hq.app.state.release_folder


def _add(hq, folder: Path, bundle: Path):
    with hq.sessions() as s:
        return add_release(s, folder, bundle, NOW)


def _count(hq, model) -> int:
    with hq.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_a_release_is_added_whole_and_shared_files_are_kept_once(hq, folder, key, tmp_path):
    first = _add(hq, folder, make_bundle(tmp_path, "0.9.1", key[0]))
    second = _add(hq, folder, make_bundle(tmp_path, "0.9.2", key[0]))
    assert (first.version, second.version) == ("0.9.1", "0.9.2")
    stored = sorted(p.name for p in folder.rglob("*") if p.is_file() and p.name != HELD)
    # Two wheels of hymio, two requirements files, one dependency both share.
    assert len(stored) == 5 and all(len(n) == 64 for n in stored)
    again = _add(hq, folder, make_bundle(tmp_path, "0.9.1", key[0]))  # the same: no change
    assert again.version == "0.9.1" and _count(hq, Release) == 2
    with pytest.raises(DuplicateError, match="another release 0.9.1"):
        files = {**files_of("0.9.1"), "requirements.txt": b"other\n"}
        _add(hq, folder, make_bundle(tmp_path / "x", "0.9.1", key[0], files=files))


@pytest.mark.parametrize(
    ("how", "message"),
    [
        ({"leave_out": "requirements.txt"}, "names requirements.txt, which the bundle lacks"),
        ({"tamper": "sqlite_utils-4.2-py3-none-any.whl"}, "does not match the manifest"),
        ({"extra": "evil.pth"}, "holds files/evil.pth, which the manifest does not name"),
    ],
)
def test_a_bundle_that_is_not_whole_is_refused_and_nothing_is_added(
    hq, folder, key, tmp_path, how, message
):
    (tmp_path / "b").mkdir()
    bundle = make_bundle(tmp_path / "b", "0.9.5", key[0], **how)
    with pytest.raises(ReleaseBundleError, match=message):
        _add(hq, folder, bundle)
    assert _count(hq, Release) == 0


def test_what_is_not_a_bundle_is_refused(hq, folder, tmp_path):
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"<html>not a tar</html>")
    with pytest.raises(ReleaseBundleError, match="not a release bundle"):
        _add(hq, folder, junk)


def test_the_newest_rollout_step_that_covers_a_device_decides(hq, folder, key, tmp_path):
    for v in ("0.9.1", "0.9.2", "0.9.3"):
        _add(hq, folder, make_bundle(tmp_path, v, key[0]))
    with hq.sessions() as s:
        devices = [f"pi-{n:03d}" for n in range(200)]
        for d in devices:
            add_device(s, "s2", d, NOW)
        assert wanted_for(s, "k1", "s1") is None  # no rollout: keep what it runs
        roll_out(s, "0.9.1", "all", "", NOW)
        add_to_group(s, "pilots", ["k2"])
        roll_out(s, "0.9.2", "group", "pilots", NOW)
        roll_out(s, "0.9.2", "percent", "10", NOW)
        on_new = {d for d in devices if wanted_for(s, d, "s2") == "0.9.2"}
        assert on_new == {d for d in devices if bucket(d) < 10}
        assert 5 <= len(on_new) <= 40  # about a tenth of 200
        roll_out(s, "0.9.2", "percent", "50", NOW)  # the first tenth stays, more join
        assert on_new <= {d for d in devices if wanted_for(s, d, "s2") == "0.9.2"}
        roll_out(s, "0.9.3", "store", "s1", NOW)
        roll_out(s, "0.9.1", "device", "k2", NOW)  # one device back
        assert (wanted_for(s, "k1", "s1"), wanted_for(s, "k2", "s2")) == ("0.9.3", "0.9.1")


@pytest.mark.parametrize(
    ("version", "scope", "target", "message"),
    [
        ("9.9.9", "all", "", "HQ holds no release '9.9.9'"),
        ("0.9.1", "store", "nowhere", "no store 'nowhere'"),
        ("0.9.1", "device", "nobody", "no device 'nobody'"),
        ("0.9.1", "group", "ghosts", "no group 'ghosts'"),
        ("0.9.1", "percent", "0", "a whole number from 1 to 100"),
        ("0.9.1", "percent", "101", "a whole number from 1 to 100"),
    ],
)
def test_a_wrong_rollout_is_refused_and_changes_nothing(
    hq, folder, key, tmp_path, version, scope, target, message
):
    _add(hq, folder, make_bundle(tmp_path, "0.9.1", key[0]))
    with hq.sessions() as s, pytest.raises(HQError, match=message):
        roll_out(s, version, scope, target, NOW)
    assert _count(hq, Rollout) == 0


def test_a_device_fetches_its_release_with_its_token(hq, folder, key, tmp_path):
    bundle = make_bundle(tmp_path, "0.9.1", key[0])
    _add(hq, folder, bundle)
    assert hq.client.get("/api/v1/release", headers=hq.auth()).json() == {"version": None}
    with hq.sessions() as s:
        roll_out(s, "0.9.1", "store", "s1", NOW)
    assert hq.client.get("/api/v1/release", headers=hq.auth()).json() == {"version": "0.9.1"}
    other = hq.extra_devices["k2"]
    assert hq.client.get("/api/v1/release", headers=hq.auth(other)).json() == {"version": None}
    data = hq.client.get("/api/v1/releases/0.9.1/manifest", headers=hq.auth()).content
    signature = hq.client.get("/api/v1/releases/0.9.1/signature", headers=hq.auth()).text
    verify(key[1], data, signature)  # what HQ serves is what was signed
    for f in parse_manifest(data).files:
        got = hq.client.get(f"/api/v1/releases/0.9.1/files/{f.name}", headers=hq.auth())
        assert got.status_code == 200 and got.content == files_of("0.9.1")[f.name]


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/api/v1/releases/0.9.9/manifest", 404, "unknown_release"),
        ("/api/v1/releases/0.9.9/signature", 404, "unknown_release"),
        ("/api/v1/releases/0.9.1/files/nothing.whl", 404, "unknown_file"),
        ("/api/v1/releases/0.9.1/files/.hymio.pth", 422, "invalid"),
        ("/api/v1/releases/%20bad/manifest", 422, "invalid"),
    ],
)
def test_a_wrong_release_request_is_a_clear_4xx(hq, folder, key, tmp_path, path, status, code):
    _add(hq, folder, make_bundle(tmp_path, "0.9.1", key[0]))
    answer = hq.client.get(path, headers=hq.auth())
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["code"] == code


def test_release_files_need_a_device_token(hq, folder, key, tmp_path):
    _add(hq, folder, make_bundle(tmp_path, "0.9.1", key[0]))
    for path in ("/api/v1/release", "/api/v1/releases/0.9.1/manifest"):
        assert hq.client.get(path).status_code == 401
        assert hq.client.get(path, headers=hq.auth("not-a-token")).status_code == 401


def test_a_file_missing_from_hqs_folder_is_a_404_that_says_so(hq, folder, key, tmp_path):
    _add(hq, folder, make_bundle(tmp_path, "0.9.1", key[0]))
    for p in folder.rglob("*"):
        if p.is_file():
            p.unlink()
    answer = hq.client.get("/api/v1/releases/0.9.1/files/requirements.txt", headers=hq.auth())
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "file_missing"


def test_the_heartbeat_reports_releases_and_the_fleet_page_shows_the_rollout(
    hq, folder, key, tmp_path
):
    for v in ("0.9.1", "0.9.2"):
        _add(hq, folder, make_bundle(tmp_path, v, key[0]))
    with hq.sessions() as s:
        roll_out(s, "0.9.2", "all", "", NOW)
    beat = {
        "version": "0.9.1", "release": "0.9.1", "wanted_release": "0.9.2",
        "last_update": {"outcome": "rolled_back", "version": "0.9.2",
                        "at": "2026-12-01T11:00:00+00:00", "detail": "kiosk did not come up"},
    }  # fmt: skip
    assert hq.client.post("/api/v1/heartbeat", json=beat, headers=hq.auth()).status_code == 200
    k2 = {"version": "0.9.2", "release": "0.9.2", "last_update": {"outcome": "updated"}}
    answer = hq.client.post("/api/v1/heartbeat", json=k2, headers=hq.auth(hq.extra_devices["k2"]))
    assert answer.status_code == 200
    too_long = {**beat, "last_update": {"outcome": "failed", "detail": "x" * 501}}
    assert hq.client.post("/api/v1/heartbeat", json=too_long, headers=hq.auth()).status_code == 422
    log_in(hq)
    page = hq.client.get("/fleet").text
    assert 'data-release="0.9.2"' in page
    row = page.split('data-release="0.9.2"', 1)[1].split("</tr>", 1)[0]
    assert 'data-wanted-by="2"' in row and 'data-running="1"' in row and 'data-failed="1"' in row
    k1 = page.split('data-device="k1"', 1)[1].split("</tr>", 1)[0]
    assert 'data-wanted="0.9.2"' in k1 and 'data-outcome="rolled_back"' in k1
    assert "kiosk did not come up" in k1


def test_the_commands_add_roll_out_and_group_and_say_what_is_wrong(tmp_path, key):
    from tests.hq.served import hymio

    db = f"sqlite:///{tmp_path / 'hq.db'}"
    assert hymio("hq", "add-store", "--database", db, "--id", "s1", "--name", "K",
                 "--timezone", "Europe/Helsinki").returncode == 0  # fmt: skip
    assert (
        hymio("hq", "add-device", "--database", db, "--store", "s1", "--id", "pi-1").returncode == 0
    )
    added = hymio("hq", "add-release", "--database", db, "--file",
                  str(make_bundle(tmp_path, "0.9.1", key[0])))  # fmt: skip
    assert added.returncode == 0 and "release 0.9.1: 3 files" in added.stdout, added.stderr
    assert list((tmp_path / "releases").rglob("*"))  # beside the SQLite file
    grouped = hymio("hq", "add-to-group", "--database", db, "--group", "pilots", "--device", "pi-1")
    assert grouped.returncode == 0 and "1 device(s) added to group pilots" in grouped.stdout
    assert "release metadata version 1" in added.stdout
    done = hymio("hq", "rollout", "--database", db, "--release", "0.9.1", "--group", "pilots")
    assert done.returncode == 0 and "group pilots should now run 0.9.1" in done.stdout
    assert "kiosks on a newer release than 0.9.1 keep theirs" in done.stdout
    old = hymio("hq", "add-release", "--database", db, "--file",
                str(make_bundle(tmp_path / "o", "0.8.0", key[0], metadata=False)))  # fmt: skip
    assert old.returncode == 0 and "does not list 0.8.0: kiosks refuse it" in old.stdout
    unlisted = hymio("hq", "rollout", "--database", db, "--release", "0.8.0", "--all")
    assert unlisted.returncode == 0 and "does not list 0.8.0: kiosks refuse it" in unlisted.stdout
    wrong = hymio("hq", "rollout", "--database", db, "--release", "0.9.9", "--all")
    assert wrong.returncode == 1 and "HQ holds no release '0.9.9'" in wrong.stderr
    both = hymio("hq", "rollout", "--database", db, "--release", "0.9.1", "--all", "--store", "s1")
    assert both.returncode == 2 and "not allowed with argument" in both.stderr
    junk = tmp_path / "junk.tar"
    junk.write_text("no")
    refused = hymio("hq", "add-release", "--database", db, "--file", str(junk))
    assert refused.returncode == 1 and "not a release bundle" in refused.stderr


# --- the release key's metadata at HQ (issue 27) -------------------------------------


def _served_metadata(hq) -> tuple[bytes, str] | None:
    answer = hq.client.get("/api/v1/release-metadata", headers=hq.auth())
    if answer.status_code == 404:
        assert answer.json()["error"]["code"] == "no_release_metadata"
        return None
    assert answer.status_code == 200, answer.text
    return answer.json()["signed"].encode(), answer.json()["signature"]


def test_hq_serves_the_newest_release_metadata_as_it_was_signed(hq, folder, key, tmp_path):
    assert _served_metadata(hq) is None  # none yet: a clear 404
    assert hq.client.get("/api/v1/release-metadata").status_code == 401
    _add(hq, folder, make_bundle(tmp_path, "0.9.1", key[0], metadata=False))  # an old bundle
    assert _served_metadata(hq) is None
    _add(hq, folder, make_bundle(tmp_path, "0.9.2", key[0]))
    data, signature = _served_metadata(hq)
    verify(key[1], data, signature, "release metadata")  # byte for byte what was signed
    assert parse_metadata(data).releases.keys() == {"0.9.2"}
    newer = metadata_bundle(key[0], metadata_folder(key[0]), rollback_to=("0.9.2",), now=NOW)
    assert _add(hq, folder, newer) is None  # a bundle of just the metadata
    data, _ = _served_metadata(hq)
    assert parse_metadata(data).version == 2 and parse_metadata(data).rollback_to == ["0.9.2"]
    # An older bundle (its metadata version 1) adds its release and keeps HQ's version 2.
    _add(hq, folder, make_bundle(tmp_path / "old", "0.9.0", key[0], metadata=False))
    assert parse_metadata(_served_metadata(hq)[0]).version == 2


def test_another_metadata_under_the_same_version_is_refused_and_changes_nothing(
    hq, folder, key, tmp_path
):
    _add(hq, folder, make_bundle(tmp_path, "0.9.1", key[0]))
    before = _served_metadata(hq)
    (tmp_path / "other").mkdir()
    other, _public = make_key(tmp_path / "other")  # its list starts again at version 1
    with pytest.raises(DuplicateError, match="another release metadata version 1"):
        _add(hq, folder, make_bundle(tmp_path / "other", "0.9.2", other))
    assert _served_metadata(hq) == before and _count(hq, Release) == 1


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"release-metadata.json": b"{}"}, "no release-metadata.sig"),
        ({"release-metadata.json": b"{}", "release-metadata.sig": b"x" * 86 + b"=="}, "not valid"),
        ({"release-metadata.json": b"[]", "release-metadata.sig": b"x", "evil.pth": b"x"},
         "no manifest.json, but evil.pth"),
    ],
)  # fmt: skip
def test_a_metadata_bundle_that_is_not_one_is_refused(hq, folder, tmp_path, members, message):
    import io
    import tarfile

    bundle = tmp_path / "metadata.tar"
    with tarfile.open(bundle, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    with pytest.raises(ReleaseBundleError, match=message):
        _add(hq, folder, bundle)
    assert _served_metadata(hq) is None
