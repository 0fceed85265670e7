"""The store page's count of what its web comments speak of (issue 32): the counted
comments of its period and each topic's count, with the labels its kiosks show, kept
apart from the kiosk reasons' shares (a comment is not a follow-up answer; the page says
which is which). From :mod:`hq.words.read`, under the privacy guard."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from hq.insight.exports.labels import ReasonLabels
from hq.people.access import Access
from hq.tables.models import Store
from hq.words import read


def store_topics(
    session: Session, access: Access, store: Store, first: date, last: date, few: int,
    language: str, labels: ReasonLabels | None = None,
) -> dict:  # fmt: skip
    """The counted comments of *store* on its local days *first* … *last*, each topic's
    count and label in *language* (from *labels* if given), none from fewer than *few*,
    and the link to those comments."""
    chosen = read.CommentFilter(first=first, last=last, store=store.id)
    counts = read.topic_counts(session, access, chosen, few)
    labels = labels if labels is not None else ReasonLabels(session, language, [store.id])
    return {
        "counts": counts,
        "labels": {k: labels(store.id, "", k) or k for k, _ in counts.topics},
        "link": "/comments?" + urlencode(chosen.params()),
    }
