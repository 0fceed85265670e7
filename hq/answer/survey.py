"""The survey a web link shows: the one a kiosk of its store gets now, resolved as the
settings pull resolves it (:func:`hq.fleet.survey.resolve.survey_now`, the link as the
device), read with the kiosk's own settings model so the question, scale, faces,
follow-up, languages and thank-you are the kiosk's exactly. A store without a survey at
HQ shows the kiosk's built-in one (version 1, as a kiosk's file without HQ would).

The web shows the survey's first question (a kiosk takes its alternates in turn, one per
shopper; a phone sees one shopper).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy.orm import Session

from hq.core.language import negotiate
from hq.fleet.survey.resolve import survey_now
from hq.insight.hours import store_hours
from hq.tables.models import Device, Store
from kiosk.counting.scales import Scale
from kiosk.settings.model import Hours, Survey
from kiosk.timekeeping.localtime import zone


@dataclass(frozen=True)
class WebSurvey:
    """What the link's page shows and its answers are stamped with."""

    device: Device
    survey: Survey
    version: int  # config_version of its answers
    hours: Hours
    timezone: str
    store_name: str

    @property
    def scale(self) -> Scale:
        return self.survey.scale_info

    @property
    def stamp(self) -> tuple[str, str, int, str]:
        """(survey id, question id, config version, scale): what an answer names. The
        scale too: a store's first survey from HQ is version 1, as the built-in one is."""
        return self.survey.id, self.survey.question_id, self.version, self.scale.name

    def closed(self, now: datetime) -> bool:
        """Whether an answer at *now* is outside the store's opening hours, on its own
        clock (the kiosk's ``closed``). A link at the stage ``after_purchase`` (a receipt
        link, answered at home) is never: the shopper was in the store when it was open."""
        if self.device.stage == "after_purchase":
            return False
        return not self.hours.is_open(now.astimezone(zone(self.timezone)))

    def question(self, language: str) -> str:
        return getattr(self.survey.question, language) or self.survey.question.en or ""

    def reasons(self, language: str) -> dict[str, str]:
        """The follow-up's reason keys, in order, with their labels in *language*."""
        return {k: self.survey.reason_label(k, language) for k in self.survey.followup.reasons}

    def language(self, asked: str | None, accept_language: str | None) -> str:
        """The page's language: ``?lang=`` if the survey has it, else the one the browser
        likes best of the survey's, else the survey's first."""
        have = self.survey.languages
        if asked in have:
            return asked
        return negotiate(accept_language, tuple(have), have[0])


def web_survey(session: Session, device: Device, now: datetime) -> WebSurvey:
    """The survey the web link *device* shows at *now* (commits what the resolution
    keeps, as a kiosk's settings pull does)."""
    body = survey_now(session, device, now)
    version = body.get("version") or 0
    table = body.get("survey") or {}
    try:
        survey = Survey.model_validate({**table, "version": version} if version else table)
    except ValidationError:  # HQ checks a survey before keeping it; a bad one: the built-in
        survey, version = Survey(), 0
    store = device.store_id
    found = session.get(Store, store)
    return WebSurvey(device, survey, version or survey.version, store_hours(session, store),
                     found.timezone, found.name)  # fmt: skip
