"""Personal data out of a shopper's words, before they are kept (issue 32).

:func:`redact` replaces each piece of personal data it finds with a visible placeholder
(``[email]``, ``[phone]`` …) and says how many of each kind it replaced; the original is
never kept or logged. The kinds, in the order they are looked for (a longer, surer pattern
first, so a card number is not half taken as a phone number):

========== ============================================================================
``[url]``   any web address (``http://``, ``https://``, ``www.``): a link may carry a
            personal path or a receipt link's token
``[email]`` e-mail addresses, also written ``name (at) domain.fi`` or ``name at domain dot fi``
``[iban]``  bank account numbers (IBAN, with or without spaces), mod-97 checked
``[card]``  payment card numbers, 13–19 digits with spaces or dashes, Luhn checked
``[id]``    Finnish personal identity codes (henkilötunnus ``DDMMYYCZZZQ``: every century
            sign, ``+``, ``-``, ``Y X W V U`` and ``A B C D E F`` of 2023, check character
            checked) and Swedish personnummer and samordningsnummer (``YYMMDD-NNNN``,
            ``YYYYMMDDNNNN``, ``+`` for a hundred years, day + 60, Luhn checked)
``[phone]`` phone numbers: Finnish and Swedish national (a leading ``0``), international
            (``+`` or ``00`` and a country code), with spaces, dashes, slashes and
            parentheses; and any run of 5 or more digits right after a word that says it
            is a number ("puh", "tel", "soita", "ring", "nummer", "call" …)
``[address]`` a street name with a house number (``Mannerheimintie 12 B 34``,
            ``Storgatan 5``, ``12 Baker Street``), with a postal code and town after it
``[name]``  names of people: the words after "nimeni on", "jag heter", "my name is" and
            the like, and first names of a list of common Finnish, Swedish and English
            ones (with a surname after them), in Finnish inflected forms too
========== ============================================================================

**Names** are removed, not kept. A name of a member of staff is often the point of a
comment ("Maija at the till was rude"), but it is personal data about that person (GDPR
art. 4), and a comment kept under it becomes a judgement of a named employee read by
managers and exported for years, outside the staff's own HR process; a shopper's own name
breaks the promise that an answer is anonymous. What the comment is about survives the
placeholder ("[name] at the till was rude"): the store, touchpoint and time remain for the
manager to act on. The rule is transparent and can be checked by anyone: a list of names
and a list of introductions (:data:`NAME_CUES`), nothing learnt. Names that are also
ordinary words ("Onni", "Toivo", "Per", "Will") are left out of the list and caught only
after an introduction; a name the list does not know is kept unless introduced.

Tolerance: a number that merely looks like personal data is removed too (a 10-digit order
number starting with ``0`` reads as a phone number; a store's own street address with a
number reads as an address). Prices (``12,90 €``), dates (``6.12.2026``), times
(``klo 18.30``), quantities and order numbers that do not start with ``0`` are kept.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from hq.words.names import FIRST_NAMES, NAME_CUES, SELF_CUES

KINDS = ("url", "email", "iban", "card", "id", "phone", "address", "name")
PLACEHOLDER = {kind: f"[{kind}]" for kind in KINDS}


@dataclass(frozen=True)
class Redacted:
    """What was left of a text after :func:`redact`, and how many of each kind went."""

    text: str
    removed: Counter = field(default_factory=Counter)


# --- checks -----------------------------------------------------------------------------


def luhn_ok(digits: str) -> bool:
    """Whether the digits pass the Luhn check (cards, Swedish personnummer)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


HETU_CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY"
HETU_CENTURY = {"+": 1800, **dict.fromkeys("-YXWVU", 1900), **dict.fromkeys("ABCDEF", 2000)}


def _real_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def hetu_ok(text: str) -> bool:
    """Whether *text* is a Finnish personal identity code: a real date, a century sign and
    the right check character (``DDMMYYCZZZQ``)."""
    text = text.upper()
    if len(text) != 11 or text[6] not in HETU_CENTURY:
        return False
    dd, mm, yy, zzz = text[0:2], text[2:4], text[4:6], text[7:10]
    if not (dd + mm + yy + zzz).isdigit():
        return False
    if not _real_date(HETU_CENTURY[text[6]] + int(yy), int(mm), int(dd)):
        return False
    return HETU_CHECK[int(dd + mm + yy + zzz) % 31] == text[10]


def personnummer_ok(digits: str) -> bool:
    """Whether 10 or 12 digits are a Swedish personnummer or samordningsnummer: a month,
    a day (plus 60 for a samordningsnummer) and the Luhn check over the last ten."""
    if len(digits) == 12:
        digits = digits[2:]
    if len(digits) != 10:
        return False
    month, day = int(digits[2:4]), int(digits[4:6])
    if day > 60:
        day -= 60
    return 1 <= month <= 12 and 1 <= day <= 31 and luhn_ok(digits)


IBAN_LENGTH = {
    "FI": 18, "SE": 24, "NO": 15, "DK": 18, "EE": 20, "DE": 22, "GB": 22, "FR": 27, "ES": 24,
    "IT": 27, "NL": 18, "BE": 16, "AT": 20, "CH": 21, "PL": 28, "LT": 20, "LV": 21, "IE": 22,
    "PT": 25, "IS": 26, "AX": 18,
}  # fmt: skip


def iban_ok(text: str) -> bool:
    """Whether *text* (spaces removed) is an IBAN of a known length with a right mod-97."""
    text = text.replace(" ", "").upper()
    if IBAN_LENGTH.get(text[:2]) != len(text) or not text[2:4].isdigit():
        return False
    moved = text[4:] + text[:4]
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1


# --- patterns ---------------------------------------------------------------------------

_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"]+", re.IGNORECASE)
_AT = r"(?:@|\s?[(\[{]\s?(?:at|ät|miukumauku)\s?[)\]}]\s?|\s(?:at|ät)\s)"
_DOT = r"(?:\.|\s?[(\[{]\s?(?:dot|piste|punkt)\s?[)\]}]\s?|\s(?:dot|piste|punkt)\s)"
_EMAIL = re.compile(
    rf"(?<![\w.+%-])[\w.+%-]+{_AT}[\w-]+(?:{_DOT}[\w-]+)*{_DOT}[a-z]{{2,24}}\b",
    re.IGNORECASE | re.UNICODE,
)
# A run of letters and digits in groups (an IBAN's shape); its length is checked per country.
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){10,30}", re.IGNORECASE)
_HETU = re.compile(r"(?<![\w-])\d{6}[-+A-FU-Y]\d{3}[0-9A-Y](?!\w)", re.IGNORECASE)
_PERSONNUMMER = re.compile(r"(?<![\w-])(?:\d{2})?\d{6}[-+ ]?\d{4}(?![\w-])")
_SEP = r"[ \-/]?"
_PHONE = re.compile(
    r"(?<![\w+])"
    r"(?:"
    rf"(?:\+|00)\s?\d{{1,3}}(?:\s?\(0\))?(?:{_SEP}\(?\d{{1,4}}\)?){{2,6}}"  # international
    r"|"
    rf"\(?0\d{{1,3}}\)?(?:{_SEP}\d{{1,4}}){{2,5}}"  # national: 040 123 4567, (09) 123 456
    r"|"
    r"0\d{6,10}"  # national without spaces
    r")"
    r"(?![\w])"
)
_PHONE_CUE = re.compile(
    r"\b(?:puh(?:elin)?(?:numero)?|p\.|gsm|kännykkä|numeroni|soita(?:kaa)?|tekstaa|"
    r"tel(?:efon|ephone)?|tfn|mobil|mob\.?|mitt\s+nummer|ring(?:a|er)?|sms(?:a)?|"
    r"phone|my\s+number|call|text\s+me|whatsapp)\b[:.]?\s*(\+?\d(?:[ \-/()]?\d){4,14})",
    re.IGNORECASE,
)
_STREET_ENDS = (
    # Finnish street words and their commonest case forms ("Hämeenkadulla 5")
    r"tie|tiellä|tiellä|tieltä|tielle|katu|kadulla|kadulta|kadulle|kuja|kujalla|polku|"
    r"polulla|tori|torilla|ranta|rannassa|väylä|väylällä|kaari|kaarella|rinne|rinteellä|"
    r"mäki|mäellä|piha|puistikko|raitti|aukio|"
    # Swedish
    r"gatan|gata|vägen|väg|gränd|gränden|torget|backen|stigen|allén|plan|leden|"
    r"esplanaden|esplanadi"
)
_ADDRESS = re.compile(
    rf"\b(?=[A-ZÅÄÖ])[\wåäöÅÄÖ-]*?(?i:{_STREET_ENDS})\s+\d{{1,4}}(?:\s?[A-Za-z](?![\w]))?"
    r"(?:\s?(?:as\.?|lgh\.?|bst\.?)?\s?\d{1,4}(?!\s?(?:€|e\b|kr\b|%|,\d)))?"
    r"(?:,?\s\d{3}\s?\d{2}\s[A-ZÅÄÖ][\wåäö-]+)?"  # and a postal code and town
    r"|\b\d{1,5}\s(?:[A-Z][a-z]+\s){1,3}(?:Street|St|Road|Rd|Avenue|Ave|Lane|Close|Drive|Way)\b\.?",
    re.UNICODE,
)
_NAME_WORD = r"[A-ZÅÄÖ][a-zåäöé]+(?:-[A-ZÅÄÖ][a-zåäöé]+)?"
_CUE = re.compile(rf"\b(?i:{'|'.join(NAME_CUES)})\s+({_NAME_WORD}(?:\s+{_NAME_WORD})?)")
_PLACE_CASE = r"(?:sta|stä|ssa|ssä|lla|llä|lta|ltä|lle|ksi)"
_SELF = re.compile(
    rf"\b(?i:{'|'.join(SELF_CUES)})\s+"
    rf"((?!\w+{_PLACE_CASE}\b){_NAME_WORD}(?:\s+(?!\w+{_PLACE_CASE}\b){_NAME_WORD})?)"
    r"(?=\s*(?:[,.!;]|$))"
)
# Finnish case endings after a name ("Maijalle", "Pekan", "Annasta").
_FI_ENDINGS = r"(?::?(?:n|lle|lla|llä|lta|ltä|sta|stä|ssa|ssä|ksi|ni|kin|han|hän))?"


def _grade(name: str) -> set[str]:
    """*name* and its Finnish weak-grade stem ("Pekka" → "Peka", "Antti" → "Anti")."""
    forms = {name}
    for strong, weak in (("kk", "k"), ("pp", "p"), ("tt", "t")):
        if name[-3:-1] == strong:
            forms.add(name[:-3] + weak + name[-1])
    return forms


_FIRST = sorted({form for n in FIRST_NAMES for form in _grade(n)}, key=len, reverse=True)
_LISTED = re.compile(
    rf"\b(?:{'|'.join(_FIRST)}){_FI_ENDINGS}(?:\s+{_NAME_WORD})?(?![\wåäö])", re.UNICODE
)


Spans = list[tuple[int, int]]


def _matches(pattern: re.Pattern, group: int = 0) -> Callable[[str], Spans]:
    """Every match of *pattern* (its *group*) is one."""
    return lambda text: [m.span(group) for m in pattern.finditer(text)]


def _checked(pattern: re.Pattern, ok: Callable[[str], bool]) -> Callable[[str], Spans]:
    """Every match of *pattern* that passes *ok* is one."""
    return lambda text: [m.span() for m in pattern.finditer(text) if ok(m.group())]


_RUN = re.compile(r"\d(?:[ -]?\d)*")


def _card_ok(text: str) -> bool:
    digits = re.sub(r"\D", "", text)
    return 13 <= len(digits) <= 19 and luhn_ok(digits)


def _card_spans(text: str) -> Spans:
    """Card numbers in every run of digits (over single spaces or dashes): from each
    group of the run, the longest groups after it that make a card number, so a card
    after a till number ("kassa 12 4111 …") or two cards in one run are found whole."""
    spans = []
    for run in _RUN.finditer(text):
        if run.start() and text[run.start() - 1] in ",.":
            continue  # the decimals of a price
        groups = [g.span() for g in re.finditer(r"\d+", run.group())]
        i = 0
        while i < len(groups):
            last, digits = i, 0
            while last < len(groups) and digits + groups[last][1] - groups[last][0] <= 19:
                digits += groups[last][1] - groups[last][0]
                last += 1
            for j in range(last - 1, i - 1, -1):
                a, b = run.start() + groups[i][0], run.start() + groups[j][1]
                if _card_ok(text[a:b]):
                    spans.append((a, b))
                    i = j
                    break
            i += 1
    return spans


def _phone_ok(text: str) -> bool:
    digits = re.sub(r"\D", "", text)
    if text.startswith(("+", "00")):
        return 8 <= len(digits) <= 16
    return 7 <= len(digits) <= 12


def _phone_spans(text: str) -> Spans:
    """Phone numbers: each match of the shape, cut back group by group from its end until
    its digits are a phone number's ("040 123 4567 2026" is "040 123 4567")."""
    spans, at = [], 0
    while (m := _PHONE.search(text, at)) is not None:
        ends = [m.start() + g.end() for g in re.finditer(r"\d+", m.group())]
        found = next((e for e in reversed(ends) if _phone_ok(text[m.start() : e])), None)
        if found is None:
            at = m.start() + 1
            continue
        if text[found : found + 1] == ")":
            found += 1
        spans.append((m.start(), found))
        at = found
    return spans


def _personnummer_ok(text: str) -> bool:
    return personnummer_ok(re.sub(r"\D", "", text))


def _iban_spans(text: str) -> Spans:
    """Where IBANs are in *text*: each candidate cut to its country's length and checked,
    the search going on right after it (a candidate may run on into the next words)."""
    spans, at = [], 0
    while (m := _IBAN.search(text, at)) is not None:
        at = m.start() + 1
        want = IBAN_LENGTH.get(m.group()[:2].upper())
        if want is None:
            continue
        count, end = 0, m.start()
        for i, ch in enumerate(m.group()):
            if ch != " ":
                count += 1
            if count == want:
                end = m.start() + i + 1
                break
        if count == want and iban_ok(text[m.start() : end]):
            spans.append((m.start(), end))
            at = end
    return spans


# The kinds in the order they are looked for: a longer, surer pattern first.
_STEPS: tuple[tuple[str, Callable[[str], Spans]], ...] = (
    ("url", _matches(_URL)),
    ("email", _matches(_EMAIL)),
    ("iban", _iban_spans),
    ("card", _card_spans),
    ("id", _checked(_HETU, hetu_ok)),
    ("id", _checked(_PERSONNUMMER, _personnummer_ok)),
    ("address", _matches(_ADDRESS)),
    ("phone", _matches(_PHONE_CUE, 1)),
    ("phone", _phone_spans),
    ("name", _matches(_CUE, 1)),
    ("name", _matches(_SELF, 1)),
    ("name", _matches(_LISTED)),
)


def redact(text: str) -> Redacted:
    """*text* with every piece of personal data :mod:`this module <hq.words.redact>` finds
    replaced by its placeholder, and the count of each kind replaced."""
    removed: Counter = Counter()
    for kind, find in _STEPS:
        spans = find(text)
        if not spans:
            continue
        parts, last = [], 0
        for start, end in spans:
            if start < last:
                continue
            parts += [text[last:start], PLACEHOLDER[kind]]
            last = end
            removed[kind] += 1
        parts.append(text[last:])
        text = "".join(parts)
    return Redacted(text, removed)
