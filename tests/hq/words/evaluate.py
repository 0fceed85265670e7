"""Redaction measured on the test set of :mod:`tests.hq.words.comments_set`: for each kind
of personal data, how many planted items were removed whole (recall), and how many
ordinary bits (prices, dates, times, quantities, order numbers) were mangled.

``python -m tests.hq.words.evaluate`` prints the table for Hymiö's own patterns
(:func:`hq.words.redact.redact`) and, when it is installed, for scrubadub 2.0.1 with the
detectors it has for each comment's locale (fi_FI, sv_SE, en_GB) as shipped: the figures
of ``docs/use-the-dashboard/comments.md``.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from hq.words.redact import redact
from tests.hq.words.comments_set import UNLISTED, Sample, left_over, mangled, samples

KINDS = ("email", "url", "phone", "card", "iban", "id", "address", "name")
LOCALES = {"fi": "fi_FI", "sv": "sv_SE", "en": "en_GB"}


@dataclass
class Scores:
    """What one redactor did to the set."""

    planted: Counter = field(default_factory=Counter)
    removed: Counter = field(default_factory=Counter)
    ordinary: int = 0
    mangled: int = 0
    clean: int = 0
    clean_changed: int = 0
    left: list[tuple[str, str, str]] = field(default_factory=list)  # kind, item, text
    unlisted_kept: int = 0

    def recall(self, kind: str) -> float:
        return self.removed[kind] / self.planted[kind] if self.planted[kind] else 1.0

    @property
    def false_positive_rate(self) -> float:
        """The share of ordinary bits mangled."""
        return self.mangled / self.ordinary if self.ordinary else 0.0


def evaluate(clean: Callable[[str, str], str], rounds: int = 3) -> Scores:
    """*clean* (text, language → what is left) over the set."""
    scores = Scores()
    for sample in samples(rounds):
        out = clean(sample.text, sample.language)
        _score(scores, sample, out)
    for language, text, name in UNLISTED:
        scores.unlisted_kept += name in clean(text, language)
    return scores


def _score(scores: Scores, sample: Sample, out: str) -> None:
    left = left_over(sample, out)
    for kind, item in sample.planted:
        scores.planted[kind] += 1
        if (kind, item) not in left:
            scores.removed[kind] += 1
    scores.left += [(kind, item, out) for kind, item in left]
    scores.ordinary += len(sample.ordinary)
    scores.mangled += len(mangled(sample, out))
    if not sample.planted:
        scores.clean += 1
        scores.clean_changed += out != sample.text


def own(text: str, language: str) -> str:
    return redact(text).text


def scrubadub_cleaner() -> Callable[[str, str], str]:
    """scrubadub's ``Scrubber`` per locale with the detectors it ships for it."""
    import scrubadub

    warnings.filterwarnings("ignore", module="scrubadub")
    scrubbers = {lang: scrubadub.Scrubber(locale=loc) for lang, loc in LOCALES.items()}
    return lambda text, language: scrubbers[language].clean(text)


def table(results: dict[str, Scores]) -> str:
    """The figures of each redactor side by side, as a Markdown table."""
    names = list(results)
    lines = ["| kind | planted | " + " | ".join(names) + " |"]
    lines.append("| --- | ---: | " + " | ".join("---:" for _ in names) + " |")
    first = next(iter(results.values()))
    for kind in KINDS:
        cells = [f"{r.removed[kind]} ({r.recall(kind):.0%})" for r in results.values()]
        lines.append(f"| {kind} | {first.planted[kind]} | " + " | ".join(cells) + " |")
    total = sum(first.planted.values())
    cells = [f"{sum(r.removed.values())} ({sum(r.removed.values()) / total:.1%})"
             for r in results.values()]  # fmt: skip
    lines.append(f"| **all** | {total} | " + " | ".join(cells) + " |")
    cells = [f"{r.mangled}/{r.ordinary} ({r.false_positive_rate:.1%})" for r in results.values()]
    lines.append("| ordinary bits mangled | | " + " | ".join(cells) + " |")
    cells = [f"{r.clean_changed}/{r.clean}" for r in results.values()]
    lines.append("| clean comments changed | | " + " | ".join(cells) + " |")
    cells = [f"{r.unlisted_kept}/{len(UNLISTED)}" for r in results.values()]
    lines.append("| unlisted names kept (not planted) | | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    results = {"Hymiö's own patterns": evaluate(own)}
    try:
        results["scrubadub 2.0.1"] = evaluate(scrubadub_cleaner())
    except ImportError:
        print("scrubadub is not installed: pip install scrubadub to compare")
    print(f"{len(samples())} comments (fi, sv, en)")
    print(table(results))


if __name__ == "__main__":
    main()
