"""Set keys in a kiosk settings file by editing its text, so its comments stay.

Used by ``hymio enroll`` (``[hq] url``, ``token``, ``[device] id``, ``store_id``). A key
already set in its table gets the new value in place (a comment after it stays); one that
is missing, or only there commented out (``# url = …``, as the installer writes it), gets
a line of its own: under the commented-out one, else under the table's header. A missing
table is added at the end. :func:`write_settings` checks the edited text before it
replaces the file, in one step (a temporary file, fsync, rename), with mode 0600.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from kiosk.errors import SettingsError
from kiosk.settings.load import load_settings

# A TOML value on one line: a basic or a literal string, else anything up to a comment.
_VALUE = r'("(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|[^#\n]*?)'


def _header(table: str) -> re.Pattern[str]:
    return re.compile(rf"^[ \t]*\[[ \t]*{re.escape(table)}[ \t]*\][ \t]*(#.*)?$", re.MULTILINE)


def set_values(text: str, table: str, values: dict[str, str]) -> str:
    """*text* (a settings file) with each key of *values* set in ``[table]`` as a string."""
    for key, value in values.items():
        text = _set_one(text, table, key, toml_string(value))
    return text


def toml_string(value: str) -> str:
    """*value* as a TOML basic string: quotes, backslashes and control characters escaped."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\u{ord(m[0]):04x}", escaped) + '"'


def _set_one(text: str, table: str, key: str, value: str) -> str:
    header = _header(table).search(text)
    if header is None:
        return text.rstrip("\n") + f"\n\n[{table}]\n{key} = {value}\n"
    following = re.search(r"^[ \t]*\[", text[header.end() :], re.MULTILINE)
    end = header.end() + following.start() if following else len(text)
    body = text[header.end() : end]
    k = re.escape(key)
    line = re.compile(rf"^([ \t]*{k}[ \t]*=[ \t]*){_VALUE}([ \t]*(#.*)?)$", re.MULTILINE)
    if line.search(body):
        body = line.sub(lambda m: m[1] + value + m[3], body, count=1)
    else:
        commented = re.search(rf"^[ \t]*#[ \t]*{k}[ \t]*=.*$", body, re.MULTILINE)
        at = commented.end() if commented else 0
        body = body[:at] + f"\n{key} = {value}" + body[at:]
    return text[: header.end()] + body + text[end:]


def check_writable(path: Path) -> None:
    """A :class:`~kiosk.errors.SettingsError` unless :func:`write_settings` can replace
    *path* (its folder takes a new file); *path* itself is not touched."""
    tmp = path.with_name(f".{path.name}.new")
    try:
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        tmp.unlink()
    except OSError as e:
        raise SettingsError(
            path, [("", f"cannot be rewritten here: {e.strerror}; use sudo")]
        ) from None


def write_settings(path: Path, text: str) -> None:
    """Replace the settings file *path* with *text* (mode 0600, same owner) once the new
    text loads as valid settings; a :class:`~kiosk.errors.SettingsError` otherwise, and
    the file is left as it was."""
    tmp = path.with_name(f".{path.name}.new")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        if os.geteuid() == 0:  # sudo: the kiosk's user must still own its settings
            st = path.stat()
            os.chown(tmp, st.st_uid, st.st_gid)
        try:
            load_settings(tmp)
        except SettingsError as e:  # name the file the person gave, not the temporary one
            raise SettingsError(path, e.problems) from None
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
