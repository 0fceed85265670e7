"""The store's message to its shoppers ("you said, we did", issue 19): one short line per
language, published at HQ and pulled by sync with the survey settings, that the
thank-you screen shows under its text while the store is open.

Nothing here touches Kivy; the screen shows what :func:`message_now` answers.
"""

from __future__ import annotations

import logging
import unicodedata
from datetime import tzinfo
from typing import Any

from kiosk.settings.model import Hours
from kiosk.settings.survey import LANGUAGES
from kiosk.timekeeping.clock import Clock

log = logging.getLogger(__name__)

MESSAGE_LENGTH = 90  # characters; HQ keeps no longer (hq.tables.actions)
# A line break, a control character or a lone surrogate would break the one line.
_BREAKS_THE_LINE = {"Cc", "Zl", "Zp", "Cs"}


def clean_messages(value: Any) -> dict[str, str]:
    """The usable messages in HQ's ``message`` object: language (fi, sv, en) → one line
    of at most :data:`MESSAGE_LENGTH` characters. Anything else is left out, and said in
    the log: a message is never a reason to refuse the survey settings."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        log.warning("ignoring HQ's store message: not an object but %s", type(value).__name__)
        return {}
    kept = {}
    for language, text in value.items():
        if language in LANGUAGES and _one_line(text):
            kept[language] = text.strip()
        else:
            log.warning("ignoring HQ's store message in %r: not one line of text", language)
    return kept


def _one_line(text: Any) -> bool:
    if not isinstance(text, str) or not text.strip() or len(text.strip()) > MESSAGE_LENGTH:
        return False
    return not any(unicodedata.category(c) in _BREAKS_THE_LINE for c in text)


def message_now(
    messages: dict[str, str], language: str, hours: Hours, clock: Clock, zone: tzinfo
) -> str:
    """The line under the thank-you now: the message in *language* (none if that
    language has none), only while the store is open by *hours* in its *zone*. An
    unsynchronised clock may be anywhere in time, so then there is none: the message is
    never shown outside opening hours."""
    text = messages.get(language, "")
    if not text or not clock.synchronized():
        return ""
    return text if hours.is_open(clock.now().astimezone(zone)) else ""
