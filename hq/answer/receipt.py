"""Receipt links on the survey's pages (issue 32): ``/r/<code>?t=<token>`` answers once.

The survey page checks the token before it shows the survey (:func:`check`) and carries it
in the form; the answer uses it in the transaction that keeps the rating
(:func:`hq.fleet.receipts.links.consume_receipt`, called by :func:`hq.answer.keep.keep_answer`),
so a second answer through the same link, even at the same moment from another tab or HQ
process, keeps nothing and gets "already used, thank you". What each refusal says, in the
shopper's language, is :data:`REFUSALS` (merged into the survey's own).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from hq.core.errors import N_
from hq.fleet.receipts.links import check_receipt
from hq.fleet.receipts.tokens import ReceiptError

MOST = 100  # characters of a token read at all (a token is 43)

REFUSALS = {
    "receipt_used": (
        N_("This link was already used"),
        N_("An answer was already given through this link. Thank you!"),
    ),
    "receipt_expired": (
        N_("This link has expired"),
        N_(
            "A receipt link is open for a while after the purchase, and this one has "
            "closed. Thank you for wanting to tell us how we did."
        ),
    ),
    "receipt_bad": (
        N_("This link is not valid"),
        N_(
            "The link may be cut short or changed. Please open the whole link from your "
            "receipt or e-mail; nothing was saved."
        ),
    ),
}
# How each way a token fails is answered: the status and which text.
ANSWERS = {
    "used": (409, "receipt_used"),
    "expired": (410, "receipt_expired"),
    "garbled": (400, "receipt_bad"),
    "forged": (400, "receipt_bad"),
    "retired": (404, "gone"),
}


def refusal_of(e: ReceiptError) -> tuple[int, str]:
    """The status and the refusal's text key for the receipt error *e*."""
    return ANSWERS[e.reason]


def check(session: Session, token: str, code: str, now: datetime) -> None:
    """Whether the receipt *token* of the link *code* may still answer; a
    :class:`ReceiptError` otherwise (reads only)."""
    check_receipt(session, token[:MOST], code, now)
