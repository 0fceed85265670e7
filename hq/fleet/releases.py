"""Releases at HQ (issue 17): add a signed release bundle, say which devices should run
which release (a staged rollout), and answer a device's "which release should I run".

HQ stores the manifest and its signature in the database and the files in its release
folder, each under its SHA-256 (the dependency wheels two releases share are kept once).
HQ checks that a bundle is whole (every file the manifest names, with its size and hash)
but cannot sign one: kiosks check the signature with the release key HQ never holds.

A rollout is a list of steps, each "from now on these devices should run V": the whole
fleet, a store, a device, a named group or a percentage of the fleet (devices are put in
100 buckets by a hash of their id, so 10 % and then 50 % is the first 10 % and more). The
newest step that covers a device decides, so a rollback is one more step.
"""

from __future__ import annotations

import hashlib
import os
import re
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from hq.core.errors import DuplicateError, HQError, UnknownDeviceError, UnknownStoreError
from hq.core.names import check_id
from hq.fleet.release_metadata import is_newer, keep_metadata
from hq.people.audit import CLI, record
from hq.tables.database import device_bucket
from hq.tables.models import Device, DeviceGroup, Release, Rollout, Store
from kiosk.releases.manifest import (
    CHUNK,
    VERSION_PATTERN,
    Manifest,
    ReleaseError,
    parse_manifest,
)
from kiosk.releases.metadata import FILE_NAME, SIGNATURE_NAME
from kiosk.timekeeping.localtime import to_utc_text

FOLDER_VAR = "HYMIO_HQ_RELEASES"
SCOPES = ("all", "store", "device", "group", "percent")
MANIFEST, SIGNATURE, FILES = "manifest.json", "manifest.sig", "files/"
METADATA = (FILE_NAME, SIGNATURE_NAME)  # the release key's metadata, in a bundle


class ReleaseBundleError(HQError, ValueError):
    """A release bundle cannot be added; the message names what is wrong."""


def release_folder(database_url: str) -> Path:
    """Where HQ keeps release files: ``$HYMIO_HQ_RELEASES``, else ``releases/`` beside a
    SQLite file, else ``hq-releases/`` in the current folder."""
    if os.environ.get(FOLDER_VAR):
        return Path(os.environ[FOLDER_VAR])
    if database_url.startswith("sqlite:///") and not database_url.endswith(":memory:"):
        return Path(database_url.removeprefix("sqlite:///")).resolve().parent / "releases"
    return Path("hq-releases").resolve()


def stored_file(folder: Path, sha256: str) -> Path:
    """The path of the file with *sha256* in the release folder."""
    return folder / sha256[:2] / sha256


def add_release(session: Session, folder: Path, bundle: Path, now: datetime) -> Manifest | None:
    """Add the release in the tar *bundle* (``hymio release build``): every file the
    manifest names must be in it with its size and SHA-256, and nothing else. The release
    metadata a bundle carries (a bundle of ``hymio release metadata`` carries only that;
    None then) is kept if it is newer than HQ's (:mod:`hq.fleet.release_metadata`)."""
    try:
        tar = tarfile.open(bundle)  # noqa: SIM115 -- closed below
    except (OSError, tarfile.TarError) as e:
        raise ReleaseBundleError(f"{bundle}: not a release bundle ({e})") from None
    with tar:
        members = {m.name: m for m in tar.getmembers() if m.isfile()}
        if MANIFEST not in members and set(members) > set(METADATA):
            extra = sorted(set(members) - set(METADATA))[0]
            raise ReleaseBundleError(f"{bundle}: no {MANIFEST}, but {extra}; nothing was added")
        metadata = _bundle_metadata(tar, members, folder, bundle)
        if MANIFEST not in members and metadata is not None:
            keep_metadata(folder, *metadata)
            return None
        for needed in (MANIFEST, SIGNATURE):
            if needed not in members:
                raise ReleaseBundleError(
                    f"{bundle}: no {needed}; build it with hymio release build"
                )
        data = tar.extractfile(members[MANIFEST]).read()
        signature = tar.extractfile(members[SIGNATURE]).read().decode("ascii", "replace").strip()
        try:
            manifest = parse_manifest(data)
        except ReleaseError as e:
            raise ReleaseBundleError(f"{bundle}: {e}") from None
        if not re.fullmatch(r"[A-Za-z0-9+/]{86}==", signature):
            raise ReleaseBundleError(f"{bundle}: {SIGNATURE} is not an Ed25519 signature")
        named = {FILES + f.name for f in manifest.files}
        extra = sorted(set(members) - named - {MANIFEST, SIGNATURE, *METADATA})
        if extra:
            raise ReleaseBundleError(
                f"{bundle}: holds {extra[0]}, which the manifest does not name"
            )
        known = session.get(Release, manifest.version)
        if known is not None:
            if known.manifest.encode() == data and known.signature == signature:
                if metadata is not None:
                    keep_metadata(folder, *metadata)
                return manifest
            raise DuplicateError(f"HQ already holds another release {manifest.version}")
        lacking = sorted(named - set(members))
        if lacking:
            raise ReleaseBundleError(
                f"{bundle}: the manifest names {lacking[0].removeprefix(FILES)}, which the"
                " bundle lacks; nothing was added"
            )
        for f in manifest.files:
            _keep(tar, members[FILES + f.name], f.name, f.size, f.sha256, folder)
    session.add(
        Release(
            version=manifest.version,
            manifest=data.decode(),
            signature=signature,
            size=sum(f.size for f in manifest.files),
            added_at=to_utc_text(now),
        )
    )
    record(session, CLI, "add", "release", manifest.version,
           {"files": len(manifest.files)}, now)  # fmt: skip
    session.commit()
    if metadata is not None:
        keep_metadata(folder, *metadata)
    return manifest


def _bundle_metadata(
    tar: tarfile.TarFile, members: dict, folder: Path, bundle: Path
) -> tuple[bytes, str] | None:
    """The release metadata in the bundle and its signature, if it has them, checked
    before anything is added: its shape, and that it does not contradict HQ's."""
    present = [name for name in METADATA if name in members]
    if not present:
        return None
    if len(present) == 1:
        missing = next(name for name in METADATA if name not in members)
        raise ReleaseBundleError(f"{bundle}: has {present[0]} but no {missing}")
    data = tar.extractfile(members[METADATA[0]]).read()
    signature = tar.extractfile(members[METADATA[1]]).read().decode("ascii", "replace").strip()
    try:
        is_newer(folder, data, signature)
    except DuplicateError:
        raise
    except (ReleaseError, ValueError) as e:
        raise ReleaseBundleError(f"{bundle}: {e}") from None
    return data, signature


def _keep(tar: tarfile.TarFile, member, name: str, size: int, sha256: str, folder: Path) -> None:
    """Copy *member* into the release folder under its hash, checking size and hash."""
    target = stored_file(folder, sha256)
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    digest, written = hashlib.sha256(), 0
    with tar.extractfile(member) as src, part.open("wb") as out:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            written += len(chunk)
            out.write(chunk)
    if written != size or digest.hexdigest() != sha256:
        part.unlink()
        raise ReleaseBundleError(
            f"{name} in the bundle does not match the manifest (size {written}, sha256"
            f" {digest.hexdigest()[:12]}…); nothing was added"
        )
    part.chmod(0o644)
    os.replace(part, target)


def release_of(session: Session, version: str) -> Release | None:
    """The release *version*, if HQ holds it."""
    return session.get(Release, version) if re.match(VERSION_PATTERN, version) else None


# --- rollouts ---------------------------------------------------------------------------


def roll_out(session: Session, version: str, scope: str, target: str, now: datetime) -> Rollout:
    """From now on the devices in *scope* (*target*: a store, device, group id or a
    percentage) should run *version*."""
    if session.get(Release, version) is None:
        raise HQError(f"HQ holds no release {version!r}; add it with hymio hq add-release")
    if scope not in SCOPES:
        raise HQError(f"a rollout is for one of {', '.join(SCOPES)}, not {scope!r}")
    if scope == "store" and session.get(Store, target) is None:
        raise UnknownStoreError(f"no store {target!r}")
    if scope == "device" and session.get(Device, target) is None:
        raise UnknownDeviceError(f"no device {target!r}")
    if scope == "group" and not session.scalar(
        select(DeviceGroup).where(DeviceGroup.name == target)
    ):
        raise HQError(f"no group {target!r}; add devices to it with hymio hq add-to-group")
    if scope == "percent" and not (target.isdigit() and 1 <= int(target) <= 100):
        raise HQError(f"--percent is a whole number from 1 to 100, not {target!r}")
    step = Rollout(version=version, scope=scope, target=target, created_at=to_utc_text(now))
    session.add(step)
    record(session, CLI, "roll-out", "release", version, {scope: target}, now)
    session.commit()
    return step


def add_to_group(session: Session, name: str, devices: Iterable[str]) -> int:
    """Put *devices* into the group *name*; how many were new to it."""
    check_id("group name", name)
    added = 0
    for device_id in devices:
        if session.get(Device, device_id) is None:
            raise UnknownDeviceError(f"no device {device_id!r}; nothing was added to {name}")
        if session.get(DeviceGroup, (name, device_id)) is None:
            session.add(DeviceGroup(name=name, device_id=device_id))
            added += 1
    session.commit()
    return added


bucket = device_bucket  # the device's place 0–99 in percentage rollouts


@dataclass(frozen=True)
class Plan:
    """The rollout steps, newest first, and the groups they name: answers for any device."""

    steps: list[Rollout]
    groups: dict[str, set[str]]

    def wanted(self, device_id: str, store_id: str) -> str | None:
        """The release the device should run, or None when no step covers it."""
        for step in self.steps:
            if (
                step.scope == "all"
                or (step.scope == "store" and step.target == store_id)
                or (step.scope == "device" and step.target == device_id)
                or (step.scope == "group" and device_id in self.groups.get(step.target, ()))
                or (step.scope == "percent" and bucket(device_id) < int(step.target))
            ):
                return step.version
        return None


def plan(session: Session) -> Plan:
    """Every rollout step, newest first, with the groups."""
    steps = list(session.scalars(select(Rollout).order_by(Rollout.id.desc())))
    groups: dict[str, set[str]] = {}
    for g in session.scalars(select(DeviceGroup)):
        groups.setdefault(g.name, set()).add(g.device_id)
    return Plan(steps, groups)


def wanted_for(session: Session, device_id: str, store_id: str) -> str | None:
    """The release *device_id* of *store_id* should run (None: whatever it runs)."""
    return plan(session).wanted(device_id, store_id)
