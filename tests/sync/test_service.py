"""The sync daemon's scheduling: wall-clock jumps a year forward and two hours back while it
runs, SIGTERM, the heartbeat and the settings pull."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta

import apscheduler.executors.base
import apscheduler.schedulers.base
import pytest

import sync.service
from kiosk.settings.load import load_settings
from kiosk.settings.overlay import apply_overlay, overlay_path
from kiosk.store.ledger import Ledger
from sync.cli import ONCE_ATTEMPTS
from sync.client import HQClient
from sync.config_pull import pull_config
from sync.heartbeat import device_status, send_heartbeat
from sync.scheduler import ClockJumpWatch
from sync.service import SyncService
from tests.hq.conftest import free_port
from tests.sync.conftest import press, sync_once, write_settings


class WallClock:
    """The machine's wall clock as APScheduler and sync see it, which the test can jump."""

    def __init__(self) -> None:
        self.offset = 0.0
        clock = self

        class Shifted(datetime):
            @classmethod
            def now(cls, tz=None):
                return datetime.now(tz) + timedelta(seconds=clock.offset)

        self.datetime = Shifted

    def time(self) -> float:
        return time.time() + self.offset


@pytest.fixture
def wall(monkeypatch) -> WallClock:
    wall = WallClock()
    for module in (apscheduler.schedulers.base, apscheduler.executors.base, sync.service):
        monkeypatch.setattr(module, "datetime", wall.datetime)
    return wall


def test_clock_jumps_cause_no_hang_no_burst_and_a_prompt_upload(live, kiosk, tmp_path, wall):
    hq, url = live
    settings = load_settings(write_settings(tmp_path, url, hq.token, kiosk.path))
    client = HQClient(url, hq.token)
    runs: list[float] = []
    service = SyncService(
        settings, kiosk, client, upload_interval=2.0, heartbeat_interval=60,
        config_interval=60, watch=None,
    )  # fmt: skip
    service.watch = ClockJumpWatch(service.on_clock_jump, every=0.2, wall=wall.time)
    upload = service.upload
    service.scheduler.modify_job("upload", func=lambda: (runs.append(time.monotonic()), upload()))
    service.start()
    try:
        time.sleep(3.2)  # runs at ~1 s and ~3 s
        assert 1 <= len(runs) <= 2
        for jump in (365 * 86400.0, -2 * 3600.0):  # NTP sets a stale clock; then back
            press(kiosk, 3)
            before = len(runs)
            wall.offset += jump
            jumped = time.monotonic()
            time.sleep(4.5)
            after = [t - jumped for t in runs[before:]]
            assert after, f"no upload within 4.5 s after a jump of {jump:+.0f} s"
            assert after[0] <= 2.0 + 0.5  # within one interval (and the watch's tick)
            assert len(after) <= 3  # no burst of missed runs
            assert kiosk.pending_count() == 0
    finally:
        service.shutdown()
    assert hq.count() == 6


def test_sigterm_stops_the_daemon_within_a_second(live, kiosk, tmp_path):
    hq, url = live
    press(kiosk, 1500)
    settings = write_settings(tmp_path, url, hq.token, kiosk.path, interval=5.0)
    proc = subprocess.Popen(
        [sys.executable, "-m", "hymio", "sync", "--config", str(settings)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert "sync running" in proc.stdout.readline()
        deadline = time.monotonic() + 20
        while kiosk.pending_count() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert kiosk.pending_count() == 0  # the first upload comes a second after the start
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=5)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0 and took < 1.5, (took, proc.stderr.read())
    assert hq.count() == 1500


def test_the_heartbeat_tells_hq_the_device_status(live, kiosk, tmp_path):
    hq, url = live
    press(kiosk, 5)
    uptime, temp = tmp_path / "uptime", tmp_path / "temp"
    uptime.write_text("1234.5 999.0\n")
    temp.write_text("48312\n")
    ledger = Ledger(kiosk)
    status = device_status(ledger, uptime=uptime, cpu_temperature=temp)
    assert status["pending"] == 5 and status["last_seq"] == 5
    assert status["uptime"] == 1234.5 and status["cpu_temperature"] == 48.312
    assert status["disk_free"] > 0 and status["clock_synced"] is True
    assert send_heartbeat(ledger, HQClient(url, hq.token), uptime=uptime, cpu_temperature=temp)
    from hq.tables.models import Device

    with hq.sessions() as s:
        device = s.get(Device, "k1")
        kept = device.last_status
    assert kept["pending"] == 5 and kept["cpu_temperature"] == 48.312
    # HQ's clock is NOON; the kiosk's is a day earlier: the offset is noted for doctor.
    offset = float(ledger.state()["hq_clock_offset"])
    assert abs(offset - (hq.clock.now - kiosk.clock.now()).total_seconds()) < 1


def test_the_settings_pull_writes_hq_survey_for_the_kiosk(live, kiosk, tmp_path):
    hq, url = live
    from hq.fleet.surveys import set_survey

    settings = load_settings(write_settings(tmp_path, url, hq.token, kiosk.path))
    ledger, client = Ledger(kiosk), HQClient(url, hq.token)
    assert pull_config(settings, ledger, client) == "none"
    assert not overlay_path(settings).exists()
    tables = {
        "survey": {"scale": "smiley5", "question": {"fi": "Miten onnistuimme?",
                   "sv": "Hur lyckades vi?", "en": "How did we do?"}},
        "hours": {"sun": "closed"},
    }  # fmt: skip
    with hq.sessions() as s:
        set_survey(s, "s1", "", tables, hq.clock.now)
    assert pull_config(settings, ledger, client) == "updated"
    used = apply_overlay(settings)
    assert used.survey.scale == "smiley5" and used.survey.version == 1
    assert used.survey.question.en == "How did we do?" and used.hours.sun == ()
    assert pull_config(settings, ledger, client) == "unchanged"  # 304 on the ETag
    # Settings this kiosk would refuse are not written; the last good ones stay.
    with hq.sessions() as s:
        set_survey(s, "s1", "k1", {"survey": {"scale": "nps"}, "hours": {}}, hq.clock.now)
    path = tmp_path / "kiosk.toml"
    path.write_text(path.read_text() + "\n[buttons]\nface_buttons = [5, 6, 13, 19]\n")
    broken = load_settings(path)
    assert pull_config(broken, ledger, client) == "refused"
    assert "do not fit" in ledger.state()["last_error"]
    assert apply_overlay(broken).survey.scale == "smiley4"  # local file + nothing that fails
    assert json.loads(overlay_path(settings).read_text())["version"] == 1


def test_once_json_reports_and_exits_0_when_all_is_sent(live, kiosk, tmp_path):
    hq, url = live
    press(kiosk, 30)
    settings = write_settings(tmp_path, url, hq.token, kiosk.path)
    run = sync_once(settings, "--json")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["pending"] == 0 and report["sent"] == 30 and report["last_error"] is None
    assert report["last_success"] and report["outcome"] == "ok"


def test_an_unreachable_hq_is_one_line_a_round_without_urllib3s_retries(kiosk, tmp_path):
    press(kiosk, 2)
    away = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    settings = write_settings(tmp_path, away, "t" * 43, kiosk.path, backoff_cap=10)
    run = sync_once(settings)
    assert run.returncode == 3 and "HQ could not be reached" in run.stdout
    lines = run.stderr.splitlines()
    assert "Retry(" not in run.stderr, run.stderr
    assert len(lines) == ONCE_ATTEMPTS - 1, run.stderr  # one a round; the last is stdout's
    assert all(line.startswith("hymio: WARNING: upload failed (HQ could not") for line in lines)


def test_a_wrong_token_exits_3_and_missing_hq_settings_exit_2(live, kiosk, tmp_path):
    _hq, url = live
    press(kiosk, 3)
    settings = write_settings(tmp_path, url, "wrong-token", kiosk.path)
    run = sync_once(settings)
    assert run.returncode == 3 and "[hq] token" in run.stdout
    settings.write_text(f'[device]\nid = "k1"\nstore_id = "s1"\n[storage]\npath = "{kiosk.path}"\n')
    run = sync_once(settings)
    assert run.returncode == 2
    assert "hq.url" in run.stderr and "hq.token" in run.stderr and str(settings) in run.stderr


def test_doctor_checks_hq_and_sync(live, kiosk, tmp_path):
    hq, url = live
    press(kiosk, 4)
    good = write_settings(tmp_path, url, hq.token, kiosk.path)
    command = [sys.executable, "-m", "hymio", "doctor", "--config", str(good), "--simulate"]
    run = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert "reachable, token accepted" in run.stdout and "4 pending" in run.stdout
    assert "ahead of HQ" in run.stdout  # HQ's test clock says 2026-11-20; this one is later
    (tmp_path / "bad").mkdir()
    bad = write_settings(tmp_path / "bad", url, "wrong-token", kiosk.path)
    run = subprocess.run([*command[:5], str(bad), "--simulate"], capture_output=True, text=True)
    assert (
        run.returncode == 1
        and "refused the token" in run.stdout
        and "→ copy the token" in run.stdout
    )
