"""An alert as a person reads it, in their language (issue 30): its title translated from
what the rule found (``detail["says"]``, :func:`hq.alerts.kinds.says`) with numbers in the
language's own marks, its rule's kind by name, and its times in the store's time zone."""

from __future__ import annotations

import os

from hq.alerts.kinds import LABELS
from hq.core.language import Language
from kiosk.timekeeping.localtime import parse_utc_text, zone


def link(path: str) -> str:
    """*path* on HQ's dashboard, absolute when ``HYMIO_HQ_URL`` says where HQ is."""
    return os.environ.get("HYMIO_HQ_URL", "").rstrip("/") + path


def _shown(language: Language, value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return language.number(value, 1 if isinstance(value, float) else None)


def title_in(language: Language, title: str, detail: dict | None) -> str:
    """The title of an alert (English *title*, its *detail*) in *language*; the English
    one for an alert opened before titles were kept to translate."""
    said = (detail or {}).get("says")
    if not isinstance(said, dict) or not isinstance(said.get("values"), dict):
        return title
    values = {k: _shown(language, v) for k, v in said["values"].items()}
    try:
        return language.translate(str(said.get("text", "")), **values)
    except (KeyError, IndexError, ValueError):
        return title


def kind_in(language: Language, kind: str) -> str:
    """A rule's kind by its name in *language* (the kind itself if HQ has no such kind)."""
    return language.gettext(LABELS[kind]) if kind in LABELS else kind


def local_time(language: Language, text: str | None, timezone: str) -> str:
    """A UTC timestamp of HQ's as the store's local date and time: "pe 20.11.2026 12:00"."""
    if not text:
        return ""
    try:
        local = parse_utc_text(text).astimezone(zone(timezone))
    except (ValueError, KeyError):
        return text[:16].replace("T", " ") + " UTC"
    return f"{language.day(local.date())} {local:%H:%M}"
