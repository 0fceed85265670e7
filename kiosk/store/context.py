"""What every rating of a kiosk is stamped with, and the rules that flag it: one context
per store, made from the settings file (:meth:`RatingContext.from_settings`)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from kiosk.counting.flags import FlagRules
from kiosk.counting.scales import Scale, get_scale

if TYPE_CHECKING:
    from kiosk.settings.model import Settings


@dataclass(frozen=True)
class RatingContext:
    """What every rating of this kiosk is stamped with, and the rules that flag it."""

    device_id: str
    store_id: str
    survey_id: str
    question_id: str
    config_version: int
    scale: Scale
    tz: ZoneInfo
    rules: FlagRules
    reasons: tuple[str, ...] = ()

    @cached_property
    def stamp(self) -> tuple[str, str, str, str, int, str]:
        """The device, store, survey, question, version and scale, in a rating's order."""
        return (
            self.device_id, self.store_id, self.survey_id, self.question_id,
            self.config_version, self.scale.name,
        )  # fmt: skip

    @classmethod
    def from_settings(cls, settings: Settings) -> RatingContext:
        """The context a settings file describes."""
        survey = settings.survey
        return cls(
            device_id=settings.device.id,
            store_id=settings.device.store_id,
            survey_id=survey.id,
            question_id=survey.question_id,
            config_version=survey.version,
            scale=get_scale(survey.scale),
            tz=settings.device.tz,
            rules=FlagRules.from_settings(settings),
            reasons=tuple(survey.followup.reasons),
        )
