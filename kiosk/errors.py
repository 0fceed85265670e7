"""The errors the kiosk raises on purpose; each names what is wrong and how to fix it."""

from __future__ import annotations

from pathlib import Path


class HymioError(Exception):
    """Base of every error Hymiö raises on purpose (meant to be read by a person)."""


class SettingsError(HymioError, ValueError):
    """The settings file is missing, is not TOML, or has wrong keys or values."""

    def __init__(self, path: Path | str, problems: list[tuple[str, str]]):
        self.path = Path(path)
        self.problems = list(problems)
        super().__init__(self._message())

    def _message(self) -> str:
        if len(self.problems) == 1:
            key, text = self.problems[0]
            where = f" {key}:" if key else ""
            return f"settings file {self.path}:{where} {text}"
        lines = [f"settings file {self.path} has {len(self.problems)} problems:"]
        lines += [f"  {key}: {text}" if key else f"  {text}" for key, text in self.problems]
        return "\n".join(lines)


class StoreError(HymioError):
    """The local rating store cannot do what was asked."""


class StoreWriteError(StoreError, OSError):
    """A rating could not be saved durably (disk full, read-only file system, I/O error)."""


class StoreCorruptError(StoreError):
    """The database file is damaged; the kiosk moves it aside and starts a new one."""


class DeviceMismatchError(StoreError, ValueError):
    """The database file belongs to another device id than the settings name."""


class UnknownRatingError(StoreError, KeyError):
    """No rating with that id is stored."""
