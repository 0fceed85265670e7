"""A real SMTP server (aiosmtpd) and a webhook receiver on 127.0.0.1 for the alert and
report tests, and a worker of HQ's on a test HQ's database and clock."""

from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from aiosmtpd.controller import Controller

from hq.alerts.targets import ALLOW_VAR
from hq.core.mail import MailSettings
from hq.server.worker import Worker

SECRET = "a-webhook-secret-of-some-length"  # noqa: S105 (a test's)


class Inbox:
    """aiosmtpd's handler: every message it is given, parsed."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


@pytest.fixture
def smtp():
    """An SMTP server on 127.0.0.1; yields (its inbox, the settings to reach it)."""
    from tests.hq.conftest import free_port

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield (
            inbox,
            MailSettings(
                host="127.0.0.1", port=controller.port, security="none", sender="hq@hymio.test"
            ),
        )
    finally:
        controller.stop()


@dataclass
class Receiver:
    """A webhook receiver: what it was sent, and how many requests to refuse first."""

    url: str
    fail_first: int = 0
    got: list[dict] = field(default_factory=list)  # every request, refused ones too
    lock: threading.Lock = field(default_factory=threading.Lock)

    def accepted(self) -> list[dict]:
        return [g for g in self.got if g["status"] == 200]


def verified(request: dict, secret: str = SECRET) -> bool:
    """Whether the request's X-Hymio-Signature is the HMAC of its timestamp and body."""
    stamp = request["headers"].get("X-Hymio-Timestamp", "")
    mac = hmac.new(secret.encode(), stamp.encode() + b"." + request["body"], hashlib.sha256)
    sent = request["headers"].get("X-Hymio-Signature", "")
    return hmac.compare_digest("sha256=" + mac.hexdigest(), sent)


@pytest.fixture
def webhook(monkeypatch):
    """A webhook receiver on 127.0.0.1 (set ``fail_first`` to refuse requests with 500),
    which HQ may post to: the test allows loopback (``HYMIO_WEBHOOK_ALLOW_NETWORKS``)."""
    from tests.hq.conftest import free_port

    monkeypatch.setenv(ALLOW_VAR, "127.0.0.0/8")
    port = free_port()
    receiver = Receiver(f"http://127.0.0.1:{port}/hook")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with receiver.lock:
                refuse = receiver.fail_first > 0
                receiver.fail_first -= 1 if refuse else 0
                status = 500 if refuse else 200
                receiver.got.append({"headers": dict(self.headers), "body": body,
                                     "json": json.loads(body), "status": status})  # fmt: skip
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


def worker_of(hq, mail: MailSettings | None) -> Worker:
    """A worker on *hq*'s database, at *hq*'s clock, with its write lock."""
    http = requests.Session()
    http.trust_env = False  # straight to 127.0.0.1, whatever proxy the machine has
    return Worker(hq.sessions, mail, clock=hq.clock, lock=hq.app.state.write_lock, http=http)
