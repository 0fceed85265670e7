"""Sending e-mail from HQ (alerts, digests, scheduled reports) over SMTP.

The server is set by the environment of ``hymio hq worker`` (or its options):

- ``HYMIO_SMTP_HOST`` (no host: HQ sends no e-mail, and says so), ``HYMIO_SMTP_PORT``;
- ``HYMIO_SMTP_SECURITY``: ``starttls`` (the default: plain connection upgraded, refused
  if the server cannot), ``tls`` (TLS from the first byte, usually port 465) or ``none``
  (only for a relay on the same machine);
- ``HYMIO_SMTP_USER`` and ``HYMIO_SMTP_PASSWORD`` if the server wants a login;
- ``HYMIO_SMTP_FROM``: the sender address; ``HYMIO_SMTP_CA``: a CA file to trust instead of
  the system's (a company's own CA).

The server's certificate is always checked, host name included.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage

from hq.core.errors import HQError

SECURITY = ("starttls", "tls", "none")
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}


class MailError(HQError):
    """The message could not be handed to the SMTP server; the text says why."""


@dataclass(frozen=True)
class MailSettings:
    """Where and how HQ hands its e-mail over."""

    host: str
    port: int
    security: str = "starttls"
    username: str = ""
    password: str = ""
    sender: str = "hymio@localhost"
    ca_file: str = ""
    timeout: float = 30.0

    def __post_init__(self) -> None:
        if self.security not in SECURITY:
            raise HQError(
                f"HYMIO_SMTP_SECURITY {self.security!r} is not one of {', '.join(SECURITY)}"
            )
        if not 0 < self.port < 65536:
            raise HQError(f"HYMIO_SMTP_PORT {self.port} is not a port (1–65535)")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> MailSettings | None:
        """The settings in *env* (default ``os.environ``); ``None`` without a host."""
        env = os.environ if env is None else env
        host = env.get("HYMIO_SMTP_HOST", "").strip()
        if not host:
            return None
        security = env.get("HYMIO_SMTP_SECURITY", "starttls").strip().lower()
        port_text = env.get("HYMIO_SMTP_PORT", "").strip()
        try:
            port = int(port_text) if port_text else DEFAULT_PORTS.get(security, 587)
        except ValueError:
            raise HQError(f"HYMIO_SMTP_PORT {port_text!r} is not a number") from None
        return cls(
            host=host,
            port=port,
            security=security,
            username=env.get("HYMIO_SMTP_USER", ""),
            password=env.get("HYMIO_SMTP_PASSWORD", ""),
            sender=env.get("HYMIO_SMTP_FROM", "") or "hymio@localhost",
            ca_file=env.get("HYMIO_SMTP_CA", ""),
        )

    def context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_file or None)


def send(settings: MailSettings, message: EmailMessage) -> None:
    """Hand *message* to the server (its ``From`` set to the sender if missing); a
    :class:`MailError` naming the cause if the server cannot be reached or refuses it."""
    if "From" not in message:
        message["From"] = settings.sender
    try:
        if settings.security == "tls":
            smtp = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout, context=settings.context()
            )
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        with smtp:
            if settings.security == "starttls":
                smtp.starttls(context=settings.context())
            if settings.username:
                smtp.login(settings.username, settings.password)
            refused = smtp.send_message(message)
    except (OSError, smtplib.SMTPException, ssl.SSLError) as e:
        raise MailError(f"SMTP {settings.host}:{settings.port}: {e}") from None
    if refused:
        raise MailError(f"SMTP {settings.host}:{settings.port} refused {sorted(refused)}")
