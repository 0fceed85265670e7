"""hq.core.mail against a real SMTP server on 127.0.0.1: plain, STARTTLS and TLS with a
self-signed certificate trusted through ``ca_file``, a login, and every way it fails."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from hq.core.errors import HQError
from hq.core.mail import MailError, MailSettings, send
from tests.hq.conftest import free_port
from tests.hq.mailbox import PASSWORD, USER, Mailbox


def letter(to: str = "anna@example.com") -> EmailMessage:
    message = EmailMessage()
    message["To"], message["Subject"] = to, "Hymiö: testi ä"
    message.set_content("Hei!\n")
    return message


@pytest.mark.parametrize("security", ["none", "starttls", "tls"])
def test_a_message_reaches_the_server_with_each_kind_of_security(tmp_path, security):
    with Mailbox(tmp_path, security) as box:
        send(box.settings(), letter())
        (got,) = box.messages
    assert got["From"] == "hq@hymio.example"  # the sender, set where the message had none
    assert got["Subject"] == "Hymiö: testi ä" and got["X-Envelope-To"] == "anna@example.com"
    assert got.get_content() == "Hei!\n"


def test_a_login_over_starttls_gets_in_and_a_wrong_password_is_named(tmp_path):
    with Mailbox(tmp_path, "starttls", login=True) as box:
        send(box.settings(username=USER, password=PASSWORD), letter())
        with pytest.raises(MailError, match=rf"SMTP 127\.0\.0\.1:{box.port}: .*535"):
            send(box.settings(username=USER, password="wrong"), letter())  # noqa: S106
        with pytest.raises(MailError, match="530"):  # no login at all: the server says so
            send(box.settings(), letter())
        assert len(box.messages) == 1


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_a_certificate_nobody_trusts_is_refused_before_anything_is_sent(tmp_path, security):
    with Mailbox(tmp_path, security) as box:
        with pytest.raises(MailError, match="CERTIFICATE_VERIFY_FAILED"):
            send(box.settings(ca_file=""), letter())
        assert box.messages == []


def test_starttls_is_refused_by_a_server_that_cannot_and_nothing_goes_in_the_clear(tmp_path):
    with Mailbox(tmp_path, "none") as box:
        with pytest.raises(MailError, match="STARTTLS"):
            send(box.settings(security="starttls"), letter())
        assert box.messages == []


def test_a_server_that_is_down_or_refuses_the_recipient_is_a_mail_error(tmp_path):
    port = free_port()
    with pytest.raises(MailError, match=rf"SMTP 127\.0\.0\.1:{port}: .*refused"):
        send(MailSettings("127.0.0.1", port, "none", timeout=5), letter())
    with Mailbox(tmp_path) as box:
        box.handler.refuse.add("nobody@example.com")
        with pytest.raises(MailError, match="nobody@example.com"):
            send(box.settings(), letter("nobody@example.com"))
        assert box.messages == []


def test_the_settings_come_from_the_environment_and_bad_ones_are_named():
    assert MailSettings.from_env({}) is None  # no host: no e-mail
    found = MailSettings.from_env(
        {
            "HYMIO_SMTP_HOST": "smtp.example.com",
            "HYMIO_SMTP_SECURITY": "TLS",
            "HYMIO_SMTP_FROM": "hq@example.com",
            "HYMIO_SMTP_USER": "hq",
        }
    )
    assert (found.port, found.security, found.sender, found.username) == (
        465,
        "tls",
        "hq@example.com",
        "hq",
    )
    with pytest.raises(HQError, match="HYMIO_SMTP_PORT 'x'"):
        MailSettings.from_env({"HYMIO_SMTP_HOST": "h", "HYMIO_SMTP_PORT": "x"})
    with pytest.raises(HQError, match="HYMIO_SMTP_SECURITY 'ssl'"):
        MailSettings.from_env({"HYMIO_SMTP_HOST": "h", "HYMIO_SMTP_SECURITY": "ssl"})
