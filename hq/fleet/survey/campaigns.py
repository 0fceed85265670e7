"""Campaigns: another survey on a part of the chain from one local day to another, both
included; each store counts the days in its own zone, and after the last day the
standing survey returns by itself. Each store or kiosk reached gets the campaign's
version number from its own count (:func:`hq.fleet.surveys.issue_version`), so a
campaign's ratings never share a version with the standing survey's. What a device is
sent on a day is :func:`hq.fleet.surveys.survey_for`; its ETag changes at the switch."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hq.core.errors import ActionError
from hq.core.language import N_
from hq.fleet.survey.draft import SurveyDraft, check_table, survey_table
from hq.fleet.survey.scopes import NotYours, check_publish, read_scope, visible_scope
from hq.fleet.surveys import issue_version
from hq.people.access import Access
from hq.people.audit import record
from hq.tables.surveys import SurveyCampaign, SurveyCampaignTarget
from kiosk.timekeeping.localtime import to_utc_text

LONGEST = 366  # days a campaign may run


def read_day(text: Any, field: str) -> date:
    """*text* as a day written YYYY-MM-DD; an :class:`ActionError` naming *field* if not."""
    try:
        if not isinstance(text, str) or len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise ActionError(
            field, N_("{where}: {value} is not a day written YYYY-MM-DD"), where=field,
            value=repr(text)[:40],
        ) from None  # fmt: skip


def schedule_campaign(
    session: Session, access: Access, scope: str, survey: SurveyDraft | dict[str, Any],
    starts_on: date, ends_on: date, now: datetime,
) -> SurveyCampaign:  # fmt: skip
    """Run *survey* on *scope* from *starts_on* to *ends_on*; committed. Checked first
    (:class:`ActionError` naming the field, or :class:`NotYours`): nothing is kept on a
    refusal."""
    scope = read_scope(session, scope)
    table = survey_table(survey) if isinstance(survey, SurveyDraft) else dict(survey)
    check_table(table)
    if ends_on < starts_on:
        raise ActionError(
            "ends_on", N_("{where}: the campaign ends before it starts"), where="ends_on"
        )
    if (ends_on - starts_on).days >= LONGEST:
        raise ActionError(
            "ends_on", N_("{where}: a campaign runs at most {days} days"), where="ends_on",
            days=LONGEST,
        )  # fmt: skip
    if ends_on < now.date() - timedelta(days=1):
        raise ActionError("ends_on", N_("{where}: that day is over"), where="ends_on")
    targets = check_publish(session, access, scope)
    campaign = SurveyCampaign(
        scope=scope, survey=table, starts_on=starts_on.isoformat(), ends_on=ends_on.isoformat(),
        created_at=to_utc_text(now), created_by=access.who,
    )  # fmt: skip
    session.add(campaign)
    session.flush()
    for store_id, device_id in targets:
        version = issue_version(session, store_id, device_id)
        session.add(
            SurveyCampaignTarget(
                campaign_id=campaign.id, store_id=store_id, device_id=device_id, version=version
            )
        )
    record(session, access.who, "schedule", "survey", scope or "chain",
           {"campaign": campaign.id, "from": campaign.starts_on, "to": campaign.ends_on,
            "question_id": table.get("question_id")}, now)  # fmt: skip
    session.commit()
    return campaign


def targets(session: Session, campaign: SurveyCampaign) -> list[tuple[str, str, int]]:
    """The (store, device, version) a campaign runs on."""
    rows = session.execute(
        select(
            SurveyCampaignTarget.store_id,
            SurveyCampaignTarget.device_id,
            SurveyCampaignTarget.version,
        ).where(SurveyCampaignTarget.campaign_id == campaign.id)
    )
    return sorted(tuple(r) for r in rows)


def campaigns(session: Session, access: Access, limit: int = 50) -> list[SurveyCampaign]:
    """The newest campaigns *access* sees, cancelled ones included."""
    rows = session.scalars(
        select(SurveyCampaign).order_by(SurveyCampaign.id.desc()).limit(limit * 4)
    ).all()
    seen = [
        c for c in rows
        if visible_scope(access, c.scope, [(s, d) for s, d, _ in targets(session, c)])
    ]  # fmt: skip
    return seen[:limit]


def cancel_campaign(session: Session, access: Access, campaign_id: int, now: datetime) -> None:
    """Stop the campaign: its stores go back to their standing survey; committed. A
    campaign *access* may not change is :class:`NotYours`; one it does not see, or none,
    :class:`ActionError` naming ``campaign``."""
    # an id no INTEGER column holds is no campaign (PostgreSQL would refuse the query)
    campaign = session.get(SurveyCampaign, campaign_id) if 0 < campaign_id < 2**31 else None
    reached = [(s, d) for s, d, _ in targets(session, campaign)] if campaign else []
    if campaign is None or not visible_scope(access, campaign.scope, reached):
        raise ActionError("campaign", N_("{where}: there is no such campaign"), where="campaign")
    if not all(access.acts_on(s) for s, _ in reached):
        raise NotYours(f"{access.who} may not change campaign {campaign_id}")
    if campaign.cancelled_at is None:
        campaign.cancelled_at = to_utc_text(now)
        record(session, access.who, "cancel", "survey", campaign.scope or "chain",
               {"campaign": campaign.id}, now)  # fmt: skip
    session.commit()
