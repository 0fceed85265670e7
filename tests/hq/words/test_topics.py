"""The topics matcher: word lists per language with Finnish and Swedish inflections, the
reason's own label, a store's own reason by its label only, and the matched words."""

from __future__ import annotations

import pytest

from hq.words.topics import tag, word_lists
from tests.hq.words.answers import REASONS


@pytest.mark.parametrize(
    ("language", "text", "topic", "words"),
    [
        ("fi", "Jonossa seisoin pitkään", "queue", ["Jonossa", "pitkään"]),
        ("fi", "Jonot ovat aina pitkät", "queue", ["Jonot", "pitkät"]),
        ("fi", "Kassajono ei liikkunut", "queue", ["Kassajono"]),
        ("fi", "Myyjät olivat avuliaita", "staff", ["Myyjät", "avuliaita"]),
        ("fi", "Hinnat ovat liian kalliita", "prices", ["Hinnat", "kalliita"]),
        ("fi", "Maito oli loppunut", "availability", ["loppunut"]),
        ("fi", "Vessa oli likainen", "cleanliness", ["Vessa", "likainen"]),
        ("sv", "Kön var lång", "queue", ["Kön"]),
        ("sv", "Köerna är för långa", "queue", ["Köerna"]),
        ("sv", "Det var kö", "queue", ["kö"]),
        ("sv", "Kassakön växte", "queue", ["Kassakön"]),
        ("sv", "Personalen var otrevlig", "staff", ["Personalen", "otrevlig"]),
        ("sv", "Mjölken var slut", "availability", ["slut"]),
        ("en", "The queue was long", "queue", ["queue", "long"]),
        ("en", "Bread was out of stock", "availability", ["out of stock"]),
        ("en", "Toilets were dirty", "cleanliness", ["Toilets", "dirty"]),
    ],
)
def test_inflected_words_tag_their_reason_with_the_words_shown(language, text, topic, words):
    found = tag(text, language, REASONS[language])
    assert topic in found.keys
    assert found.matched[topic] == words


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("sv", "Jag köpte kaffe i köket"),  # "kö" is a whole word, not "köpte", "köket"
        ("en", "I went there on Friday"),
        ("fi", "Kaikki meni hyvin, kiitos"),
        ("sv", "Jag går till butiken"),  # English "till" is not Swedish
    ],
)
def test_words_of_nothing_tag_nothing(language, text):
    assert tag(text, language, REASONS[language]).keys == []


def test_topics_follow_the_surveys_order_and_only_its_reasons():
    text = "Siivous huono, jono pitkä ja hinnat kovat"
    assert tag(text, "fi", REASONS["fi"]).keys == ["queue", "prices", "cleanliness"]
    only = {"prices": "Hinnat", "queue": "Jono"}
    assert tag(text, "fi", only).keys == ["prices", "queue"]


def test_a_stores_own_reason_is_tagged_by_its_label_and_other_by_nothing():
    reasons = {"gifts": "Lahjapaketointi", "other": "Muu syy"}
    found = tag("Lahjapaketointi kesti, muu palvelu hyvää", "fi", reasons)
    assert found.keys == ["gifts"] and found.matched == {"gifts": ["Lahjapaketointi"]}


def test_the_word_lists_name_every_built_in_reason_in_every_language():
    lists = word_lists()
    for key in ("queue", "staff", "prices", "availability", "cleanliness"):
        assert all(lists[key][lang] for lang in ("fi", "sv", "en")), key
    assert all(not v for v in lists["other"].values())


def test_the_matched_words_are_the_comments_own_never_markup():
    found = tag("<b>Jono</b> <script>", "fi", REASONS["fi"])
    assert found.matched == {"queue": ["Jono"]}
