"""The release key's metadata at HQ (:mod:`kiosk.releases.metadata`): kept as it came
in a bundle, byte for byte with its signature, in one file of the release folder (so a
reader never sees a document with another's signature), and served to devices unchanged.
HQ holds no release key, so it can neither make nor change one; it keeps the newest
version it was given, and a device refuses any older one anyway.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from hq.core.errors import DuplicateError
from kiosk.releases.metadata import SIGNATURE_NAME, parse_metadata

SIGNATURE = re.compile(r"[A-Za-z0-9+/]{86}==")
HELD = "release-metadata.held.json"  # {"signed": the document's text, "signature": ...}


def read_metadata(folder: Path) -> tuple[bytes, str] | None:
    """The metadata HQ holds, as signed, and its signature; None when it holds none."""
    try:
        held = json.loads((folder / HELD).read_text())
    except FileNotFoundError:
        return None
    return held["signed"].encode(), held["signature"]


def is_newer(folder: Path, data: bytes, signature: str) -> bool:
    """Whether *data* (checked for its shape: a ReleaseError if it is not metadata) is
    newer than what HQ holds; another document under the version HQ holds is refused."""
    metadata = parse_metadata(data)
    if not SIGNATURE.fullmatch(signature):
        raise ValueError(f"{SIGNATURE_NAME} is not an Ed25519 signature")
    held = read_metadata(folder)
    if held is None:
        return True
    version = parse_metadata(held[0]).version
    if version == metadata.version and held != (data, signature):
        raise DuplicateError(f"HQ already holds another release metadata version {version}")
    return metadata.version > version


def keep_metadata(folder: Path, data: bytes, signature: str) -> None:
    """Keep *data* and its *signature* if they are newer than what HQ holds (:func:`is_newer`)."""
    if not is_newer(folder, data, signature):
        return
    folder.mkdir(parents=True, exist_ok=True)
    part = folder / (HELD + ".part")
    part.write_text(json.dumps({"signed": data.decode(), "signature": signature}))
    part.chmod(0o644)
    os.replace(part, folder / HELD)
