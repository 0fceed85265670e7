"""The kiosk's texts in Finnish, Swedish and English, from gettext catalogues in ``kiosk/assets/``.

The code writes English (the msgid); ``assets/locale/<lang>/LC_MESSAGES/hymio.po`` holds
each language's text, read with Babel (no compiled ``.mo`` files to keep in step). A text
missing from a catalogue falls back to the English, so a new text never shows a blank.
"""

from __future__ import annotations

import os
from functools import cache
from importlib import resources
from pathlib import Path

# The package carries its files (STYLE 8): read where it is installed, wheel or checkout.
ASSETS = Path(os.environ.get("HYMIO_ASSETS") or str(resources.files("kiosk") / "assets"))
DOMAIN = "hymio"


@cache
def catalogue(language: str) -> dict[str, str]:
    """msgid → text for *language* (empty for an unknown language)."""
    from babel.messages.pofile import read_po

    path = ASSETS / "locale" / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.exists():
        return {}
    with path.open("rb") as po:
        messages = read_po(po, locale=language)
    return {m.id: m.string for m in messages if m.id and isinstance(m.string, str) and m.string}


def gettext(language: str, text: str, **values: object) -> str:
    """*text* in *language*, with ``{name}`` fields filled from *values*."""
    found = catalogue(language).get(text, text)
    return found.format(**values) if values else found


def missing(language: str, texts: list[str]) -> list[str]:
    """The *texts* that *language*'s catalogue lacks (for the tests)."""
    known = catalogue(language)
    return [t for t in texts if t not in known]
