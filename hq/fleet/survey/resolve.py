"""The survey a kiosk gets, resolved from what is published when it asks (issue 29).

A publish or a campaign names a part of the chain: the chain, a region, a store or a
group of kiosks. The stores and kiosks in it at that moment get their versions then
(:mod:`.publish`, :mod:`.campaigns`); one that comes into it later (a store added to the
region, a store moved to another region, a kiosk put into the group or moved to a store
of it) gets it when it next asks for its settings: :func:`survey_now` takes the newest
publication and the newest running campaign that cover the kiosk *now* and keeps them
for its store (or, for a group, for the kiosk) under the store's next version number, as
a publish would have. Nothing else changes: the stores that had it keep their versions,
no publication is added, and asking again finds it kept (the same version). A survey set
directly for the store after the publication (``hymio hq set-survey --store``) stands.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hq.fleet.survey.publish import keep_published
from hq.fleet.survey.scopes import GROUP
from hq.fleet.surveys import issue_version, survey_for, survey_row
from hq.people.access import region_path
from hq.tables.models import DeviceGroup, Store
from hq.tables.surveys import SurveyCampaign, SurveyCampaignTarget, SurveyPublication


def covering(session: Session, store_id: str, device_id: str) -> list[str]:
    """The scopes that reach the kiosk *device_id* of *store_id* now: the chain (``""``),
    each region above its store, its store, each group it is in."""
    store = session.get(Store, store_id)
    regions = region_path(session, store.region_id) if store is not None else []
    groups = session.scalars(select(DeviceGroup.name).where(DeviceGroup.device_id == device_id))
    return [
        "", *(f"region:{r.id}" for r in regions), f"store:{store_id}",
        *(GROUP + name for name in groups),
    ]  # fmt: skip


def survey_now(session: Session, device, now: datetime) -> dict[str, Any]:
    """:func:`hq.fleet.surveys.survey_for` the kiosk *device* (its ``id`` and ``store_id``
    now) at *now*, after keeping for it what is published to its part of the chain; commits
    what it kept. Two kiosks of a new store asking at once: the second finds it kept."""
    for attempt in (1, 2):
        try:
            scopes = covering(session, device.store_id, device.id)
            _standing(session, device.store_id, device.id, scopes, now)
            find = partial(_campaign, scopes=scopes)
            body = survey_for(session, device, now, find_campaign=find)
            session.commit()
            return body
        except IntegrityError:
            session.rollback()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _standing(
    session: Session, store_id: str, device_id: str, scopes: list[str], now: datetime
) -> None:
    """Keep the newest publication covering the kiosk as its store's (a group's: its own)
    standing survey, unless that came from it already or was set directly after it."""
    newest = session.scalar(
        select(SurveyPublication)
        .where(SurveyPublication.scope.in_(scopes))
        .order_by(SurveyPublication.id.desc())
        .limit(1)
    )
    if newest is None:
        return
    own = survey_row(session, store_id, device_id)
    has_own = own is not None and own.version > 0
    target = device_id if newest.scope.startswith(GROUP) or has_own else ""
    row = own if target else survey_row(session, store_id, "")
    if row is not None and row.publication_id == newest.id:
        return
    if (
        row is not None
        and row.version > 0
        and row.publication_id is None
        and (row.body or {}).get("survey")
        and row.updated_at > newest.created_at
    ):
        return  # set directly for it after that publish: it stands
    keep_published(session, newest, store_id, target, now)


def _campaign(
    session: Session, store_id: str, device_id: str, today: date, scopes: list[str]
) -> tuple[int, dict[str, Any]] | None:
    """The version and ``[survey]`` table of the campaign running on the kiosk on the local
    day *today*: the newest covering it now (one on a group of it before the others); its
    version there is kept the first time it asks."""
    day = today.isoformat()
    running = session.scalars(
        select(SurveyCampaign)
        .where(
            SurveyCampaign.scope.in_(scopes),
            SurveyCampaign.cancelled_at.is_(None),
            SurveyCampaign.starts_on <= day,
            SurveyCampaign.ends_on >= day,
        )
        .order_by(SurveyCampaign.id.desc())
    ).all()
    if not running:
        return None
    campaign = sorted(running, key=lambda c: not c.scope.startswith(GROUP))[0]
    target = device_id if campaign.scope.startswith(GROUP) else ""
    found = session.get(SurveyCampaignTarget, (campaign.id, store_id, target))
    if found is None:
        version = issue_version(session, store_id, target)
        found = SurveyCampaignTarget(
            campaign_id=campaign.id, store_id=store_id, device_id=target, version=version
        )
        session.add(found)
        session.flush()
    return found.version, campaign.survey
