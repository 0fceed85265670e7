"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps every message it takes, plain,
with STARTTLS or TLS from the first byte, with a self-signed certificate made here."""

from __future__ import annotations

import datetime as dt
import email
import ipaddress
import ssl
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from hq.core.mail import MailSettings
from tests.hq.conftest import free_port

USER, PASSWORD = "hq", "mail secret"


def certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost, and its key, in *folder*."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "smtp.crt", folder / "smtp.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@dataclass
class Handler:
    """Keeps each message; refuses the recipients in ``refuse`` (550)."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        # as sent over SMTP (CRLF), read back with the line ends Python writes
        message = email.message_from_bytes(envelope.content.replace(b"\r\n", b"\n"), policy=default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        with self.lock:
            self.messages.append(message)
        return "250 taken"


def _login(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535


class Mailbox:
    """An SMTP server on 127.0.0.1: ``security`` ``none``, ``starttls`` or ``tls`` (with
    the certificate of *folder*); ``login=True`` wants :data:`USER` and :data:`PASSWORD`."""

    def __init__(self, folder: Path, security: str = "none", login: bool = False):
        self.security, self.handler, self.port = security, Handler(), free_port()
        self.ca_file = ""
        kwargs: dict = {}
        if security != "none":
            cert, key = certificate(folder)
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(cert, key)
            self.ca_file = str(cert)
            if security == "tls":
                kwargs["ssl_context"] = context
            else:
                kwargs.update(tls_context=context, require_starttls=True)
        if login:
            kwargs.update(authenticator=_login, auth_required=True)
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **kwargs)

    @property
    def messages(self) -> list[EmailMessage]:
        return list(self.handler.messages)

    def settings(self, **over) -> MailSettings:
        """Settings that reach this server (and trust its certificate)."""
        base = {"host": "127.0.0.1", "port": self.port, "security": self.security,
                "sender": "hq@hymio.example", "ca_file": self.ca_file, "timeout": 10.0}  # fmt: skip
        return MailSettings(**{**base, **over})

    def __enter__(self) -> Mailbox:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()
