"""``hymio enroll`` on the kiosk (issue 17), as a process against a real ``hymio hq serve``:
it writes ``[hq] url``, ``token`` and ``[device] id``, ``store_id`` into the installer's
settings file, keeping its comments, mode 0600; a wrong code, a taken id, an unreachable
HQ or a bad ``--hq`` leave the file exactly as it was and say why. The enrolment link of an
enrol code's QR code (issue 29) enrols as ``--hq`` and ``--code`` do; a malformed one is a
usage error that says what is wrong."""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from hq.fleet.enrolment import make_code
from hq.people.admin import add_device, add_store
from hq.tables.database import open_database
from kiosk.settings.enrol_link import enrol_link
from kiosk.settings.load import EXAMPLE, load_settings
from kiosk.settings.model import ID_PATTERN
from tests.hq.conftest import free_port
from tests.hq.served import hymio, served


@pytest.fixture(scope="module")
def hq(tmp_path_factory) -> Iterator[tuple[str, object]]:
    """HQ on SQLite with store s7 and a device ``taken``; its URL and session factory."""
    folder = tmp_path_factory.mktemp("hq")
    url = f"sqlite:///{folder / 'hq.db'}"
    engine, sessions = open_database(url)
    with sessions() as s:
        add_store(s, "s7", "Itis", "Europe/Helsinki", datetime.now(UTC))
        add_device(s, "s7", "taken", datetime.now(UTC))
    with served(url, folder / "hq.log") as base:
        yield base, sessions
    engine.dispose()


def code(sessions, uses: int = 1) -> str:
    with sessions() as s:
        return make_code(s, "s7", uses, 1, datetime.now(UTC))


@pytest.fixture
def settings_file(tmp_path) -> Path:
    """The settings file as deploy/install-pi.sh writes it: HQ's lines commented out."""
    text = EXAMPLE.read_text(encoding="utf-8")
    text = re.sub(r"^(url|token) = ", r"# \1 = ", text, flags=re.MULTILINE)
    text = text.replace('path = "/var/lib/hymio/ratings.db"', f'path = "{tmp_path / "r.db"}"')
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o644)
    return path


def comments(text: str) -> list[str]:
    return [line.split("#", 1)[1] for line in text.splitlines() if "#" in line]


def test_enroll_writes_the_token_store_and_id_keeping_the_comments(hq, settings_file):
    base, sessions = hq
    before = settings_file.read_text()
    done = hymio("enroll", "--config", str(settings_file), "--hq", base + "/",
                 "--code", code(sessions), "--device-id", "pi-7")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "device pi-7 in store s7" in done.stdout
    settings = load_settings(settings_file)
    assert (settings.hq.url, settings.device.id, settings.device.store_id) == (base, "pi-7", "s7")
    assert settings.hq.token not in done.stdout + done.stderr
    assert os.stat(settings_file).st_mode & 0o777 == 0o600
    after = settings_file.read_text()
    assert set(comments(before)) <= set(comments(after))  # every comment is still there
    assert after.count("\n") == before.count("\n") + 2  # url and token lines, nothing else
    auth = {"Authorization": f"Bearer {settings.hq.token}"}
    answer = requests.get(f"{base}/api/v1/config", headers=auth, timeout=10)
    assert answer.status_code == 200


def test_the_id_in_the_settings_file_is_kept(hq, settings_file):
    base, sessions = hq
    text = settings_file.read_text().replace('id = "kiosk-1"', 'id = "till-12"', 1)
    settings_file.write_text(text)
    done = hymio("enroll", "--config", str(settings_file), "--hq", base, "--code", code(sessions))
    assert done.returncode == 0, done.stderr
    assert "enrolled as device till-12 in store s7" in done.stdout
    assert load_settings(settings_file).device.id == "till-12"


def test_the_device_id_is_the_host_name_when_the_file_has_none(hq, settings_file):
    base, sessions = hq
    text = settings_file.read_text()
    settings_file.write_text(re.sub(r'^id = "kiosk-1".*\n', "", text, count=1, flags=re.M))
    assert "kiosk-1" not in settings_file.read_text()
    done = hymio("enroll", "--config", str(settings_file), "--hq", base, "--code", code(sessions))
    host = socket.gethostname()
    if re.match(ID_PATTERN, host):
        assert done.returncode == 0, done.stderr
        assert load_settings(settings_file).device.id == host
        assert "(the id: the host name)" in done.stdout
    else:
        assert done.returncode == 2 and "give --device-id" in done.stderr


@pytest.mark.parametrize(
    ("how", "exit", "says"),
    [
        ("wrong code", 1, "no such enrol code"),
        ("taken id", 1, "'taken' is taken"),
        ("HQ away", 1, "cannot reach HQ"),
        ("bad --hq", 2, "is not a web address"),
        ("bad --device-id", 2, "is not a usable device id"),
    ],
)
def test_a_refused_enrolment_changes_nothing_and_says_why(hq, settings_file, how, exit, says):
    base, sessions = hq
    good = code(sessions)
    args = {"--hq": base, "--code": good, "--device-id": "pi-9"}
    args.update(
        {
            "wrong code": {"--code": "ZZZZ-ZZZZ-ZZZZ"},
            "taken id": {"--device-id": "taken"},
            "HQ away": {"--hq": f"http://127.0.0.1:{free_port()}"},
            "bad --hq": {"--hq": "ftp://hq.example.com"},
            "bad --device-id": {"--device-id": "-no good-"},
        }[how]
    )
    before = settings_file.read_bytes()
    done = hymio("enroll", "--config", str(settings_file), *[x for kv in args.items() for x in kv])
    assert done.returncode == exit, done.stdout + done.stderr
    assert says in done.stderr and "Traceback" not in done.stderr
    assert settings_file.read_bytes() == before
    assert os.stat(settings_file).st_mode & 0o777 == 0o644
    assert list(settings_file.parent.glob(".kiosk.toml*")) == []
    if how != "wrong code":  # the code was not used up by the refusal
        again = hymio("enroll", "--config", str(settings_file), "--hq", base,
                      "--code", good, "--device-id", f"pi-{exit}-{len(how)}")  # fmt: skip
        assert again.returncode == 0, again.stderr


def test_enroll_takes_the_enrolment_link_of_the_qr_code(hq, settings_file):
    base, sessions = hq
    link = enrol_link(base, code(sessions))
    done = hymio("enroll", "--config", str(settings_file), link, "--device-id", "pi-qr")
    assert done.returncode == 0, done.stderr
    settings = load_settings(settings_file)
    assert (settings.hq.url, settings.device.id, settings.device.store_id) == (base, "pi-qr", "s7")
    again = hymio("enroll", "--config", str(settings_file), link, "--device-id", "pi-qr2")
    assert again.returncode == 1 and "used by all 1 kiosks" in again.stderr


@pytest.mark.parametrize(
    ("link", "says"),
    [
        ("https://hq.example/enrol?code=X", "must start with hymio-enrol:"),
        ("hymio-enrol:?hq=https%3A%2F%2Fhq.example", "needs one code="),
        ("hymio-enrol:?code=ABCD-EFGH-JKLM", "needs one hq="),
        ("hymio-enrol:?hq=ftp%3A%2F%2Fx&code=ABCD", "is not an http(s) address"),
        ("hymio-enrol:?hq=https%3A%2F%2Fx&code=AB%3Cb%3E", "is not an enrol code"),
        ("hymio-enrol:?hq=https%3A%2F%2Fx&code=A&code=B", "needs one code="),
        ("hymio-enrol:?hq=https%3A%2F%2Fx&code=A&token=B", "holds only hq and code"),
        ("hymio-enrol://x/?hq=https%3A%2F%2Fx&code=A", "and nothing else"),
        ("hymio-enrol:?hq=https%3A%2F%2Fx&code=A --hq", "not both"),
    ],
)
def test_a_malformed_link_is_refused_saying_what_is_wrong(hq, settings_file, link, says):
    before = settings_file.read_bytes()
    args = [link]
    if link.endswith(" --hq"):
        args = [link.removesuffix(" --hq"), "--hq", "https://x"]
    done = hymio("enroll", "--config", str(settings_file), *args, "--device-id", "pi-bad")
    assert done.returncode == 2, done.stdout + done.stderr
    assert says in done.stderr and "nothing changed" in done.stderr
    assert "Traceback" not in done.stderr
    assert settings_file.read_bytes() == before


def test_neither_a_link_nor_hq_and_code_is_a_usage_error(settings_file):
    done = hymio("enroll", "--config", str(settings_file), "--code", "ABCD-EFGH-JKLM")
    assert done.returncode == 2 and "or both --hq URL and --code CODE" in done.stderr
