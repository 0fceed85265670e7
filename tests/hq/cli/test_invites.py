"""``hymio hq invite``, ``send-invite``, ``send-reset``, ``deactivate`` and ``reactivate``:
the same functions as the admin page, the mail through a real SMTP server on 127.0.0.1;
without an SMTP server or ``HYMIO_HQ_URL`` nothing changes."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from hq.people.auth import totp
from hq.server.app import create_app
from hq.tables.people import User
from hymio.cli import main
from tests.hq.conftest import csrf_of
from tests.hq.mailbox import Mailbox


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'hq.db'}"


def test_the_commands_invite_reset_and_deactivate(url, tmp_path, monkeypatch, capsys):
    invite = ["hq", "invite", "--database", url, "--username", "anna",
              "--email", "anna@hymio.test", "--role", "analyst", "--language", "sv"]  # fmt: skip
    monkeypatch.delenv("HYMIO_SMTP_HOST", raising=False)
    assert main(invite) == 1
    assert "HYMIO_SMTP_HOST" in capsys.readouterr().err
    with Mailbox(tmp_path) as box:
        monkeypatch.setenv("HYMIO_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("HYMIO_SMTP_PORT", str(box.port))
        monkeypatch.setenv("HYMIO_SMTP_SECURITY", "none")
        monkeypatch.delenv("HYMIO_HQ_URL", raising=False)
        assert main(invite) == 1 and "HYMIO_HQ_URL" in capsys.readouterr().err
        monkeypatch.setenv("HYMIO_HQ_URL", "https://hq.example.com/")
        assert main(invite) == 0
        assert main(invite) != 0  # the user is there already
        assert main(["hq", "send-reset", "--database", url, "--username", "anna"]) == 0
        assert main(["hq", "send-reset", "--database", url, "--username", "nobody"]) == 2
        messages = box.messages
    assert [m["Content-Language"] for m in messages] == ["sv", "sv"]
    links = [re.search(r"https://hq.example.com(/login/set-password\?token=\S+)",
                       m.get_content()).group(1) for m in messages]  # fmt: skip
    app = create_app(url)
    with TestClient(app) as client:
        assert client.get(links[0]).status_code == 400  # the reset killed the invite
        form = client.get(links[1])
        data = {"csrf": csrf_of(form.text), "token": links[1].split("token=")[1],
                "password": "a good new one", "again": "a good new one"}  # fmt: skip
        assert client.post("/login/set-password", data=data).status_code == 200
    assert main(["hq", "deactivate", "--database", url, "--username", "anna"]) == 0
    with app.state.sessions() as s:
        assert s.scalar(select(User.deactivated_at).where(User.username == "anna"))
    assert main(["hq", "reactivate", "--database", url, "--username", "anna"]) == 0
    with app.state.sessions() as s:
        assert s.scalar(select(User.deactivated_at).where(User.username == "anna")) == ""
    assert main(["hq", "require-totp", "--database", url, "--username", "anna"]) == 0
    with app.state.sessions() as s:
        assert totp.login_step(s, "anna") == "setup"
    assert main(["hq", "reset-totp", "--database", url, "--username", "anna"]) == 0
    assert main(["hq", "require-totp", "--database", url, "--username", "anna", "--off"]) == 0
    assert main(["hq", "require-totp", "--database", url, "--username", "nobody"]) == 2
    with app.state.sessions() as s:
        assert totp.login_step(s, "anna") is None
    assert main(["hq", "add-token", "--database", url, "--name", "people", "--role", "admin"]) == 0
    token = capsys.readouterr().out.split()[-1]
    with TestClient(app) as client:
        made = client.post(
            "/api/v1/users/anna/deactivate", headers={"Authorization": f"Bearer {token}"}
        )
        assert made.status_code == 200 and made.json()["active"] is False
    app.state.engine.dispose()
