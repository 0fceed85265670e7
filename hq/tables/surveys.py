"""The tables of the survey editor (issue 29): what was published to which part of the
chain, and the campaigns that run another survey from one local day to another. The
standing survey of each store or device stays in :class:`hq.tables.models.Survey`; the
domain is :mod:`hq.fleet.survey`; migration ``0019_surveys`` makes them.

And what a web survey's shopper wrote beside a face (issue 32): :class:`Comment`, kept
only after :mod:`hq.words` removed the personal data; migration ``0024_comments`` makes it."""

from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hq.tables.base import Base


class SurveyPublication(Base):
    """One publish of a survey to a part of the chain (``""``, ``region:ID``,
    ``store:ID`` or ``group:NAME``): its ``[survey]`` table and the version each store
    or device got (``versions``: a list of ``{"store", "device", "version"}``)."""

    __tablename__ = "survey_publications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(80))
    survey: Mapped[dict] = mapped_column(JSON)
    versions: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[str] = mapped_column(String(40))
    created_by: Mapped[str] = mapped_column(String(80))


class SurveyCampaign(Base):
    """Another survey from ``starts_on`` to ``ends_on`` (local days of each store, both
    included) on a part of the chain; after it the standing survey returns by itself."""

    __tablename__ = "survey_campaigns"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(80))
    survey: Mapped[dict] = mapped_column(JSON)
    starts_on: Mapped[str] = mapped_column(String(10))
    ends_on: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[str] = mapped_column(String(40))
    created_by: Mapped[str] = mapped_column(String(80))
    cancelled_at: Mapped[str | None] = mapped_column(String(40))


class SurveyCampaignTarget(Base):
    """A store (``device_id`` empty) or device a campaign runs on, and the version number
    it was given there (from the same count as the store's or device's own versions)."""

    __tablename__ = "survey_campaign_targets"
    campaign_id: Mapped[int] = mapped_column(ForeignKey("survey_campaigns.id"), primary_key=True)
    store_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_survey_campaign_targets_store", "store_id"),)


class Comment(Base):
    """The words a web answer came with, one per rating at most: ``text`` is what was left
    after personal data was removed (the original is never stored), ``topics`` the reason
    keys the matcher found (or an analyst set), ``matched`` the words that matched each
    topic (``{key: [word, ...]}``), shown to the analyst beside it."""

    __tablename__ = "comments"
    rating_id: Mapped[str] = mapped_column(ForeignKey("ratings.id"), primary_key=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"))
    language: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(40))
    topics: Mapped[list] = mapped_column(JSON)
    matched: Mapped[dict] = mapped_column(JSON)
    # who last set the topics by hand, and when (None: as the matcher found them)
    topics_edited_by: Mapped[str | None] = mapped_column(String(80))
    topics_edited_at: Mapped[str | None] = mapped_column(String(40))

    __table_args__ = (
        Index("ix_comments_store_created", "store_id", "created_at"),
        Index("ix_comments_device_created", "device_id", "created_at"),
        Index("ix_comments_created", "created_at"),
    )
