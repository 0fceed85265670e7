"""``hymio release build``: a release bundle from a built hymio wheel. pip downloads the
exact wheels the hymio wheel needs (with its extra, ``pi`` for a kiosk) into a wheelhouse;
``requirements.txt`` pins each with its SHA-256 (``--require-hashes``); the manifest names
every file by size and SHA-256 and is signed with the release key. The bundle is one tar
file for ``hymio hq add-release``, with the release metadata that lists the new release
(:mod:`kiosk.releases.metadata`): the next version of the one kept in the output folder.

Build on the kind of machine the kiosks are (a Raspberry Pi with their Python); or, on any
other machine, ``--for-pi`` (:data:`PI`) fetches the wheels of a Pi on Raspberry Pi OS
bookworm and stamps the release with its Python; or pass pip's ``--platform`` and
``--python-version`` in ``$HYMIO_PIP_ARGS`` for another kind of kiosk.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import subprocess
import sys
import tarfile
from datetime import UTC, datetime
from pathlib import Path

from kiosk.releases.manifest import (
    REQUIREMENTS,
    Manifest,
    ReleaseError,
    describe,
    load_private_key,
    public_text,
    sign,
    verify,
)
from kiosk.releases.metadata import (
    FILE_NAME,
    SIGNATURE_NAME,
    ReleaseMetadata,
    new_metadata,
    parse_metadata,
)
from kiosk.timekeeping.localtime import to_utc_text

PIP_ARGS_VAR = "HYMIO_PIP_ARGS"
PI_PYTHON = "3.11"  # Raspberry Pi OS bookworm's, as the kiosks run it
# pip's options for a Pi's wheels: CPython 3.11 on aarch64, every manylinux tag up to
# bookworm's glibc 2.36 (pip adds no older tags itself, and lgpio ships only 2_34).
PI = (
    "--python-version", PI_PYTHON, "--implementation", "cp",
    "--abi", "cp311", "--abi", "abi3", "--abi", "none",
    *(f"--platform=manylinux_2_{n}_aarch64" for n in range(17, 37)),
)  # fmt: skip
EXPIRES_IN = 30.0  # days the release metadata holds: kiosks refuse it after that


def wheel_version(wheel: Path) -> str:
    """The version in a wheel's file name (``hymio-0.9.2-py3-none-any.whl`` → ``0.9.2``)."""
    parts = wheel.name.split("-")
    if wheel.suffix != ".whl" or len(parts) < 5:
        raise ReleaseError(
            f"{wheel.name} is not a wheel's file name; build one with python -m build"
        )
    return parts[1]


def build_release(
    wheel: Path,
    key: Path,
    out: Path,
    extras: str = "pi",
    days: float = EXPIRES_IN,
    for_pi: bool = False,
) -> Path:
    """The signed bundle of *wheel* and its dependencies (with *extras*), in *out*, with
    the next release metadata (:func:`sign_metadata`), which lists it; *for_pi*: a Pi's
    wheels and Python (:data:`PI`), whatever machine builds it."""
    private = load_private_key(key)  # before the long download: a wrong key says so at once
    version = wheel_version(wheel)
    if not wheel.name.startswith("hymio-"):
        raise ReleaseError(f"{wheel.name} is not a hymio wheel")
    work = out / f"hymio-release-{version}.build"
    shutil.rmtree(work, ignore_errors=True)
    files = work / "files"
    files.mkdir(parents=True)
    shutil.copy2(wheel, files / wheel.name)
    wanted = f"{wheel.resolve()}[{extras}]" if extras else str(wheel.resolve())
    options = [*(PI if for_pi else ()), *shlex.split(os.environ.get(PIP_ARGS_VAR, ""))]
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:",
               "--dest", str(files), *options, wanted]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True)  # noqa: S603
    if done.returncode != 0:
        raise ReleaseError(f"pip could not download the dependencies: {done.stderr.strip()[-800:]}")
    wheels = sorted(files.glob("*.whl"))
    lines = []
    for w in wheels:
        name = w.name.split("-")[0]
        pinned = f"hymio[{extras}]" if name == "hymio" and extras else name
        lines.append(f"{pinned}=={wheel_version(w)} --hash=sha256:{describe(w).sha256}")
    (files / REQUIREMENTS).write_text("\n".join(lines) + "\n")
    manifest = Manifest(
        version=version,
        python=PI_PYTHON if for_pi else f"{sys.version_info.major}.{sys.version_info.minor}",
        built_at=to_utc_text(datetime.now(UTC)),
        files=[describe(p) for p in sorted(files.iterdir())],
    )
    data = manifest.encode()
    (work / "manifest.json").write_bytes(data)
    (work / "manifest.sig").write_text(sign(private, data) + "\n")
    digest = hashlib.sha256(data).hexdigest()
    sign_metadata(private, out, days, add={version: digest})
    bundle = out / f"hymio-release-{version}.tar"
    with tarfile.open(bundle.with_suffix(".part"), "w") as tar:
        for name in ("manifest.json", "manifest.sig"):
            tar.add(work / name, arcname=name)
        for name in (FILE_NAME, SIGNATURE_NAME):
            tar.add(out / name, arcname=name)
        for p in sorted(files.iterdir()):
            tar.add(p, arcname=f"files/{p.name}")
    os.replace(bundle.with_suffix(".part"), bundle)
    shutil.rmtree(work)
    return bundle


def sign_metadata(
    private,
    out: Path,
    days: float = EXPIRES_IN,
    *,
    add: dict[str, str] | None = None,
    withdraw: tuple[str, ...] = (),
    rollback_to: tuple[str, ...] = (),
    now: datetime | None = None,
) -> ReleaseMetadata:
    """The next release metadata after the one kept in *out* (signed with the same key),
    signed with *private* into *out* (``release-metadata.json`` and ``.sig``), expiring
    *days* after *now*."""
    path, signature = out / FILE_NAME, out / SIGNATURE_NAME
    previous = None
    if path.exists():
        data = path.read_bytes()
        try:
            verify(public_text(private.public_key()), data, signature.read_text(), "metadata")
        except (OSError, ReleaseError):
            raise ReleaseError(
                f"{path} is not signed with this key: sign releases with the key that signed"
                " it, or move it away to start the list again at version 1"
            ) from None
        previous = parse_metadata(data)
    metadata = new_metadata(
        previous, now or datetime.now(UTC), days, add=add, withdraw=withdraw,
        rollback_to=rollback_to,
    )  # fmt: skip
    data = metadata.encode()
    out.mkdir(parents=True, exist_ok=True)
    for target, content in ((signature, (sign(private, data) + "\n").encode()), (path, data)):
        part = target.with_name(target.name + ".part")
        part.write_bytes(content)
        os.replace(part, target)
    return metadata


def metadata_bundle(
    key: Path,
    out: Path,
    days: float = EXPIRES_IN,
    *,
    withdraw: tuple[str, ...] = (),
    rollback_to: tuple[str, ...] = (),
    now: datetime | None = None,
) -> Path:
    """A bundle of just the next release metadata (a rollback statement, a withdrawn
    release, a later expiry) for ``hymio hq add-release``."""
    metadata = sign_metadata(
        load_private_key(key), out, days, withdraw=withdraw, rollback_to=rollback_to, now=now
    )
    bundle = out / f"hymio-release-metadata-{metadata.version}.tar"
    with tarfile.open(bundle.with_suffix(".part"), "w") as tar:
        for name in (FILE_NAME, SIGNATURE_NAME):
            tar.add(out / name, arcname=name)
    os.replace(bundle.with_suffix(".part"), bundle)
    return bundle
