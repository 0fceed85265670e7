"""The columns of the ratings export, in order, each with its kind, shared by the CSV and
the workbook so they cannot drift apart.

Kinds: ``text`` (free or sent text: guarded against formulas in CSV), ``plain`` (text HQ
makes itself: times and offsets), ``number``, ``date``, ``datetime`` (the store's wall
clock, naive) and ``bool`` (yes/no in CSV, TRUE/FALSE in Excel).

Left out, as nobody outside HQ needs them: the kiosk database's id, ``seq``, the boot id,
``mono_ns`` and ``clock_synced`` (the gaps API and the fleet page speak of them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hq.exports.rows import ExportRow


@dataclass(frozen=True)
class Column:
    """One column of the export: its header, its kind and how a row gives its value."""

    name: str
    kind: str
    value: Callable[[ExportRow], Any]


COLUMNS: tuple[Column, ...] = (
    Column("rating_id", "text", lambda r: r.rating_id),
    Column("store_id", "text", lambda r: r.store.id),
    Column("store_name", "text", lambda r: r.store.name),
    Column("local_date", "date", lambda r: r.local_date),
    Column("local_time", "datetime", lambda r: r.local_time),
    Column("utc_offset", "plain", lambda r: r.utc_offset),
    Column("utc_time", "plain", lambda r: r.utc_time),
    Column("device_id", "text", lambda r: r.device_id),
    Column("survey_id", "text", lambda r: r.survey_id),
    Column("question_id", "text", lambda r: r.question_id),
    Column("config_version", "number", lambda r: r.config_version),
    Column("scale", "text", lambda r: r.scale),
    Column("score", "number", lambda r: r.score),
    Column("source", "text", lambda r: r.source),
    Column("reason", "text", lambda r: r.reason),
    Column("reason_label", "text", lambda r: r.reason_label),
    Column("flag", "text", lambda r: r.flag),
    Column("time_suspect", "bool", lambda r: r.time_suspect),
    Column("counted", "bool", lambda r: r.counted),
    Column("day_complete", "bool", lambda r: r.incomplete is None),
    Column("day_incomplete_reason", "text", lambda r: r.incomplete),
    Column("received_utc", "plain", lambda r: r.received_utc),
)
HEADER = tuple(c.name for c in COLUMNS)
