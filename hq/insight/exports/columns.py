"""The columns of the ratings export, in order, each with its kind, shared by the CSV and
the workbook so they cannot drift apart.

Kinds: ``text`` (free or sent text: guarded against formulas in CSV), ``plain`` (text HQ
makes itself: times and offsets), ``number``, ``date``, ``datetime`` (the store's wall
clock, naive) and ``bool`` (yes/no in CSV, TRUE/FALSE in Excel).

Left out, as nobody outside HQ needs them: the kiosk database's id, ``seq``, the boot id,
``mono_ns`` and ``clock_synced`` (the gaps API and the fleet page speak of them).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """One column of the export: its header (the field of
    :class:`~hq.insight.exports.rows.ExportRow` of that name) and its kind."""

    name: str
    kind: str


COLUMNS: tuple[Column, ...] = (
    Column("rating_id", "text"),
    Column("store_id", "text"),
    Column("store_name", "text"),
    Column("local_date", "date"),
    Column("local_time", "datetime"),
    Column("utc_offset", "plain"),
    Column("utc_time", "plain"),
    Column("device_id", "text"),
    Column("survey_id", "text"),
    Column("question_id", "text"),
    Column("config_version", "number"),
    Column("scale", "text"),
    Column("score", "number"),
    Column("source", "text"),
    Column("reason", "text"),
    Column("reason_label", "text"),
    Column("flag", "text"),
    Column("time_suspect", "bool"),
    Column("counted", "bool"),
    Column("day_complete", "bool"),
    Column("day_incomplete_reason", "text"),
    Column("received_utc", "plain"),
    # a web answer's words, personal data removed (hq.words), and their topics (reason
    # keys joined by ";"); empty for a kiosk's rating, which has no words (issue 32)
    Column("comment", "text"),
    Column("comment_topics", "text"),
)
HEADER = tuple(c.name for c in COLUMNS)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(text: str | None) -> str:
    """*text* as a CSV cell no spreadsheet runs as a formula (``None`` is empty)."""
    if not text:
        return ""
    return "'" + text if text.startswith(FORMULA_START) else text
