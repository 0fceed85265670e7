"""HQ's tables (SQLAlchemy 2 declarative). Alembic migrations in hq/tables/migrations create them.

Timestamps are stored as the kiosk's one text format (``kiosk.timekeeping.localtime.to_utc_text``:
UTC, microseconds, ``+00:00``), so they compare as text on SQLite and PostgreSQL alike and
a re-sent rating compares equal field by field.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import false

from hq.tables.base import Base
from kiosk.rating import LEGACY_DATABASE


class Region(Base):
    """A part of the chain: a region, or a region within one (``parent_id``); the chain
    itself is the tree's root and has no row."""

    __tablename__ = "regions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("regions.id"))
    created_at: Mapped[str] = mapped_column(String(40))


class Store(Base):
    """A shop of the chain, with the time zone its days and hours are counted in, and the
    region it belongs to (``None``: directly under the chain)."""

    __tablename__ = "stores"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[str] = mapped_column(String(40))
    region_id: Mapped[str | None] = mapped_column(ForeignKey("regions.id"), index=True)
    # when it was retired: kept and read-only, out of the ranking and the all-stores page
    retired_at: Mapped[str | None] = mapped_column(String(40))


class Device(Base):
    """A touchpoint of a store: a kiosk (its store, the SHA-256 of its token, what it
    last told HQ) or a web link (``kind`` ``web``, its ``code``; see
    :mod:`hq.fleet.touchpoints`)."""

    __tablename__ = "devices"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[str] = mapped_column(String(40))
    last_seen_at: Mapped[str | None] = mapped_column(String(40))
    # its last heartbeat; jsonb on PostgreSQL, so SQL reads its fields without parsing it
    last_status: Mapped[dict | None] = mapped_column(JSON().with_variant(JSONB(), "postgresql"))
    version: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200), server_default="")  # "": its id
    retired_at: Mapped[str | None] = mapped_column(String(40))  # its token no longer works
    # issue 32: a touchpoint is a kiosk or a web link (``/r/<code>``) of the store; a web
    # link's token_hash is of a token nobody was given, so no device token works for it
    kind: Mapped[str] = mapped_column(String(8), server_default="kiosk")
    stage: Mapped[str] = mapped_column(String(32), server_default="")  # journey stage, '' unset
    code: Mapped[str | None] = mapped_column(String(16), unique=True, index=True)  # web links only


class WebClient(Base):
    """One web answer's client, for a few minutes: a keyed hash of its address (never the
    address) and when it answered, so every HQ process counts a burst alike (issue 32)."""

    __tablename__ = "web_clients"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    client: Mapped[str] = mapped_column(String(64))
    at: Mapped[str] = mapped_column(String(40))

    __table_args__ = (Index("ix_web_clients_client_at", "client", "at"),)


class WebFollowup(Base):
    """That a web answer's second step (its reason, its words) was taken: once per rating,
    so a form sent twice changes nothing the second time (issue 32)."""

    __tablename__ = "web_followups"
    rating_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    answered_at: Mapped[str] = mapped_column(String(40))


class Rating(Base):
    """One press, as the kiosk sent it (SPEC §2), plus when HQ received it.

    ``seq`` counts within one kiosk database (``database_id``); ratings sent before kiosks
    named their databases are in the database ``legacy``.
    """

    __tablename__ = "ratings"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"))
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    database_id: Mapped[str] = mapped_column(String(64), server_default=LEGACY_DATABASE)
    seq: Mapped[int] = mapped_column(BigInteger)
    survey_id: Mapped[str] = mapped_column(String(64))
    question_id: Mapped[str] = mapped_column(String(64))
    config_version: Mapped[int] = mapped_column(Integer)
    scale: Mapped[str] = mapped_column(String(16))
    score: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(64))
    recorded_at: Mapped[str] = mapped_column(String(40))
    clock_synced: Mapped[bool] = mapped_column(Boolean)
    boot_id: Mapped[str] = mapped_column(String(64))
    mono_ns: Mapped[int] = mapped_column(BigInteger)
    flag: Mapped[str | None] = mapped_column(String(16))
    received_at: Mapped[str] = mapped_column(String(40))
    # HQ's own mark: the time is implausible (ahead of HQ's clock, or before Hymiö), so the
    # rating is kept but left out of the metrics like a flagged one.
    time_suspect: Mapped[bool] = mapped_column(Boolean, server_default=false())

    __table_args__ = (
        UniqueConstraint("device_id", "database_id", "seq", name="uq_ratings_device_db_seq"),
        Index("ix_ratings_store_recorded", "store_id", "recorded_at"),
    )


class DeviceDatabase(Base):
    """What a device last said about one of its databases (from its heartbeat): where its
    ``seq`` starts (1, or later for a fork of a rolled-back file), the last one it
    numbered, and how many ratings it still holds or has to send."""

    __tablename__ = "device_databases"
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    database_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    first_seq: Mapped[int] = mapped_column(BigInteger)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    pending: Mapped[int] = mapped_column(Integer)
    held: Mapped[int] = mapped_column(Integer)
    held_reason: Mapped[str | None] = mapped_column(String(500))
    oldest_pending_at: Mapped[str | None] = mapped_column(String(40))
    held_at: Mapped[list | None] = mapped_column(JSON)
    reported_at: Mapped[str] = mapped_column(String(40))


class DeviceReceived(Base):
    """What HQ has received of one kiosk database: how many ratings, the highest ``seq``
    and the newest ``recorded_at``; kept by the ingest transaction (:mod:`hq.ingest.received`)."""

    __tablename__ = "device_received"
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    database_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received: Mapped[int] = mapped_column(BigInteger)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    last_recorded_at: Mapped[str] = mapped_column(String(40))


class Survey(Base):
    """Survey settings for a whole store (``device_id`` empty) or for one device."""

    __tablename__ = "surveys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    device_id: Mapped[str] = mapped_column(String(64), default="")
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[str] = mapped_column(String(40))
    # The highest version given out here: the standing survey's, or a campaign's after it
    # (hq.fleet.survey.campaigns); the next publish takes the number after it.
    issued: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The publication (hq.tables.surveys.SurveyPublication) this row's survey came from;
    # None for one set directly (hymio hq set-survey --store). A kiosk asking later takes
    # the newest publication that covers it now (hq.fleet.survey.resolve).
    publication_id: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (UniqueConstraint("store_id", "device_id", name="uq_surveys_target"),)


class Meta(Base):
    """HQ-wide values shared by every API process (the session-signing secret)."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class EnrolCode(Base):
    """A code that lets kiosks enrol themselves in a store: its SHA-256 (never the code),
    how many uses it was made with and has left, until when it holds, who made it
    (``operator``, ``user:NAME`` or ``token:NAME``) and when it was revoked, if it was."""

    __tablename__ = "enrol_codes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    uses: Mapped[int] = mapped_column(Integer)
    uses_left: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[str] = mapped_column(String(40))
    expires_at: Mapped[str] = mapped_column(String(40))
    made_by: Mapped[str] = mapped_column(String(80), server_default="operator")
    revoked_at: Mapped[str | None] = mapped_column(String(40))

    __table_args__ = (UniqueConstraint("code_hash", name="uq_enrol_codes_hash"),)


class EnrolFailure(Base):
    """A failed enrolment (a wrong, used-up or expired code): what the enrol throttle counts
    per client address (shared by every HQ process)."""

    __tablename__ = "enrol_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[str] = mapped_column(String(40))

    __table_args__ = (Index("ix_enrol_failures_address_at", "address", "at"),)


class DeviceEnrolment(Base):
    """How and when a device joined the fleet: ``enrolled`` (with a code),
    ``add-device`` or ``add-devices`` (a list)."""

    __tablename__ = "device_enrolments"
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    added_how: Mapped[str] = mapped_column(String(16))
    enrolled_at: Mapped[str] = mapped_column(String(40))
    code_id: Mapped[int | None] = mapped_column(Integer)


class StaffPin(Base):
    """The staff PIN's scrypt hash set at HQ for a whole store (``device_id`` empty) or one
    device; kiosks take it with their survey settings."""

    __tablename__ = "staff_pins"
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    pin_hash: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[str] = mapped_column(String(40))


class Release(Base):
    """A release HQ holds (``hymio hq add-release``): its manifest, byte for byte as it was
    signed, and the signature; the files themselves lie in HQ's release folder by SHA-256."""

    __tablename__ = "releases"
    version: Mapped[str] = mapped_column(String(40), primary_key=True)
    manifest: Mapped[str] = mapped_column(Text)
    signature: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(BigInteger)
    added_at: Mapped[str] = mapped_column(String(40))


class Rollout(Base):
    """One step of a rollout: from now on the devices in ``scope`` (``all``, ``store``,
    ``device``, ``group`` or ``percent``, with ``target``) should run ``version``. The newest
    step that covers a device decides its release."""

    __tablename__ = "rollouts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version: Mapped[str] = mapped_column(ForeignKey("releases.version"))
    scope: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[str] = mapped_column(String(40))


class DeviceGroup(Base):
    """A device's membership of a named group (``hymio hq add-to-group``), for rollouts."""

    __tablename__ = "device_groups"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)


class HourCount(Base):
    """How many ratings a store has per local day and hour, device, survey, question and
    config version, scale, score, flag (``""``: counted) and reason; kept at ingest
    (:mod:`hq.tables.rollups`), read by the store pages."""

    __tablename__ = "rating_hours"
    store_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # local, ISO
    hour: Mapped[int] = mapped_column(Integer, primary_key=True)  # local, 0–23
    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    survey_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    question_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    config_version: Mapped[int] = mapped_column(Integer, primary_key=True)
    scale: Mapped[str] = mapped_column(String(16), primary_key=True)
    score: Mapped[int] = mapped_column(Integer, primary_key=True)
    flag: Mapped[str] = mapped_column(String(16), primary_key=True)
    reason: Mapped[str] = mapped_column(String(64), primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger)


class QuestionDay(Base):
    """The question versions a store asked on a local day: one row per store, day, scale,
    survey, question and config version with its counted ratings (``n`` > 0; flagged
    ones and times HQ marked are not counted, as in :class:`HourCount` with ``flag``
    ``""``); kept at ingest (:mod:`hq.tables.rollups`), read by the question check of the
    rankings and the store pages (:func:`hq.insight.splits.question_changes`)."""

    __tablename__ = "question_days"
    store_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # local, ISO
    scale: Mapped[str] = mapped_column(String(16), primary_key=True)
    survey_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    question_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    config_version: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger)


SCORES = range(11)  # every score of every scale (NPS 0–10; smileys and CES 1–7)
# "burst" (issue 32): a web answer from an address that answered more than a few times in
# a minute; kiosks never send it.
DAY_FLAGS = ("repeat", "lockout", "stuck", "closed", "time_suspect", "burst")


class DayCount(Base):
    """One row per store, local day and scale: its counted ratings by score (``s0`` …
    ``s10``) and the ones not counted by why (the four flags and ``time_suspect``); kept
    at ingest (:mod:`hq.tables.rollups`), read by the all-stores page, rankings, cards,
    daily API."""

    __tablename__ = "rating_days"
    store_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    scale: Mapped[str] = mapped_column(String(16), primary_key=True)
    s0: Mapped[int] = mapped_column(BigInteger, default=0)
    s1: Mapped[int] = mapped_column(BigInteger, default=0)
    s2: Mapped[int] = mapped_column(BigInteger, default=0)
    s3: Mapped[int] = mapped_column(BigInteger, default=0)
    s4: Mapped[int] = mapped_column(BigInteger, default=0)
    s5: Mapped[int] = mapped_column(BigInteger, default=0)
    s6: Mapped[int] = mapped_column(BigInteger, default=0)
    s7: Mapped[int] = mapped_column(BigInteger, default=0)
    s8: Mapped[int] = mapped_column(BigInteger, default=0)
    s9: Mapped[int] = mapped_column(BigInteger, default=0)
    s10: Mapped[int] = mapped_column(BigInteger, default=0)
    repeat: Mapped[int] = mapped_column(BigInteger, default=0)
    lockout: Mapped[int] = mapped_column(BigInteger, default=0)
    stuck: Mapped[int] = mapped_column(BigInteger, default=0)
    closed: Mapped[int] = mapped_column(BigInteger, default=0)
    time_suspect: Mapped[int] = mapped_column(BigInteger, default=0)
    burst: Mapped[int] = mapped_column(BigInteger, default=0)

    __table_args__ = (
        # the chain's days across every store (the all-stores page), read from the index
        # alone on PostgreSQL
        Index(
            "ix_rating_days_day", "day", "store_id",
            postgresql_include=["scale", *(f"s{i}" for i in SCORES), *DAY_FLAGS],
        ),
    )  # fmt: skip

    @staticmethod
    def columns() -> tuple[str, ...]:
        """The count columns, scores first, in the order :mod:`hq.tables.rollups` writes them."""
        return (*(f"s{i}" for i in SCORES), *DAY_FLAGS)


class WriteOff(Base):
    """A range of a kiosk database's ``seq`` that an admin wrote off as lost for good (a
    card that died), with the reason (issue 30): completeness counts it as lost, not as
    missing, so its days stop saying they may change. ``first_at``/``last_at``: the
    ``recorded_at`` of the ratings HQ has on either side (None: no rating there)."""

    __tablename__ = "write_offs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), index=True)
    database_id: Mapped[str] = mapped_column(String(64))
    first_seq: Mapped[int] = mapped_column(BigInteger)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(200))
    first_at: Mapped[str | None] = mapped_column(String(40))
    last_at: Mapped[str | None] = mapped_column(String(40))
    written_by: Mapped[str] = mapped_column(String(80))
    written_at: Mapped[str] = mapped_column(String(40))
