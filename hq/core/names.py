"""Names are one line (issue 27, finding 6): a store's, a region's, an alert rule's, and
every id that names something (a store, a device, a user, a token, a channel, a group).

:func:`one_line` is the one check, wherever a name is typed (the command line, a page, the
API): a line break or another control character is refused, naming the field, and
nothing is stored. :func:`flat` draws a name already in a database (from before the
check) on one line, so that it breaks no e-mail header, report or log line.
"""

from __future__ import annotations

import re
import unicodedata

from hq.core.errors import InputError
from kiosk.settings.model import ID_PATTERN

IDENT = re.compile(ID_PATTERN.removeprefix("^").removesuffix("$"))

# Controls (newline, tab, NUL, ESC…), line and paragraph separators, lone surrogates, and
# the invisible format characters (bidi overrides, zero-width space) but the joiners that
# some scripts and emoji need.
_NOT_ON_ONE_LINE = {"Cc", "Zl", "Zp", "Cs", "Cf"}
_JOINERS = "\u200c\u200d"


class BadNameError(InputError):
    """A name is empty, too long, or not one line of readable text; ``field`` names it."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def breaks_line(c: str) -> bool:
    """Whether the character *c* has no place in one line of text."""
    return unicodedata.category(c) in _NOT_ON_ONE_LINE and c not in _JOINERS


def on_one_line(text: str, allowed: str = "") -> bool:
    """Whether *text* has no character that :func:`breaks_line` (but those in *allowed*)."""
    return not any(breaks_line(c) and c not in allowed for c in text)


def one_line(field: str, value: str, most: int = 200) -> str:
    """*value* without the whitespace around it, if it is 1–*most* characters on one line;
    a :class:`BadNameError` naming *field* (``"store name"``) otherwise."""
    value = (value or "").strip()
    bad = next((c for c in value if breaks_line(c)), None)
    if bad is not None:
        raise BadNameError(
            field,
            f"{field} {value!r} has a line break or another control character"
            f" (U+{ord(bad):04X}); a name is one line of text",
        )
    if not value:
        raise BadNameError(field, f"the {field} is empty")
    if len(value) > most:
        raise BadNameError(field, f"the {field} is {len(value)} characters; at most {most}")
    return value


def check_id(field: str, value: str) -> str:
    """*value* if it is a usable id: one line (:func:`one_line`, kept as given) of 1–64
    letters, digits, '.', '_' or '-', starting with a letter or digit."""
    one_line(field, value, 64)
    if not IDENT.fullmatch(value):
        raise BadNameError(
            field,
            f"{field} {value!r} is not a usable id: 1–64 letters, digits, '.', '_' or '-',"
            " starting with a letter or digit",
        )
    return value


def flat(text: str | None) -> str:
    """*text* on one line: each run of characters that break it becomes one space (other
    characters, no-break spaces included, stay as they are)."""
    out: list[str] = []
    gap = False
    for c in text or "":
        if breaks_line(c):
            gap = True
            continue
        if gap and out:
            out.append(" ")
        gap = False
        out.append(c)
    return "".join(out)
