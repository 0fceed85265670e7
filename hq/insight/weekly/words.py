"""A weekly summary in plain words, in the reader's language (the dashboard's catalogues):
one sentence for each change with its n, a line of the test that let it through, and
"no change beyond the usual week-to-week variation" when nothing passed. The dashboard,
the weekly report and the API print these texts as they are."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from hq.core.errors import N_
from hq.core.language import Language
from hq.insight.business.busyness import EDGES
from hq.insight.exports.labels import ReasonLabels
from hq.insight.weekly.slices import MIN_N, MIN_NORM_WEEKS, NORM_WEEKS, Change
from hq.insight.weekly.summary import WeeklySummary

ON_WEEKDAYS = (
    N_("on Mondays"), N_("on Tuesdays"), N_("on Wednesdays"), N_("on Thursdays"),
    N_("on Fridays"), N_("on Saturdays"), N_("on Sundays"),
)  # fmt: skip
IN_HOURS = {
    "morning": N_("in the mornings (until 11)"),
    "midday": N_("around midday (11–14)"),
    "afternoon": N_("in the afternoons (14–17)"),
    "evening": N_("in the evenings (from 17)"),
}
ROSE = N_("Unhappy share {where} rose from {before} % to {after} % (n = {n}).")
FELL = N_("Unhappy share {where} fell from {before} % to {after} % (n = {n}).")
REASON_ROSE = N_(
    "The share of unhappy answers giving “{reason}” rose from {before} % to {after} % (n = {n})."
)
REASON_FELL = N_(
    "The share of unhappy answers giving “{reason}” fell from {before} % to {after} % (n = {n})."
)
NO_CHANGE = N_("No change beyond the usual week-to-week variation.")


@dataclass(frozen=True)
class Said:
    """One change in words: the sentence, and the test's line."""

    change: Change
    sentence: str
    test: str


@dataclass(frozen=True)
class Told:
    """A summary in words: its title, each change said, or the one line of no change or
    too early, and how the changes were tested."""

    title: str
    changes: list[Said]
    verdict: str
    line: str  # "no change …" or "too early …"; "" with changes
    method: str


def where_of(change: Change, language: Language, units: dict[str, str], scope: str) -> str:
    """Where the change is, as a phrase: "at kiosk k2 in the evenings (from 17)"."""
    parts = change.parts
    words = []
    if "kiosk" in parts:
        words.append(language.translate("at kiosk {kiosk}", kiosk=parts["kiosk"]))
    if "store" in parts:
        store = units.get(parts["store"], parts["store"])
        words.append(language.translate("in {store}", store=store))
    if "weekday" in parts:
        words.append(language.gettext(ON_WEEKDAYS[parts["weekday"]]))
    if "hours" in parts:
        words.append(language.gettext(IN_HOURS[parts["hours"]]))
    if "busyness" in parts:
        band = parts["busyness"]
        low = EDGES[band]
        if band + 1 < len(EDGES):
            words.append(language.translate(
                "in hours with {low}–{high} transactions per staff member",
                low=low, high=EDGES[band + 1]))  # fmt: skip
        else:
            words.append(
                language.translate(
                    "in hours with {low} or more transactions per staff member", low=low
                )
            )
    if not words:
        whole = N_("in the whole region") if scope == "region" else N_("in the whole store")
        words.append(language.gettext(whole))
    return " ".join(words)


def p_text(p: float, language: Language) -> str:
    """A p-value's relation as people read it: "= 0.012", or "< 0.001" below that."""
    return f"< {language.number(0.001, 3)}" if p < 0.001 else f"= {language.number(p, 3)}"


def say(summary: WeeklySummary, language: Language,
        reason_label: Callable[[str], str] | None = None) -> Told:  # fmt: skip
    """*summary* in *language*; *reason_label* turns a reason's key into its label."""
    title = language.translate(
        "What changed in the week {first} – {last}",
        first=language.date(summary.first), last=language.date(summary.last),
    )  # fmt: skip
    tested = summary.examined.tested
    said = []
    for c in summary.changes:
        values = {"before": language.number(c.before, 0),
                  "after": language.number(c.after, 0), "n": language.number(c.n)}  # fmt: skip
        if c.measure == "reason":
            key = c.parts["reason"]
            label = (reason_label(key) if reason_label else "") or key
            text = REASON_ROSE if c.points > 0 else REASON_FELL
            sentence = language.translate(text, reason=label, **values)
        else:
            where = where_of(c, language, summary.units, summary.scope)
            sentence = language.translate(ROSE if c.points > 0 else FELL, where=where, **values)
        test = language.translate(
            "the {weeks} weeks before: n = {m}; two-proportion test p {p} after Holm's "
            "correction over {tested} slices",
            weeks=NORM_WEEKS, m=language.number(c.norm_n), p=p_text(c.p_adjusted, language),
            tested=tested,
        )  # fmt: skip
        said.append(Said(c, sentence, test))
    verdict = summary.verdict
    line = ""
    if verdict == "no_change":
        line = language.gettext(NO_CHANGE)
    elif verdict == "too_early":
        line = language.translate(
            "Too early to say: it needs ratings in {weeks} of the {norm} weeks before, and "
            "{n} ratings in the week.", weeks=MIN_NORM_WEEKS, norm=NORM_WEEKS, n=MIN_N)  # fmt: skip
    method = language.translate(
        "{tested} slices (hours, weekdays, kiosks or stores, reasons, busyness) tested "
        "against the {weeks} weeks before; a change is shown when a two-proportion test "
        "that allows for the usual week-to-week variation passes Holm's correction at 5 %.",
        tested=tested, weeks=NORM_WEEKS,
    )  # fmt: skip
    return Told(title, said, verdict, line, method)


def told(
    session: Session, summary: WeeklySummary, language: Language, labels: ReasonLabels | None = None
) -> Told:
    """*summary* in *language*, each reason by its label in the surveys of the scope's
    stores (the first store that names it): from *labels* (in *language*, of those
    stores) if given."""
    stores = list(summary.units) if summary.scope == "region" else [summary.ident]
    labels = labels if labels is not None else ReasonLabels(session, language.code, stores)

    def label(key: str) -> str:
        return next((found for s in stores if (found := labels(s, "", key))), "")

    return say(summary, language, label)
