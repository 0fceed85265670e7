"""Fetch a release from HQ and check it before anything is installed: the manifest's
signature with the kiosk's release key, then every file's size and SHA-256 as it streams
in. A file already fetched whole (an interrupted earlier try) is checked, not fetched again.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import requests

from hymio.update import FetchError
from kiosk.releases.manifest import CHUNK, Manifest, ReleaseError, parse_manifest, verify

TIMEOUT = (10, 60)  # connect, and each read


class ReleaseSource:
    """HQ's release endpoints for one device (its token), over one HTTP session."""

    def __init__(self, url: str, token: str, session: requests.Session | None = None):
        self.base = url.rstrip("/") + "/api/v1"
        self.http = session or requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"

    def _get(self, path: str, stream: bool = False) -> requests.Response:
        try:
            answer = self.http.get(self.base + path, timeout=TIMEOUT, stream=stream)
        except requests.RequestException as e:
            raise FetchError(f"HQ could not be reached for {path}: {type(e).__name__}") from None
        if answer.status_code != 200:
            raise FetchError(f"HQ answered {path} with {answer.status_code}: {_said(answer)}")
        return answer

    def wanted(self) -> str | None:
        """The release HQ wants this device to run (None: keep what it runs)."""
        answer = self._get("/release")
        try:
            version = answer.json()["version"]
        except (ValueError, KeyError, TypeError):
            raise FetchError(f"HQ's answer to /release is not its JSON: {_said(answer)}") from None
        if version is not None and not isinstance(version, str):
            raise FetchError(f"HQ's answer to /release names no version: {_said(answer)}")
        return version

    def metadata(self) -> tuple[bytes, str]:
        """The release metadata HQ holds, as signed, and its signature (unchecked)."""
        answer = self._get("/release-metadata")
        try:
            body = answer.json()
            signed, signature = body["signed"], body["signature"]
        except (ValueError, KeyError, TypeError):
            signed = signature = None
        if not isinstance(signed, str) or not isinstance(signature, str):
            raise FetchError(f"HQ's answer to /release-metadata is not its JSON: {_said(answer)}")
        return signed.encode(), signature

    def fetch(
        self,
        version: str,
        folder: Path,
        release_key: str,
        allow: Callable[[bytes], None] | None = None,
    ) -> Manifest:
        """Release *version* into *folder*, checked: its signature by *release_key*, then
        *allow* (the manifest's bytes: a ReleaseError stops it before any download), and
        every file's size and hash. ReleaseError (refused) or FetchError (try later)."""
        v = quote(version, safe="")
        data = self._get(f"/releases/{v}/manifest").content
        signature = self._get(f"/releases/{v}/signature").text
        verify(release_key, data, signature)
        manifest = parse_manifest(data)
        if manifest.version != version:
            raise ReleaseError(f"HQ served release {manifest.version} when asked for {version}")
        if allow is not None:
            allow(data)
        folder.mkdir(parents=True, exist_ok=True)
        for f in manifest.files:
            target = folder / f.name
            if target.exists() and _matches(target, f.size, f.sha256):
                continue
            self._download(
                f"/releases/{v}/files/{quote(f.name, safe='')}", target, f.size, f.sha256
            )
        return manifest

    def _download(self, path: str, target: Path, size: int, sha256: str) -> None:
        part = target.with_name(target.name + ".part")
        digest, got = hashlib.sha256(), 0
        with self._get(path, stream=True) as answer, part.open("wb") as out:
            try:
                for chunk in answer.iter_content(CHUNK):
                    got += len(chunk)
                    if got > size:
                        break
                    digest.update(chunk)
                    out.write(chunk)
            except requests.RequestException as e:
                raise FetchError(f"the download of {target.name} broke off: {e}") from None
        if got != size or digest.hexdigest() != sha256:
            part.unlink()
            raise ReleaseError(
                f"{target.name} from HQ does not match the signed manifest ("
                + (f"{got} bytes, not {size}" if got != size else "its SHA-256 differs")
                + "): refused, nothing installed"
            )
        os.replace(part, target)

    def close(self) -> None:
        self.http.close()


def _matches(path: Path, size: int, sha256: str) -> bool:
    from kiosk.releases.manifest import sha256_of

    return path.stat().st_size == size and sha256_of(path) == sha256


def _said(answer: requests.Response) -> str:
    """What HQ's answer said: its JSON error's message, else the start of the body."""
    try:
        return answer.json()["error"]["message"]
    except (ValueError, KeyError, TypeError):
        kind = answer.headers.get("Content-Type", "?")
        return f"not HQ's JSON ({kind}): {answer.text[:80]!r}"
