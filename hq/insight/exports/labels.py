"""The label of a follow-up reason in one language, as the kiosk that asked it shows it.

A device's own survey settings at HQ, else its store's (as :func:`hq.fleet.surveys.survey_for`
picks them), else a campaign's that ran there (:mod:`hq.fleet.survey.campaigns`: its
own reasons, such as ``gifts``), else the kiosk's built-in label from its gettext
catalogues. The labels are those of the settings HQ holds now: a label changed since a
rating was given shows the new text, while the key in the export stays what the kiosk
sent.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hq.tables.models import Survey
from hq.tables.surveys import SurveyCampaign, SurveyCampaignTarget
from kiosk.i18n import gettext
from kiosk.settings.survey import BUILTIN_REASONS, LANGUAGES

Texts = dict[str, dict[str, Any]]  # reason key → {language: label}


class ReasonLabels:
    """``labels(store_id, device_id, key)`` → the label of *key* in *language* ("" if none)."""

    def __init__(self, session: Session, language: str, store_ids: list[str] | None = None):
        if language not in LANGUAGES:
            raise ValueError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
        self.language = language
        query = select(Survey.store_id, Survey.device_id, Survey.body)
        if store_ids is not None:
            query = query.where(Survey.store_id.in_(store_ids))
        self._texts: dict[tuple[str, str], Texts] = {
            (store, device): _reason_text(body) for store, device, body in session.execute(query)
        }
        self._campaigns: dict[tuple[str, str], Texts] = {}
        ran = (
            select(
                SurveyCampaignTarget.store_id, SurveyCampaignTarget.device_id, SurveyCampaign.survey
            )
            .join(SurveyCampaign, SurveyCampaign.id == SurveyCampaignTarget.campaign_id)
            .order_by(SurveyCampaign.id)  # the newest campaign's label last, so it wins
        )
        if store_ids is not None:
            ran = ran.where(SurveyCampaignTarget.store_id.in_(store_ids))
        for store, device, survey in session.execute(ran):
            self._campaigns.setdefault((store, device), {}).update(_reason_text({"survey": survey}))
        self._found: dict[tuple[str, str, str], str] = {}

    def __call__(self, store_id: str, device_id: str, key: str | None) -> str:
        if not key:
            return ""
        at = (store_id, device_id, key)
        if at not in self._found:
            self._found[at] = self._label(store_id, device_id, key)
        return self._found[at]

    def _label(self, store_id: str, device_id: str, key: str) -> str:
        texts = self._texts.get((store_id, device_id))
        if texts is None:
            texts = self._texts.get((store_id, ""), {})
        ran = self._campaigns.get((store_id, device_id), {})
        own = (
            texts.get(key) or ran.get(key) or self._campaigns.get((store_id, ""), {}).get(key) or {}
        )
        if isinstance(own.get(self.language), str) and own[self.language]:
            return own[self.language]
        if key in BUILTIN_REASONS:
            return gettext(self.language, BUILTIN_REASONS[key])
        # A reason the settings no longer list: its label in another language, if any.
        for language in ("en", *LANGUAGES):
            if isinstance(own.get(language), str) and own[language]:
                return own[language]
        return ""


def _reason_text(body: Any) -> Texts:
    """``[survey.reason_text]`` of a stored survey body (checked when it was set)."""
    survey = body.get("survey") if isinstance(body, dict) else None
    texts = survey.get("reason_text") if isinstance(survey, dict) else None
    if not isinstance(texts, dict):
        return {}
    return {k: v for k, v in texts.items() if isinstance(v, dict)}
