"""The release key's signed list of releases: which releases exist, which manifest each
is, until when the list holds, and which older releases the fleet may roll back to.

It follows the rules of secure updaters (TUF, The Update Framework) on one small document
signed with the release key (Ed25519, like each manifest):

- its ``version`` only grows: a kiosk keeps the highest it has accepted and refuses an
  older one (a replay), and another document under the same version;
- it ``expires``: a kiosk refuses it after that, so whoever serves the list cannot keep
  kiosks on an old one for ever (a freeze attack) and must be sent a fresh one;
- each release is named with the SHA-256 of its signed manifest, and a release not listed
  (never released, or withdrawn) is refused;
- a release older than the running one is refused, unless the list names it in
  ``rollback_to``: a deliberate fleet rollback is made only with the release key.

``hymio release build`` and ``hymio release metadata`` write it; HQ stores and serves it
unchanged (it holds no key, so it cannot make one); ``hymio update`` checks it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kiosk.releases.manifest import VERSION_PATTERN, ReleaseError, verify
from kiosk.timekeeping.localtime import parse_utc_text, to_utc_text

KIND = "hymio-release-metadata"
FILE_NAME, SIGNATURE_NAME = "release-metadata.json", "release-metadata.sig"
MAX_RELEASES = 1000
Version = Annotated[str, Field(pattern=VERSION_PATTERN)]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class DowngradeError(ReleaseError):
    """A release older than the running one, without the release key's rollback statement."""


class ReleaseMetadata(BaseModel):
    """What the release key says about the releases (see the module's docstring)."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)
    format: Literal[1] = 1
    kind: Literal["hymio-release-metadata"] = KIND
    version: Annotated[int, Field(ge=1, le=2**53)]
    expires: Annotated[str, Field(max_length=40)]
    releases: Annotated[dict[Version, Sha256], Field(max_length=MAX_RELEASES)]
    rollback_to: Annotated[list[Version], Field(max_length=MAX_RELEASES)] = []

    @model_validator(mode="after")
    def _consistent(self) -> ReleaseMetadata:
        parse_utc_text(self.expires)  # a ValueError says what is wrong with it
        for version in self.rollback_to:
            if version not in self.releases:
                raise ValueError(f"rollback_to names {version}, which releases does not list")
        return self

    @property
    def expires_at(self) -> datetime:
        return parse_utc_text(self.expires)

    def encode(self) -> bytes:
        """The bytes that are signed and served (sorted keys: the same document, the same
        bytes)."""
        return json.dumps(self.model_dump(), sort_keys=True, indent=1).encode() + b"\n"


@dataclass(frozen=True)
class Trusted:
    """The metadata a kiosk last accepted: its version, its SHA-256, when it expires."""

    version: int
    sha256: str
    expires: str

    @classmethod
    def of(cls, data: bytes, metadata: ReleaseMetadata) -> Trusted:
        return cls(metadata.version, hashlib.sha256(data).hexdigest(), metadata.expires)

    @classmethod
    def from_dict(cls, data: object) -> Trusted | None:
        """From ``update.json``; None if absent or not one."""
        try:
            return cls(int(data["version"]), str(data["sha256"]), str(data["expires"]))  # type: ignore[index]
        except (KeyError, TypeError, ValueError):
            return None


def parse_metadata(data: bytes) -> ReleaseMetadata:
    """*data* as release metadata; ReleaseError naming what is wrong."""
    try:
        return ReleaseMetadata.model_validate_json(data)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the document"
        raise ReleaseError(f"the release metadata is not valid: {where}: {first['msg']}") from None


def check_metadata(
    public_key: str, data: bytes, signature: str, now: datetime, trusted: Trusted | None
) -> ReleaseMetadata:
    """The metadata in *data* if the release key signed it, it is not older than (nor
    another document of the same version as) the *trusted* one, and it has not expired
    at *now*; else ReleaseError saying which rule it breaks."""
    verify(public_key, data, signature, what="release metadata")
    metadata = parse_metadata(data)
    if trusted is not None:
        if metadata.version < trusted.version:
            raise ReleaseError(
                f"HQ served release metadata version {metadata.version}, older than version"
                f" {trusted.version} this kiosk already accepted (a replay): refused"
            )
        if metadata.version == trusted.version and hashlib.sha256(data).hexdigest() != (
            trusted.sha256
        ):
            raise ReleaseError(
                f"HQ served another release metadata under version {metadata.version} than"
                " the one this kiosk accepted: refused"
            )
    if metadata.expires_at <= now:
        raise ReleaseError(
            f"the release metadata (version {metadata.version}) expired at {metadata.expires}:"
            " refused; whoever holds the release key signs a fresh one (hymio release"
            " metadata) for HQ (hymio hq add-release)"
        )
    return metadata


def check_release(
    metadata: ReleaseMetadata, version: str, manifest: bytes, running: str | None
) -> None:
    """Nothing if release *version* with the signed *manifest* may replace *running*:
    it is listed with this manifest, and it is not older than *running* unless the
    metadata allows rolling back to it. Else ReleaseError (DowngradeError for an older one)."""
    listed = metadata.releases.get(version)
    if listed is None:
        raise ReleaseError(
            f"release {version} is not among the releases the release key lists (metadata"
            f" version {metadata.version}): never released, or withdrawn; refused"
        )
    if hashlib.sha256(manifest).hexdigest() != listed:
        raise ReleaseError(
            f"the manifest of release {version} is not the one the release key lists: refused"
        )
    if running is None or version in metadata.rollback_to:
        return
    if older(version, running):
        raise DowngradeError(
            f"release {version} is older than the running release {running}: a downgrade is"
            f" refused unless the release key allows rolling back to it (hymio release"
            f" metadata --rollback-to {version})"
        )


def older(version: str, than: str) -> bool:
    """Whether release *version* comes before *than* (PEP 440 order); a version that cannot
    be ordered counts as older, so it is never taken for an upgrade."""
    from packaging.version import InvalidVersion, Version

    try:
        return Version(version) < Version(than)
    except InvalidVersion:
        return version != than


def new_metadata(
    previous: ReleaseMetadata | None,
    now: datetime,
    days: float,
    *,
    add: dict[str, str] | None = None,
    withdraw: tuple[str, ...] = (),
    rollback_to: tuple[str, ...] = (),
) -> ReleaseMetadata:
    """The next metadata after *previous*: one version on, expiring *days* after *now*,
    with the releases of *add* (version → manifest SHA-256) and without *withdraw*;
    ``rollback_to`` is what is given now (a rollback is stated afresh each time)."""
    from datetime import timedelta

    releases = dict(previous.releases) if previous else {}
    releases.update(add or {})
    for version in withdraw:
        if releases.pop(version, None) is None:
            raise ReleaseError(f"cannot withdraw {version}: the release metadata does not list it")
    try:
        return ReleaseMetadata(
            version=(previous.version + 1) if previous else 1,
            expires=to_utc_text(now + timedelta(days=days)),
            releases=dict(sorted(releases.items())),
            rollback_to=sorted(set(rollback_to)),
        )
    except ValidationError as e:
        raise ReleaseError(f"the release metadata cannot be made: {e.errors()[0]['msg']}") from None
