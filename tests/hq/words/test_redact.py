"""Personal data out of shoppers' words: the checks on their own (with published example
numbers), the test set of comments in fi/sv/en (every planted item removed, ordinary bits
kept), and a property test that nothing stored through keep_comment holds personal data."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from hq.tables.surveys import Comment
from hq.words.keep import keep_comment
from hq.words.redact import hetu_ok, iban_ok, luhn_ok, personnummer_ok, redact
from tests.hq.words import comments_set as cs
from tests.hq.words.answers import REASONS, web_link, web_rating
from tests.hq.words.evaluate import evaluate, own, table
from tests.hq.words.numbers import card, hetu, iban, personnummer

TOLERANCE = 0.02  # of the ordinary bits (prices, dates, times, order numbers) mangled


@pytest.mark.parametrize(
    ("check", "good", "bad"),
    [
        # the Finnish Digital and Population Data Services Agency's example, and the 2023 signs
        (hetu_ok, ["131052-308T", "131052-308t", "010101Y123N", "010501B1005"],
         ["131052-308U", "311352-308T", "290201A123X", "131052/308T"]),
        # Skatteverket's example, a samordningsnummer (day + 60), the long form
        (personnummer_ok, ["8112189876", "198112189876", "7010632391"],
         ["8112189875", "8113189876", "8112329876"]),
        (luhn_ok, ["4111111111111111", "5555555555554444", "378282246310005"],
         ["4111111111111112", "1234567812345678"]),
        (iban_ok, ["FI2112345600000785", "SE4550000000058398257466", "FI21 1234 5600 0007 85"],
         ["FI2112345600000786", "FI211234560000078", "XX2112345600000785"]),
    ],
)  # fmt: skip
def test_each_check_takes_real_numbers_and_refuses_near_misses(check, good, bad):
    assert all(check(x) for x in good), [x for x in good if not check(x)]
    assert not any(check(x) for x in bad), [x for x in bad if check(x)]


def test_the_set_is_large_and_plants_every_kind_in_every_language():
    found = cs.samples()
    assert len(found) >= 200
    for language in ("fi", "sv", "en"):
        kinds = {k for s in found if s.language == language for k, _ in s.planted}
        assert kinds == {"email", "url", "phone", "card", "iban", "id", "address", "name"}


def test_no_planted_item_is_left_and_ordinary_text_is_kept_within_the_tolerance(capsys):
    scores = evaluate(own)
    with capsys.disabled():
        print(f"\n{table({'own patterns': scores})}")
        print(f"false positives: {scores.false_positive_rate:.1%} of ordinary bits")
    assert scores.left == []
    assert sum(scores.removed.values()) == sum(scores.planted.values()) >= 200
    assert scores.false_positive_rate <= TOLERANCE
    assert scores.clean_changed == 0


def test_the_measure_sees_a_redactor_that_leaves_things():
    """The set's scoring is not vacuous: a redactor that only removes e-mail addresses
    leaves every other kind, and one that blanks everything mangles every ordinary bit."""
    only_email = evaluate(lambda t, _: re.sub(r"\S+@\S+", "[email]", t))
    assert only_email.recall("email") < 1 and only_email.recall("phone") == 0
    blank = evaluate(lambda t, _: "")
    assert blank.false_positive_rate == 1 and blank.left == []


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Maito 1,29 €, klo 18.30, 6.12.2026", "Maito 1,29 €, klo 18.30, 6.12.2026"),
        ("Kuitti nro 1234567 ja 2 kpl", "Kuitti nro 1234567 ja 2 kpl"),
        ("Olen Helsingistä.", "Olen Helsingistä."),
        ("Hans kollega, 3,99 € per kilo", "Hans kollega, 3,99 € per kilo"),
        ("Nimeni on Anna Salo.", "Nimeni on [name]."),
        ("Kiitos Pekalle ja Maijan tiimille!", "Kiitos [name] ja [name] tiimille!"),
        ("Ring 070-123 45 67 eller mejla a.b@c.se", "Ring [phone] eller mejla [email]"),
        ("hetu 131052-308T, pnr 811218-9876", "hetu [id], pnr [id]"),
        ("Kortti 4111 1111 1111 1111, tili FI21 1234 5600 0007 85", "Kortti [card], tili [iban]"),
        ("Asun Storgatan 5, 111 21 Stockholm.", "Asun [address]."),
    ],
)
def test_what_is_removed_and_what_is_kept(text, kept):
    assert redact(text).text == kept


# --- the property: nothing stored through keep_comment holds personal data ----------------


def _hetu(day: date, number: int, sign: str) -> str:
    return hetu(day.strftime("%d%m%y"), sign, f"{number:03d}")


_SIGNS = {1800: "+", 1900: "-YXWVU", 2000: "ABCDEF"}
hetus = st.builds(
    lambda d, n, i: _hetu(d, n, _SIGNS[d.year // 100 * 100][i % len(_SIGNS[d.year // 100 * 100])]),
    st.dates(date(1850, 1, 1), date(2029, 12, 31)),
    st.integers(2, 899),
    st.integers(0, 5),
)
personnummers = st.builds(
    lambda d, n, form, co: personnummer(
        (d + timedelta(0)).strftime("%y%m") + f"{d.day + (60 if co else 0):02d}", f"{n:03d}", form
    ),
    st.dates(date(1930, 1, 1), date(2025, 12, 31)),
    st.integers(0, 999),
    st.sampled_from(["short", "plus", "bare", "long", "longbare"]),
    st.booleans(),
)
cards = st.builds(
    lambda prefix, body, sep: card(prefix + body, (4, 4, 4, 4), sep),
    st.sampled_from(["4", "51", "52", "55", "6011"]),
    st.text("0123456789", min_size=11, max_size=11),
    st.sampled_from([" ", "-", ""]),
).map(lambda c: c[: len(c)])
ibans = st.one_of(
    st.builds(lambda b, s: iban("FI", b, s), st.text("0123456789", min_size=14, max_size=14),
              st.booleans()),
    st.builds(lambda b, s: iban("SE", b, s), st.text("0123456789", min_size=20, max_size=20),
              st.booleans()),
)  # fmt: skip
_digits = st.text("0123456789", min_size=3, max_size=3)
phones = st.one_of(
    st.builds(lambda a, b, c: f"04{a[0]} {b} {c}{a[1]}", _digits, _digits, _digits),
    st.builds(lambda a, b: f"+358 50 {a} {b}1", _digits, _digits),
    st.builds(lambda a, b: f"07{a[0]}-{b} {a[1:]} {b[:2]}", _digits, _digits),
    st.builds(lambda a, b: f"+46 8 {a} {b} 12", _digits, _digits),
    st.builds(lambda a, b: f"(09) {a} {b}4", _digits, _digits),
    st.builds(lambda a, b: f"00358{a}{b}7", _digits, _digits),
)
emails = st.builds(
    lambda user, host, tld: f"{user}@{host}.{tld}",
    st.from_regex(r"[a-z][a-z0-9._]{1,12}[a-z0-9]", fullmatch=True),
    st.from_regex(r"[a-z][a-z0-9-]{1,10}[a-z]", fullmatch=True),
    st.sampled_from(["fi", "se", "com", "co.uk", "net"]),
)
names = st.sampled_from(["Maija", "Pekka Virtanen", "Karin Svensson", "John", "Sarah Jones"])
personal = st.one_of(hetus, personnummers, cards, ibans, phones, emails, names)
filler = st.lists(
    st.sampled_from(
        ["jono", "oli", "pitkä", "kön", "var", "lång", "the", "queue", "12,90 €", "klo 18.30",
         "6.12.2026", "2 kpl", "kiitos", "tack", "thanks", "myyjä", "kassa 3", ",", ".", "!",
         "hinta", "priset", "€", "500 g", "nro 44", "ja", "och", "and"]
    ),
    max_size=8,
)  # fmt: skip
# No run of 9 digits (over single spaces or dashes), no "@": what no filler word has.
DIGIT_RUN = re.compile(r"\d(?:[ -]?\d){8,}")


def test_no_stored_comment_holds_the_personal_data_it_was_written_with(hq):
    with hq.sessions() as s:
        link = web_link(s, "s1", hq.clock.now)
        s.commit()
    seen: list[str] = []

    @settings(max_examples=150, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(before=filler, items=st.lists(personal, min_size=1, max_size=3), after=filler,
           language=st.sampled_from(["fi", "sv", "en"]))  # fmt: skip
    def check(before, items, after, language):
        text = " ".join([*before, " och ".join(items), *after])
        with hq.sessions() as s:
            rid = web_rating(s, "s1", link, hq.clock.now)
            keep_comment(s, rating_id=rid, store_id="s1", device_id=link, language=language,
                         text=text, now=hq.clock.now, reasons=REASONS[language])  # fmt: skip
            s.commit()
        with hq.sessions() as s:
            stored = s.get(Comment, rid).text
        seen.append(stored)
        around = " ".join(before + after)
        for item in items:
            assert item not in stored, (text, stored)
            assert not any(p in stored for p in cs.traces(item) if p not in around), (text, stored)
        assert "@" not in stored and not DIGIT_RUN.search(stored), (text, stored)
        assert redact(stored).removed == {}, (text, stored)  # nothing more to find

    check()
    with hq.sessions() as s:
        assert len(s.scalars(select(Comment.rating_id)).all()) == len(seen) >= 100
