"""``hymio hq …``: stores, devices and tokens, users, survey settings, from the command line."""

from __future__ import annotations

import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from hq.server.app import create_app
from hymio.cli import main


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'hq.db'}"


def hymio(*args: str) -> int:
    return main(list(args))


def test_add_store_and_device_print_a_token_that_works_once_rotated_away(url, capsys):
    assert (
        hymio(
            "hq",
            "add-store",
            "--database",
            url,
            "--id",
            "s1",
            "--name",
            "Kamppi",
            "--timezone",
            "Europe/Helsinki",
        )
        == 0
    )
    assert hymio("hq", "add-device", "--database", url, "--store", "s1", "--id", "k1") == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    client = TestClient(create_app(url))
    auth = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/heartbeat", json={}, headers=auth).status_code == 200
    assert hymio("hq", "rotate-token", "--database", url, "--id", "k1") == 0
    new = capsys.readouterr().out.strip().splitlines()[-1]
    assert new != token
    assert client.post("/api/v1/heartbeat", json={}, headers=auth).status_code == 401
    new_auth = {"Authorization": f"Bearer {new}"}
    assert client.post("/api/v1/heartbeat", json={}, headers=new_auth).status_code == 200


def test_mistakes_are_one_line_and_change_nothing(url, capsys):
    assert (
        hymio(
            "hq",
            "add-store",
            "--database",
            url,
            "--id",
            "s1",
            "--name",
            "A",
            "--timezone",
            "Mars/Base",
        )
        == 1
    )
    assert "Mars/Base" in capsys.readouterr().err
    assert hymio("hq", "add-device", "--database", url, "--store", "nowhere", "--id", "k1") == 1
    err = capsys.readouterr().err
    assert err.strip() == "hymio: no store 'nowhere'; add it first with hymio hq add-store"
    hymio("hq", "add-store", "--database", url, "--id", "s1", "--name", "A", "--timezone", "UTC")
    assert (
        hymio(
            "hq", "add-store", "--database", url, "--id", "s1", "--name", "B", "--timezone", "UTC"
        )
        == 1
    )
    assert "already exists" in capsys.readouterr().err


def test_add_user_takes_the_password_from_the_environment(url, monkeypatch, capsys):
    monkeypatch.setenv("HYMIO_HQ_PASSWORD", "short")
    assert hymio("hq", "add-user", "--database", url, "--username", "anna") == 1
    assert "too short" in capsys.readouterr().err
    monkeypatch.setenv("HYMIO_HQ_PASSWORD", "a long enough password")
    assert hymio("hq", "add-user", "--database", url, "--username", "anna") == 0


def test_set_survey_checks_the_file_with_the_kiosks_own_rules(url, tmp_path, capsys):
    hymio("hq", "add-store", "--database", url, "--id", "s1", "--name", "A", "--timezone", "UTC")
    bad = tmp_path / "bad.toml"
    bad.write_text('[survey]\nscale = "stars"\n')
    assert hymio("hq", "set-survey", "--database", url, "--store", "s1", "--file", str(bad)) == 2
    assert "survey.scale" in capsys.readouterr().err
    good = tmp_path / "good.toml"
    good.write_text('[survey]\nscale = "smiley5"\n[hours]\nsun = "closed"\n')
    assert hymio("hq", "set-survey", "--database", url, "--store", "s1", "--file", str(good)) == 0
    assert "version 1" in capsys.readouterr().out
    assert hymio("hq", "set-survey", "--database", url, "--store", "s1", "--file", str(good)) == 0
    assert "version 1" in capsys.readouterr().out  # the same survey again: no new version
    good.write_text('[survey]\nscale = "smiley3"\n')
    assert hymio("hq", "set-survey", "--database", url, "--store", "s1", "--file", str(good)) == 0
    assert "version 2" in capsys.readouterr().out


def test_hq_serve_answers_on_loopback_and_migrates_first(tmp_path):
    import socket
    import time

    import requests

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db = tmp_path / "served.db"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hymio",
            "hq",
            "serve",
            "--database",
            f"sqlite:///{db}",
            "--port",
            str(port),
        ]
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "hymio hq serve did not start"
                time.sleep(0.2)
        assert answer.json() == {"ok": True}
        assert db.exists()
    finally:
        proc.terminate()
        assert proc.wait(10) is not None
