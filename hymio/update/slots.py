"""The kiosk's A/B install folders under one root (``/opt/hymio``)::

    releases/<version>/   a virtual environment per release, complete once it holds
                          .hymio-release (written last)
    downloads/<version>/  the checked files of a release being installed
    current  -> releases/<version>    what the units run (/opt/hymio/current/bin/hymio)
    previous -> releases/<version>    what ``current`` was before the last switch

Each link is switched atomically: a new link beside it, then ``rename(2)`` over it, so
at every instant ``current`` names a whole release. The kiosk's data (/var/lib/hymio)
lies outside, so a switch touches no rating.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

MARK = ".hymio-release"


class Slots:
    """The release folders and the ``current`` and ``previous`` links under *root*."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.releases = self.root / "releases"
        self.downloads = self.root / "downloads"

    def folder(self, version: str) -> Path:
        return self.releases / version

    def installed(self, version: str) -> bool:
        """Whether release *version* is installed whole (its mark was written last)."""
        return (self.folder(version) / MARK).is_file()

    def mark(self, version: str, manifest_sha256: str) -> None:
        mark = self.folder(version) / MARK
        mark.write_text(json.dumps({"version": version, "manifest_sha256": manifest_sha256}))
        _sync(mark.parent)

    def target(self, name: str = "current") -> Path | None:
        """The folder the link *name* points to (None without one)."""
        link = self.root / name
        if not link.is_symlink():
            return None
        return (self.root / os.readlink(link)).resolve()

    def version(self, name: str = "current") -> str | None:
        """The version of the release *name* points to: its mark, else (an install made
        by deploy/install-pi.sh) the version of the hymio package in it."""
        folder = self.target(name)
        if folder is None:
            return None
        try:
            return json.loads((folder / MARK).read_text())["version"]
        except (OSError, ValueError, KeyError):
            pass
        for info in folder.glob("lib/python3*/site-packages/hymio-*.dist-info"):
            return info.name.removeprefix("hymio-").removesuffix(".dist-info")
        return None

    def point(self, name: str, folder: Path) -> None:
        """Make the link *name* point to *folder*, atomically."""
        new = self.root / f".{name}.new"
        if new.is_symlink() or new.exists():
            new.unlink()
        os.symlink(os.path.relpath(folder, self.root), new)
        os.replace(new, self.root / name)
        _sync(self.root)

    def switch_to(self, version: str) -> None:
        """``previous`` → what ``current`` was; ``current`` → release *version*."""
        old = self.target("current")
        if old is not None:
            self.point("previous", old)
        self.point("current", self.folder(version))

    def roll_back(self) -> str | None:
        """``current`` back to ``previous``; the version gone back to."""
        old = self.target("previous")
        if old is None:
            return None
        self.point("current", old)
        return self.version("current")

    def prune(self) -> None:
        """After an update that came up: remove every release folder that ``current`` and
        ``previous`` do not name, and every download (what is installed needs none)."""
        keep = {self.target("current"), self.target("previous")}
        for folder in self.releases.glob("*"):
            if folder.resolve() not in keep:
                shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(self.downloads, ignore_errors=True)


def _sync(folder: Path) -> None:
    """fsync *folder*, so a rename in it survives a power cut."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
