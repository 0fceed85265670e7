"""Which of the store's reasons a comment speaks of, and by which words (issue 32).

A transparent matcher, nothing learnt: each reason key has word lists per language in
``topics.toml`` (package data, readable and editable; its header says how an entry
matches), and each reason's own label in the comment's language tags it too. A comment is
tagged with every reason of the store's survey whose words it contains, in the survey's
order; :class:`Topics` keeps the words of the comment that matched each, which the
comments page shows the analyst, who may set the topics by hand
(:func:`hq.words.keep.set_topics`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

LANGUAGES = ("fi", "sv", "en")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|€", re.UNICODE)
# Label words too common to tag anything on their own ("Out of stock": "out", "of").
_LABEL_STOP = {
    "of", "out", "the", "and", "other", "muu", "syy", "annat", "övrigt", "och", "ja",
    "tai", "or", "eller",
}  # fmt: skip


@dataclass(frozen=True)
class Topics:
    """The reason keys a comment was tagged with, and each one's matched words."""

    keys: list[str] = field(default_factory=list)
    matched: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Entry:
    """One entry of the word lists: one pattern per word of it."""

    text: str
    words: tuple[re.Pattern, ...]


def _pattern(word: str) -> re.Pattern:
    """The pattern of one word of an entry: ``jono*``, ``*jono*``, ``*kön``, or whole."""
    body = re.escape(word.strip("*").casefold())
    if word.startswith("*") and word.endswith("*") and len(word) > 2:
        return re.compile(rf".*{body}.*")
    if word.startswith("*"):
        return re.compile(rf".*{body}")
    if word.endswith("*"):
        return re.compile(rf"{body}.*")
    return re.compile(body)


def _entry(text: str) -> _Entry:
    return _Entry(text, tuple(_pattern(w) for w in text.split()))


@cache
def word_lists() -> dict[str, dict[str, tuple[_Entry, ...]]]:
    """``topics.toml``, read once: reason key → language → its entries."""
    data = tomllib.loads(resources.files("hq.words").joinpath("topics.toml").read_text("utf-8"))
    return {
        key: {lang: tuple(_entry(t) for t in texts) for lang, texts in by_lang.items()}
        for key, by_lang in data.items()
    }


def words_of(text: str) -> list[str]:
    """The words of *text*, as written (letters and digits, an apostrophe inside, ``€``)."""
    return _WORD.findall(text)


def _label_entries(label: str) -> tuple[_Entry, ...]:
    """A reason's label as entries: each of its words of 4 letters or more, as a word
    beginning, so "Hinnat" tags "hinnat" and "hinnaton", "Cleanliness" "cleanliness"."""
    words = [w.casefold() for w in words_of(label)]
    return tuple(_entry(w + "*") for w in words if len(w) >= 4 and w not in _LABEL_STOP)


def tag(text: str, language: str, reasons: Mapping[str, str]) -> Topics:
    """The reasons of *reasons* (key → label in *language*, in the survey's order) that
    *text* speaks of, with the words of *text* that matched each, in the comment's order."""
    written = words_of(text)
    folded = [w.casefold() for w in written]
    lists = word_lists()
    keys: list[str] = []
    matched: dict[str, list[str]] = {}
    for key, label in reasons.items():
        entries = (*lists.get(key, {}).get(language, ()), *_label_entries(label or ""))
        hits: set[tuple[int, int]] = set()  # (first word, number of words)
        for entry in entries:
            n = len(entry.words)
            for i in range(len(folded) - n + 1):
                if all(p.fullmatch(folded[i + j]) for j, p in enumerate(entry.words)):
                    hits.add((i, n))
        # in the comment's order, a word inside a longer match ("out of stock") not again
        kept = [(i, n) for i, n in hits
                if not any(a <= i and i + n <= a + m and m > n for a, m in hits)]  # fmt: skip
        found: list[str] = []
        for i, n in sorted(kept):
            words = " ".join(written[i : i + n])
            if words not in found:
                found.append(words)
        if found:
            keys.append(key)
            matched[key] = found
    return Topics(keys, matched)
