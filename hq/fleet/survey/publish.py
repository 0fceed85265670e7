"""Publish a survey to a part of the chain: each store (a group: each kiosk) it reaches
keeps it as its standing survey under its next version number; its opening hours stay.
A store or kiosk that comes into the part later (a new store, a store moved to the
region, a kiosk put into the group) gets it when it next asks
(:mod:`hq.fleet.survey.resolve`).
A store's kiosks with a survey of their own get it too, so a publish reaches every kiosk
of the part it names. The editor, ``POST /api/v1/surveys`` and ``hymio hq set-survey
--scope`` all call :func:`publish_survey`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hq.fleet.survey.draft import SurveyDraft, check_table, survey_table
from hq.fleet.survey.scopes import Target, check_publish, read_scope, visible_scope
from hq.fleet.surveys import keep_survey, survey_row
from hq.people.access import Access
from hq.people.audit import record
from hq.tables.models import Survey
from hq.tables.surveys import SurveyPublication
from kiosk.timekeeping.localtime import to_utc_text


def publish_survey(
    session: Session, access: Access, scope: str, survey: SurveyDraft | dict[str, Any],
    now: datetime,
) -> SurveyPublication:  # fmt: skip
    """Keep *survey* (a draft, or a kiosk ``[survey]`` table) as the standing survey of
    every store or kiosk of *scope*, each under its next version; committed. Checked
    first (:class:`~hq.core.errors.ActionError` naming the field, or
    :class:`~hq.fleet.survey.scopes.NotYours`), so a refusal changes nothing."""
    scope = read_scope(session, scope)
    table = survey_table(survey) if isinstance(survey, SurveyDraft) else dict(survey)
    check_table(table)
    targets = check_publish(session, access, scope)
    publication = SurveyPublication(
        scope=scope, survey=table, versions=[], created_at=to_utc_text(now),
        created_by=access.who,
    )  # fmt: skip
    session.add(publication)
    session.flush()
    versions = []
    for store_id, device_id in _with_own(session, targets):
        version = keep_published(session, publication, store_id, device_id, now)
        versions.append({"store": store_id, "device": device_id, "version": version})
    publication.versions = versions
    record(session, access.who, "publish", "survey", scope or "chain",
           {"versions": versions, "question_id": table.get("question_id")}, now)  # fmt: skip
    session.commit()
    return publication


def keep_published(
    session: Session, publication: SurveyPublication, store_id: str, device_id: str,
    now: datetime,
) -> int:  # fmt: skip
    """Keep *publication*'s survey as the standing survey of the store (``device_id``
    empty) or device, with its opening hours as they are; its version (the one it had if
    the survey is the same). Not committed."""
    row = survey_row(session, store_id, device_id)
    hours = (row.body or {}).get("hours", {}) if row else {}
    tables = {"survey": dict(publication.survey), "hours": hours}
    version = keep_survey(session, store_id, device_id, tables, now)
    survey_row(session, store_id, device_id).publication_id = publication.id
    return version


def _with_own(session: Session, targets: list[Target]) -> list[Target]:
    """*targets*, and for each whole store the kiosks of it with a survey of their own."""
    stores = [store for store, device in targets if not device]
    own = session.execute(
        select(Survey.store_id, Survey.device_id).where(
            Survey.store_id.in_(stores), Survey.device_id != "", Survey.version > 0
        )
    ).all()
    return sorted({*targets, *((s, d) for s, d in own)})


def publications(session: Session, access: Access, limit: int = 50) -> list[SurveyPublication]:
    """The newest publications *access* sees (each store they reached is theirs)."""
    rows = session.scalars(
        select(SurveyPublication).order_by(SurveyPublication.id.desc()).limit(limit * 4)
    ).all()
    seen = [p for p in rows if visible_scope(access, p.scope, _targets(p))]
    return seen[:limit]


def _targets(publication: SurveyPublication) -> list[Target]:
    return [(v["store"], v["device"]) for v in publication.versions or []]


def standing_survey(session: Session, store_id: str) -> dict[str, Any]:
    """The store's standing ``[survey]`` table (``{}``: none kept, the kiosk's own)."""
    row = survey_row(session, store_id, "")
    return dict((row.body or {}).get("survey", {})) if row and row.version > 0 else {}
