"""Valid identity, card and account numbers, made here with their own check digits (not
with the code under test): Finnish henkilötunnus, Swedish personnummer, payment cards (Luhn)
and IBANs (mod 97). The comment set (:mod:`tests.hq.words.comments_set`) plants them and
the property test of :mod:`tests.hq.words.test_redact` generates them."""

from __future__ import annotations


def _luhn_digit(body: str) -> str:
    """The Luhn check digit to append to *body*."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return str((10 - total % 10) % 10)


def hetu(ddmmyy: str, sign: str, zzz: str) -> str:
    """A Finnish personal identity code with its check character."""
    return f"{ddmmyy}{sign}{zzz}" + "0123456789ABCDEFHJKLMNPRSTUVWXY"[int(ddmmyy + zzz) % 31]


def personnummer(yymmdd: str, nnn: str, form: str) -> str:
    """A Swedish personnummer (or samordningsnummer: day + 60) written in *form*:
    ``short`` YYMMDD-NNNC, ``plus`` YYMMDD+NNNC, ``long`` 19YYMMDD-NNNC, ``bare`` YYMMDDNNNC,
    ``longbare`` 19YYMMDDNNNC."""
    check = _luhn_digit(yymmdd + nnn)
    return {
        "short": f"{yymmdd}-{nnn}{check}",
        "plus": f"{yymmdd}+{nnn}{check}",
        "long": f"19{yymmdd}-{nnn}{check}",
        "bare": f"{yymmdd}{nnn}{check}",
        "longbare": f"19{yymmdd}{nnn}{check}",
    }[form]


def card(body: str, groups: tuple[int, ...], sep: str) -> str:
    """A payment card number: *body* with its Luhn digit, in *groups* joined by *sep*."""
    digits = body + _luhn_digit(body)
    out, at = [], 0
    for g in groups:
        out.append(digits[at : at + g])
        at += g
    return sep.join(out)


def iban(country: str, bban: str, spaced: bool) -> str:
    """An IBAN with its mod-97 check digits, in groups of four if *spaced*."""
    moved = bban + country + "00"
    check = 98 - int("".join(str(int(c, 36)) for c in moved)) % 97
    text = f"{country}{check:02d}{bban}"
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4)) if spaced else text
