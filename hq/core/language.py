"""The dashboard in Finnish, Swedish and English: texts from gettext catalogues, local
dates and numbers from Babel (issue 18).

The code and the templates write English (the msgid); ``hq/core/locale/<lang>/LC_MESSAGES/hq.po``
holds each language's text, read with Babel when first needed (no compiled ``.mo`` files
to keep in step). A text a catalogue lacks shows in English. Each :class:`Language` is
made once and never changed, so requests in different languages share them safely:
the page's language travels with the request, never in a global.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache, lru_cache
from importlib import resources

from hq.core.errors import N_
from kiosk.settings.survey import LANGUAGES
from kiosk.timekeeping.localtime import parse_utc_text

DOMAIN = "hq"
DEFAULT = "en"
# Each language in its own words: the picker must be readable whatever the page's language.
NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}
# English dates stay ISO 8601 (2026-11-20): Babel's "en" is American (11/20/26), which
# misleads in a Finnish chain. Finnish and Swedish write their own (20.11.2026, 20 nov. 2026).
DATES = {"en": "yyyy-MM-dd"}
# One language range of Accept-Language (RFC 9110 §12.5.4): "fi-FI;q=0.8"; "*" matches none.
_RANGE = re.compile(
    r"^\s*([A-Za-z]{1,8})(?:[-_][A-Za-z0-9]{1,8})*\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*$"
)


def locale_folder():
    """Where the catalogues are: inside the installed package (STYLE 8)."""
    return resources.files("hq.core") / "locale"


@cache
def translations(language: str):
    """Babel :class:`~babel.support.Translations` of *language*'s catalogue, compiled in
    memory; empty (every text in English) for a language without one."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import NullTranslations, Translations

    path = locale_folder() / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language not in LANGUAGES or not path.is_file():
        return NullTranslations()
    with path.open("rb") as po:
        catalogue = read_po(po, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def negotiate(
    accept_language: str | None, among: tuple[str, ...] = LANGUAGES, default: str = DEFAULT
) -> str:
    """The language of *among* (default :data:`LANGUAGES`) an ``Accept-Language`` header
    likes best (by its q-values, then its order; ``fi-FI`` is Finnish); *default* (English)
    if it names none of them."""
    liked = []
    for position, item in enumerate((accept_language or "")[:1000].split(",")[:50]):
        found = _RANGE.match(item)
        code = found.group(1).lower() if found else ""
        try:
            q = float(found.group(2)) if found and found.group(2) else 1.0
        except ValueError:
            continue
        if code in among and 0 < q <= 1:
            liked.append((-q, position, code))
    return min(liked)[2] if liked else default


@dataclass(frozen=True)
class Language:
    """One language's texts, dates and numbers, for the templates and the charts."""

    code: str

    @property
    def name(self) -> str:
        return NAMES[self.code]

    def gettext(self, text: str) -> str:
        return translations(self.code).gettext(text)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return translations(self.code).ngettext(singular, plural, n)

    def translate(self, text: str, **values: object) -> str:
        """*text* translated, with its ``{name}`` fields filled from *values*."""
        found = self.gettext(text)
        return found.format(**values) if values else found

    def number(self, value: float | None, digits: int | None = None) -> str:
        """*value* with the language's decimal mark and thousands separator; a float with
        *digits* decimals (default 1, as the figures are rounded), an int with none;
        "–" for no value."""
        if value is None:
            return "–"
        if digits is None:
            digits = 0 if isinstance(value, int) else 1
        # Babel's format_decimal with the pattern #,##0.0…, without its pattern machinery
        # (a fleet page formats ten thousand numbers): the same half-even rounding of the
        # decimal text, the locale's own symbols (a test compares the two).
        table = _marks(self.code)
        if type(value) is int and digits == 0:  # a count: nothing to round
            text = f"{abs(value):,}".translate(table)
            return "-" + text if value < 0 else text
        exact = _rounded(value, digits)
        text = f"{abs(exact):,f}".translate(table)
        # Babel's "-"; but not for a value that rounds to zero (Babel prints "-0.0": issue 30, B3)
        return "-" + text if exact.is_signed() and exact else text

    def signed(self, value: float | None, digits: int = 1) -> str:
        """A change, with its sign: "+1,5", "-0,3"; a change that rounds to zero has none:
        "0,0", never "-0,0" or "+0,0" (issue 30, B3)."""
        if value is None:
            return "–"
        text = self.number(abs(value), digits)
        if not _rounded(abs(value), digits):
            return text
        return ("+" if value >= 0 else "-") + text

    def date(self, value: date | str) -> str:
        """A day: "20.11.2026", "20 nov. 2026"; in English ISO 8601, "2026-11-20"."""
        return _dated(self.code, "date", _date(value))

    def day(self, value: date | str) -> str:
        """A day with its weekday: "pe 20.11.2026", "fre 20 nov. 2026", "Fri 2026-11-20"."""
        return _dated(self.code, "day", _date(value))

    def short_day(self, value: date | str) -> str:
        """A day of a chart's axis: "20.11.", "20/11", "11-20"."""
        return _dated(self.code, "short", _date(value))

    def weekdays(self) -> list[str]:
        """Monday … Sunday, abbreviated."""
        from babel.dates import get_day_names

        names = get_day_names("abbreviated", locale=self.code)
        return [names[i] for i in range(7)]

    def ago(self, now: datetime, then: str | None, never: str = N_("never")) -> str:
        """How long ago the UTC time *then* (HQ's text form) was: "3 h ago", "3 t sitten";
        *never* (translated) when there is none, "–" when it cannot be read."""
        if not then:
            return self.gettext(never)
        try:
            seconds = int((now - parse_utc_text(then)).total_seconds())
        except ValueError:
            return "–"
        if seconds < 90:
            return self.gettext("just now")
        if seconds < 5400:
            return self.translate("{n} min ago", n=seconds // 60)
        if seconds < 2 * 86400:
            return self.translate("{n} h ago", n=seconds // 3600)
        return self.translate("{n} days ago", n=seconds // 86400)


def _date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


@lru_cache(maxsize=8192)
def _dated(code: str, kind: str, value: date) -> str:
    """*value* written as *kind* ("date", "day", "short") in language *code*, by Babel,
    once: a year's store page writes some 700 days, and Babel's patterns are slow."""
    from babel.dates import format_date, format_skeleton

    if kind == "day":
        return f"{format_date(value, 'EEE', locale=code)} {_dated(code, 'date', value)}"
    if kind == "short":
        if code in DATES:
            return format_date(value, "MM-dd", locale=code)
        return format_skeleton("Md", value, locale=code)
    return format_date(value, DATES.get(code, "medium"), locale=code)


ENGLISH = Language(DEFAULT)


@cache
def language(code: str) -> Language:
    """The :class:`Language` of *code* (one of :data:`LANGUAGES`), made once."""
    if code not in LANGUAGES:
        raise ValueError(f"language {code!r} is not one of {', '.join(LANGUAGES)}")
    return Language(code)


def _rounded(value: float, digits: int) -> Decimal:
    """*value*'s decimal text rounded half-even to *digits* decimals, as Babel rounds."""
    return Decimal(str(value)).quantize(_quantum(digits), ROUND_HALF_EVEN)


@cache
def _quantum(digits: int) -> Decimal:
    return Decimal(1).scaleb(-digits)


@cache
def _marks(code: str) -> dict[int, str]:
    """The table that turns Python's "," and "." into *code*'s group and decimal marks."""
    decimal, group = _symbols(code)
    return {44: group, 46: decimal}


@cache
def _symbols(code: str) -> tuple[str, str]:
    """The decimal mark and the thousands separator of *code* (Babel)."""
    from babel.numbers import get_decimal_symbol, get_group_symbol

    return get_decimal_symbol(code), get_group_symbol(code)
