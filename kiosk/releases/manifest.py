"""A release's manifest: its version and every file (the hymio wheel, each dependency's
wheel, ``requirements.txt`` with their hashes) by name, size and SHA-256, signed with the
release key (Ed25519).

The signature is over the manifest's exact bytes. The private key stays with whoever
builds releases; kiosks carry only the public key (``[hq] release_key``), and HQ only
stores and serves what was signed, so HQ cannot make a kiosk install anything else.
``cryptography`` is imported only where a key is used.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kiosk.errors import HymioError
from kiosk.settings.model import RELEASE_KEY_PATTERN as KEY_PATTERN

FORMAT = 1
VERSION_PATTERN = r"^[0-9][0-9A-Za-z.+!_-]{0,39}$"
FILE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,199}$"  # no "/": a name is never a path
REQUIREMENTS = "requirements.txt"
MAX_FILES = 500
CHUNK = 1 << 16


class ReleaseError(HymioError, ValueError):
    """A release, its manifest or its signature is not what it must be; nothing is installed."""


class ReleaseFile(BaseModel):
    """One file of a release: its name, its size in bytes and its SHA-256 (hex)."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)
    name: Annotated[str, Field(pattern=FILE_PATTERN)]
    size: Annotated[int, Field(ge=0, le=2**40)]
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class Manifest(BaseModel):
    """What a release is: ``version``, the Python it was built for, and its files."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)
    format: Literal[1] = FORMAT
    name: Literal["hymio"] = "hymio"
    version: Annotated[str, Field(pattern=VERSION_PATTERN)]
    python: Annotated[str, Field(pattern=r"^3\.\d{1,2}$")]
    built_at: Annotated[str, Field(max_length=40)]
    files: Annotated[list[ReleaseFile], Field(min_length=2, max_length=MAX_FILES)]

    @model_validator(mode="after")
    def _complete(self) -> Manifest:
        names = [f.name for f in self.files]
        if len(set(names)) != len(names):
            raise ValueError("a file is named twice")
        if REQUIREMENTS not in names:
            raise ValueError(f"names no {REQUIREMENTS}")
        return self

    def file(self, name: str) -> ReleaseFile | None:
        """The file called *name*, if the release has one."""
        return next((f for f in self.files if f.name == name), None)

    def encode(self) -> bytes:
        """The bytes that are signed and served (sorted keys, so a rebuild is the same)."""
        return json.dumps(self.model_dump(), sort_keys=True, indent=1).encode() + b"\n"


def parse_manifest(data: bytes) -> Manifest:
    """*data* as a manifest; ReleaseError naming what is wrong."""
    try:
        return Manifest.model_validate_json(data)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the manifest"
        raise ReleaseError(f"the release manifest is not valid: {where}: {first['msg']}") from None


def sha256_of(path: Path) -> str:
    """The SHA-256 of the file at *path*, hex."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def describe(path: Path) -> ReleaseFile:
    """*path* as a release file (its name, size and SHA-256)."""
    return ReleaseFile(name=path.name, size=path.stat().st_size, sha256=sha256_of(path))


# --- the release key ------------------------------------------------------------------


def new_key() -> tuple[bytes, str]:
    """A new release key: the private key as PEM (to keep secret) and the public key as
    ``ed25519:<base64>`` (for ``[hq] release_key``)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return pem, public_text(key.public_key())


def public_text(public) -> str:
    """A cryptography Ed25519 public key as ``ed25519:<base64 of its 32 bytes>``."""
    from cryptography.hazmat.primitives import serialization

    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "ed25519:" + base64.b64encode(raw).decode()


def load_private_key(path: Path):
    """The Ed25519 private key in the PEM file *path*; ReleaseError if it is not one."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as e:
        raise ReleaseError(
            f"{path}: not a release key ({e}); make one with hymio release keygen"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ReleaseError(f"{path}: not an Ed25519 key; make one with hymio release keygen")
    return key


def sign(key, data: bytes) -> str:
    """The signature of *data* with the private *key*, as base64 text."""
    return base64.b64encode(key.sign(data)).decode()


def verify(public_key: str, data: bytes, signature: str, what: str = "release") -> None:
    """Nothing if *signature* is the release key's signature of *data* (the manifest of a
    *release*, or the *release metadata*); else ReleaseError."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if not re.match(KEY_PATTERN, public_key or ""):
        raise ReleaseError("the release key must look like ed25519:<44 characters of base64>")
    try:
        raw = base64.b64decode(signature.strip(), validate=True)
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key.split(":", 1)[1]))
        key.verify(raw, data)
    except (InvalidSignature, ValueError):
        raise ReleaseError(
            f"the {what}'s signature is not one made with this kiosk's release key"
            " ([hq] release_key): refused, nothing installed"
        ) from None
