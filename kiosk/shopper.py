"""What the shopper sees after a tap or a press, decided without a window.

The screens bind to a :class:`ShopperFlow`; it records through the same
:meth:`Store.record` for a tap (``source="touch"``) and a button (``source="button"``),
and answers with the :class:`Step` to show. The store's flag rule decides what counts;
:func:`kiosk.counting.flags.says_thank_you` decides what is thanked. Nothing here touches Kivy.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from kiosk.counting.flags import CLOSED, LOCKOUT, says_thank_you
from kiosk.errors import StoreError
from kiosk.rating import Rating
from kiosk.settings.model import Settings
from kiosk.store.store import Store

log = logging.getLogger(__name__)

# The screens of the shopper side.
QUESTION, THANKS, FOLLOWUP, CLOSED_SCREEN, STAY = "question", "thanks", "followup", "closed", "stay"


@dataclass(frozen=True)
class Step:
    """The screen to show next, for how long, and what led to it."""

    screen: str
    score: int | None = None
    rating: Rating | None = None
    seconds: float = 0.0
    reasons: tuple[str, ...] = ()
    error: str | None = None


@dataclass
class ShopperFlow:
    """The shopper side of one kiosk: press → committed row → the next screen."""

    store: Store
    settings: Settings
    paused: bool = False
    open_followup: Rating | None = field(default=None, init=False)

    def press(self, score: int, source: str = "touch", held: float = 0.0) -> Step:
        """Record one tap (or press) and say what to show. Never raises for a full disk.

        A press that could not be saved shows the error banner (never a false thank-you);
        a press during the thank-you screen is recorded as a lockout and changes nothing
        on screen; a press while the store is closed is recorded and the closed screen
        stays. While staff have paused collection nothing is recorded.
        """
        if self.paused:
            return Step(STAY, score)
        try:
            rating = self.store.record(
                score, source, held=held, followup_seconds=self.followup_seconds(score)
            )
        except StoreError as exc:
            log.error("a press could not be saved: %s", exc)
            return Step(STAY, score, error=str(exc))
        return self.recorded(rating)

    def followup_seconds(self, score: int) -> float | None:
        """How long the follow-up question stays open after *score*, or None if not asked."""
        survey = self.settings.survey
        return survey.followup.timeout if survey.asks_followup(score) else None

    def recorded(self, rating: Rating) -> Step:
        """The step after a rating is committed (by a tap here or by the button panel)."""
        survey, behaviour, score = self.settings.survey, self.settings.behaviour, rating.score
        if rating.flag != LOCKOUT:
            self._close_open_followup()  # a new shopper: the last one walked away
        if rating.flag == CLOSED:
            return Step(CLOSED_SCREEN, score, rating)
        if rating.flag == LOCKOUT or not says_thank_you(rating.flag):
            return Step(STAY, score, rating)
        if rating.followup_until_ns is not None:
            self.open_followup = rating
            return Step(
                FOLLOWUP, score, rating, survey.followup.timeout, tuple(survey.followup.reasons)
            )
        return Step(THANKS, score, rating, behaviour.thank_you)

    def choose(self, reason: str) -> Step:
        """The shopper chose a follow-up reason: store it on the same rating, thank them."""
        rating, self.open_followup = self.open_followup, None
        if rating is None:
            return Step(QUESTION)
        try:
            self.store.set_reason(rating.id, reason)
        except StoreError as exc:
            log.error("a follow-up answer could not be saved: %s", exc)
            return Step(STAY, rating.score, rating, error=str(exc))
        return Step(THANKS, rating.score, rating, self.settings.behaviour.thank_you)

    def followup_timed_out(self) -> Step:
        """No choice in time: the rating stays without a reason; back to the question."""
        self._close_open_followup()
        return Step(QUESTION)

    def _close_open_followup(self) -> None:
        rating, self.open_followup = self.open_followup, None
        if rating is not None:
            try:
                self.store.close_followup(rating.id)
            except StoreError as exc:  # the deadline closes it anyway
                log.warning("could not close a follow-up: %s", exc)
