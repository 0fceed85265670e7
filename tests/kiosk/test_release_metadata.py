"""The release key's metadata (issue 27), without HQ: TUF's rules on one signed document
(a version that only grows, an expiry, the releases by their manifests' hashes, rollbacks
only where the key allows them), and ``hymio release metadata`` that signs the next one."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from hymio.update.build import sign_metadata
from kiosk.releases.manifest import ReleaseError, load_private_key, sign
from kiosk.releases.metadata import (
    FILE_NAME,
    DowngradeError,
    Trusted,
    check_metadata,
    check_release,
    new_metadata,
    older,
    parse_metadata,
)
from tests.release_bundles import make_key

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
MANIFEST = b'{"a manifest": 1}\n'
SHA = hashlib.sha256(MANIFEST).hexdigest()


@pytest.fixture
def key(tmp_path):
    return make_key(tmp_path)


def signed(key, metadata) -> tuple[bytes, str]:
    data = metadata.encode()
    return data, sign(load_private_key(key[0]), data)


def test_each_new_metadata_is_one_version_on_and_expires_after_its_days():
    first = new_metadata(None, NOW, 30, add={"0.9.1": SHA})
    second = new_metadata(first, NOW, 7, add={"0.9.2": SHA}, rollback_to=("0.9.1",))
    third = new_metadata(second, NOW, 30, withdraw=("0.9.1",))
    assert [m.version for m in (first, second, third)] == [1, 2, 3]
    assert second.expires_at == NOW + timedelta(days=7)
    assert second.rollback_to == ["0.9.1"] and third.rollback_to == []  # stated afresh
    assert set(third.releases) == {"0.9.2"}
    with pytest.raises(ReleaseError, match="cannot withdraw 0.9.7"):
        new_metadata(first, NOW, 30, withdraw=("0.9.7",))
    with pytest.raises(ReleaseError, match="rollback_to names 0.9.7"):
        new_metadata(first, NOW, 30, rollback_to=("0.9.7",))


def test_a_kiosk_takes_only_signed_newer_unexpired_metadata(key):
    first = new_metadata(None, NOW, 30, add={"0.9.1": SHA})
    data, signature = signed(key, first)
    got = check_metadata(key[1], data, signature, NOW, None)
    trusted = Trusted.of(data, got)
    assert check_metadata(key[1], data, signature, NOW, trusted) == first  # the same again
    second = new_metadata(first, NOW, 30)
    newer, newer_signature = signed(key, second)
    now_trusted = Trusted.of(newer, check_metadata(key[1], newer, newer_signature, NOW, trusted))
    with pytest.raises(ReleaseError, match="version 1, older than version 2"):
        check_metadata(key[1], data, signature, NOW, now_trusted)
    twin = new_metadata(first, NOW, 31)  # another document, also version 2
    twin_data, twin_signature = signed(key, twin)
    with pytest.raises(ReleaseError, match="another release metadata under version 2"):
        check_metadata(key[1], twin_data, twin_signature, NOW, now_trusted)
    with pytest.raises(ReleaseError, match="expired at"):
        check_metadata(key[1], newer, newer_signature, NOW + timedelta(days=30), now_trusted)
    with pytest.raises(ReleaseError, match="metadata's signature is not one made with"):
        check_metadata(key[1], newer.replace(b'"version": 2', b'"version": 3'), newer_signature,
                       NOW, now_trusted)  # fmt: skip


def test_a_release_must_be_listed_with_its_manifest_and_not_older_unless_allowed():
    metadata = new_metadata(None, NOW, 30, add={"0.9.1": SHA, "0.9.2": SHA, "0.10.0": SHA})
    check_release(metadata, "0.10.0", MANIFEST, "0.9.2")  # 0.10 is newer than 0.9.2
    check_release(metadata, "0.9.1", MANIFEST, None)  # a first install
    with pytest.raises(DowngradeError, match="0.9.1 is older than the running release 0.9.2"):
        check_release(metadata, "0.9.1", MANIFEST, "0.9.2")
    with pytest.raises(DowngradeError, match="0.9.2 is older than the running release 0.10.0"):
        check_release(metadata, "0.9.2", MANIFEST, "0.10.0")
    allowed = new_metadata(metadata, NOW, 30, rollback_to=("0.9.1",))
    check_release(allowed, "0.9.1", MANIFEST, "0.10.0")
    with pytest.raises(ReleaseError, match="not the one the release key lists"):
        check_release(metadata, "0.9.2", MANIFEST + b" ", "0.9.1")
    with pytest.raises(ReleaseError, match="0.9.9 is not among the releases"):
        check_release(metadata, "0.9.9", MANIFEST, "0.9.1")


@pytest.mark.parametrize(
    ("version", "than", "is_older"),
    [
        ("0.9.1", "0.9.2", True),
        ("0.9.10", "0.9.9", False),
        ("1.0.dev3+g1234abc", "1.0", True),
        ("1.0rc1", "1.0", True),
        ("1.0", "1.0", False),
        ("1.0.post1", "1.0", False),
        ("not-a-version", "1.0", True),  # what cannot be ordered is never an upgrade
    ],
)
def test_releases_are_ordered_as_pep_440_orders_them(version, than, is_older):
    assert older(version, than) is is_older


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ((b'"format": 1', b'"format": 2'), "not valid: format"),
        ((b'"version": 1', b'"version": 0'), "not valid: version"),
        ((b'"releases": {', b'"releases": {"../x": "00", '), "not valid: releases"),
        ((b'"expires": "2026', b'"expires": "soon'), "is not an ISO 8601 time"),
        ((b'"rollback_to": []', b'"rollback_to": [], "extra": 1'), "not valid: extra"),
    ],
)
def test_what_is_not_metadata_is_refused_by_name(change, message):
    data = new_metadata(None, NOW, 30, add={"0.9.1": SHA}).encode()
    assert change[0] in data
    with pytest.raises(ReleaseError, match=message):
        parse_metadata(data.replace(*change))


def test_the_metadata_command_signs_the_next_version_for_hq(key, tmp_path):
    out = tmp_path / "builds"
    sign_metadata(load_private_key(key[0]), out, add={"0.9.1": SHA})
    command = [sys.executable, "-m", "hymio", "release", "metadata", "--key", str(key[0]),
               "--out", str(out), "--rollback-to", "0.9.1", "--expires-in", "10"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "hymio-release-metadata-2.tar" in done.stdout and "hymio hq add-release" in done.stdout
    metadata = parse_metadata((out / FILE_NAME).read_bytes())
    assert metadata.version == 2 and metadata.rollback_to == ["0.9.1"]
    assert (out / "hymio-release-metadata-2.tar").is_file()
    for wrong, says in (
        (["--rollback-to", "0.9.7"], "rollback_to names 0.9.7"),
        (["--withdraw", "0.9.7"], "cannot withdraw 0.9.7"),
        (["--expires-in", "0"], "give 1 to 366 days"),
    ):
        done = subprocess.run([*command[:9], *wrong], capture_output=True, text=True, timeout=60)
        assert done.returncode == 1 and says in done.stderr, done.stderr
    assert parse_metadata((out / FILE_NAME).read_bytes()).version == 2  # nothing signed
    (tmp_path / "other").mkdir()
    other, _ = make_key(tmp_path / "other")
    done = subprocess.run([*command[:5], "--key", str(other), *command[7:9]],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 1 and "is not signed with this key" in done.stderr
