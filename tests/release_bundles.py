"""Small signed release bundles made in the test, without building wheels: what HQ and
the fetching kiosk check (the manifest, the signature, the files' sizes and hashes) is the
same for them as for a real release."""

from __future__ import annotations

import hashlib
import tarfile
from datetime import UTC, datetime
from pathlib import Path

from hymio.update.build import sign_metadata
from kiosk.releases.manifest import Manifest, ReleaseFile, new_key, sign
from kiosk.releases.metadata import FILE_NAME, SIGNATURE_NAME

WHEEL = "hymio-{v}-py3-none-any.whl"
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)  # the tests' clock: the metadata expires 30 days on


def metadata_folder(key: Path) -> Path:
    """Where the release metadata signed with *key* is kept between bundles."""
    return key.with_name(key.name + ".metadata")


def make_key(folder: Path) -> tuple[Path, str]:
    """A release key: the private key file and the public key text."""
    pem, public = new_key()
    path = folder / "release.key"
    path.write_bytes(pem)
    return path, public


def files_of(version: str) -> dict[str, bytes]:
    """A release's files: a pretend wheel, a shared dependency and requirements.txt."""
    return {
        WHEEL.format(v=version): f"hymio {version}".encode() * 1000,
        "sqlite_utils-4.2-py3-none-any.whl": b"a dependency both releases share" * 100,
        "requirements.txt": f"hymio=={version} --hash=sha256:0\n".encode(),
    }


def make_bundle(
    folder: Path,
    version: str,
    key: Path,
    *,
    files: dict[str, bytes] | None = None,
    leave_out: str | None = None,
    tamper: str | None = None,
    extra: str | None = None,
    metadata: bool = True,
) -> Path:
    """The bundle of *version* signed with *key*: *leave_out* a file the manifest names,
    *tamper* with one after signing, or add an *extra* one the manifest does not name.
    With *metadata*, the next release metadata of *key* (kept beside it) lists it, as
    ``hymio release build`` does."""
    from kiosk.releases.manifest import load_private_key, sha256_of

    files = files if files is not None else files_of(version)
    work = folder / f"build-{version}"
    (work / "files").mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (work / "files" / name).write_bytes(data)
    manifest = Manifest(
        version=version, python="3.11", built_at="2026-12-01T15:00:00.000000+00:00",
        files=[
            ReleaseFile(name=n, size=len(d), sha256=sha256_of(work / "files" / n))
            for n, d in sorted(files.items())
        ],
    )  # fmt: skip
    data = manifest.encode()
    (work / "manifest.json").write_bytes(data)
    (work / "manifest.sig").write_text(sign(load_private_key(key), data))
    if metadata:
        signed = sign_metadata(
            load_private_key(key), metadata_folder(key),
            add={version: hashlib.sha256(data).hexdigest()}, now=NOW,
        )  # fmt: skip
        assert version in signed.releases
    if tamper:
        (work / "files" / tamper).write_bytes(files[tamper] + b"!")
    if extra:
        (work / "files" / extra).write_bytes(b"not in the manifest")
    bundle = folder / f"hymio-release-{version}.tar"
    with tarfile.open(bundle, "w") as tar:
        tar.add(work / "manifest.json", arcname="manifest.json")
        tar.add(work / "manifest.sig", arcname="manifest.sig")
        if metadata:
            for name in (FILE_NAME, SIGNATURE_NAME):
                tar.add(metadata_folder(key) / name, arcname=name)
        for p in sorted((work / "files").iterdir()):
            if p.name != leave_out:
                tar.add(p, arcname=f"files/{p.name}")
    return bundle
