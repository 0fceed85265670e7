"""The e-mail that carries a password link, in its reader's language, through
:mod:`hq.core.mail`.

The link points at ``HYMIO_HQ_URL`` (where people reach HQ; also in alert mail). When it
is not set, an admin's invite or reset points where the admin's own browser reached HQ,
but a forgotten-password mail is not sent at all (a stranger's request must not choose the
address that a link in HQ's mail points to); HQ logs a warning saying so.
"""

from __future__ import annotations

import logging
import os
from email.message import EmailMessage
from urllib.parse import quote

from hq.core.errors import HQError
from hq.core.language import N_, language
from hq.core.mail import MailSettings, send
from hq.people.auth.links import Letter
from kiosk.settings.survey import LANGUAGES
from kiosk.timekeeping.localtime import parse_utc_text

log = logging.getLogger(__name__)

SUBJECTS = {
    "invite": N_("You are invited to Hymiö HQ"),
    "reset": N_("Set a new password for Hymiö HQ"),
}
BODIES = {
    "invite": N_(
        "Hello {username},\n\nyou have been given an account on Hymiö HQ. Choose your"
        " password here (the link works once, until {expires} UTC):\n\n{link}\n\nYour"
        " username is {username}."
    ),
    "reset": N_(
        "Hello {username},\n\nsomeone asked to set a new password for your account on Hymiö"
        " HQ. If it was you, choose it here (the link works once, until {expires} UTC):"
        "\n\n{link}\n\nIf it was not you, ignore this message: your password stays as it is."
    ),
}
NO_MAIL = "HYMIO_SMTP_HOST is not set, so HQ sends no e-mail; set it (and HYMIO_SMTP_FROM)"


def hq_url() -> str:
    """``HYMIO_HQ_URL`` without its trailing slash ("" when not set)."""
    return os.environ.get("HYMIO_HQ_URL", "").strip().rstrip("/")


def link_of(base: str, token: str) -> str:
    """The page at *base* that sets a password with *token*."""
    return f"{base.rstrip('/')}/login/set-password?token={quote(token)}"


def message(letter: Letter, base: str, fallback: str = "en") -> EmailMessage:
    """The mail of *letter*, in its reader's language (else *fallback*)."""
    code = letter.language if letter.language in LANGUAGES else fallback
    words = language(code if code in LANGUAGES else "en")
    expires = parse_utc_text(letter.expires_at).strftime("%Y-%m-%d %H:%M")
    mail = EmailMessage()
    mail["To"] = letter.address
    mail["Subject"] = words.gettext(SUBJECTS[letter.purpose])
    body = words.translate(
        BODIES[letter.purpose],
        username=letter.username,
        expires=expires,
        link=link_of(base, letter.token),
    )
    mail.set_content(body + "\n")
    mail["Content-Language"] = words.code  # after set_content, which clears Content-*
    return mail


def deliver(settings: MailSettings | None, letter: Letter, base: str, fallback: str = "en") -> None:
    """Mail *letter* with the link at *base*; a :class:`hq.core.mail.MailError` (or an
    :class:`HQError` when HQ has no SMTP server or no address to link to)."""
    if settings is None:
        raise HQError(NO_MAIL)
    if not base:
        raise HQError("HYMIO_HQ_URL is not set, so a mailed link cannot say where HQ is")
    send(settings, message(letter, base, fallback))


def deliver_quietly(
    settings: MailSettings | None, letter: Letter | None, fallback: str = "en"
) -> None:
    """Mail a forgotten-password *letter* (to ``HYMIO_HQ_URL`` only) after the answer has
    gone; a failure is logged, never shown (the answer never depends on the account)."""
    if letter is None:
        return
    try:
        deliver(settings, letter, hq_url(), fallback)
    except HQError as e:
        log.warning("the reset link for %r was not mailed: %s", letter.username, e)
