"""The whole chain from the browser (issue 29's "Done when"), in Debian's Chromium at
1366 px, as an admin with no shell, against HQ on 127.0.0.1 (real HTTP, the real clock):

a region; a store in it with opening hours and a holiday; an enrolment code, whose QR
payload (the printout's ``hymio-enrol:`` link) ``hymio enroll`` takes; the real kiosk
(``App.run()`` in a process of its own, offscreen) rates and ``hymio sync --once``
uploads; a new survey published with a follow-up prompt, reasons and a thank-you in fi,
sv and en, and a campaign question for next week; the real ``hymio sync`` pulls the
settings and the kiosk shows the new prompt to its next shopper (its screenshot checked:
the title's pixels changed, the pictogram's ink is there); a Swedish e-mail channel and a
rule made in the browser, the channel tested and the rule fired at a real SMTP server
(aiosmtpd). The main pages are shot at 1366 and 390 px: artifacts/e2e-*.png."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import types
from datetime import UTC, datetime

import pytest
import segno
from sqlalchemy import func, select

from hq.people.admin import add_user
from hq.server.app import create_app
from hq.tables.chain import HoursException
from hq.tables.models import Device, Rating, Store
from hq.tables.surveys import SurveyCampaign
from kiosk.settings.load import load_settings
from kiosk.settings.overlay import overlay_path
from tests.e2e import chain_flow as flow
from tests.e2e.chain_flow import GIFTS, PROMPT, THANKS, Kiosk, band, ink
from tests.hq.alert_fixtures import worker_of
from tests.hq.conftest import PASSWORD, LiveServer
from tests.hq.dashboard.test_alert_setup import mail_env
from tests.hq.dashboard.test_dashboard import ARTIFACTS, _log_in, browser  # noqa: F401
from tests.hq.fleet.qr_reading import svg_matrix
from tests.hq.served import hymio
from tests.sync.conftest import sync_once

STORE = "itis"


def _submit(page, form: str) -> None:
    with page.expect_navigation():
        page.locator(f"{form} button[type=submit]").first.click()


def shoot(page, name: str) -> None:
    """The page at 1366 px and at 390 px (a phone), then back to 1366."""
    page.screenshot(path=ARTIFACTS / f"e2e-{name}-1366.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=ARTIFACTS / f"e2e-{name}-390.png", full_page=True)
    wide = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size({"width": 1366, "height": 900})
    assert wide <= 400, f"{name} is {wide} px wide on a phone"


def make_the_store(page, url: str) -> None:
    page.goto(f"{url}/admin")
    page.fill("#add-region input[name=id]", "south")
    page.fill("#add-region input[name=name]", "Etelä")
    _submit(page, "#add-region")
    page.goto(f"{url}/chain/stores")
    page.fill("#add-store input[name=id]", STORE)
    page.fill("#add-store input[name=name]", "Itis")
    page.select_option("#add-store select[name=region]", "south")
    _submit(page, "#add-store")
    assert page.url.endswith(f"/chain/stores/{STORE}")
    for day, hours in flow.opening_hours().items():
        page.fill(f"#store-hours input[name={day}]", hours)
    _submit(page, "#store-hours")
    page.fill("#add-exception input[name=day]", flow.holiday().isoformat())
    page.fill("#add-exception input[name=hours]", "closed")
    page.fill("#add-exception input[name=note]", "Itsenäisyyspäivä")
    _submit(page, "#add-exception")
    assert page.locator(f"#store-exceptions tr[data-day='{flow.holiday()}']").count() == 1
    shoot(page, "store")


def make_a_code(page, url: str) -> str:
    page.goto(f"{url}/enrolment-codes")
    page.select_option("#make-code select[name=store]", STORE)
    page.fill("#make-code input[name=uses]", "1")
    page.fill("#make-code input[name=days]", "7")
    page.select_option("#make-code select[name=print_language]", "fi")
    page.click("#make-code button[type=submit]")
    page.wait_for_selector("#sheet")
    link = page.get_attribute("#sheet", "data-link")
    assert link.startswith("hymio-enrol:?hq=") and "&code=" in link
    qr = segno.make_qr(link, error="m", boost_error=False)  # the QR code holds the link
    assert svg_matrix(page.inner_html(".enrol-qr")) == [list(map(bool, r)) for r in qr.matrix]
    assert "Itis" in page.inner_text("#store")
    shoot(page, "enrol-print")
    return link


def publish_the_survey(page, url: str) -> None:
    page.goto(f"{url}/surveys")
    form = page.locator("#survey")
    for lang in PROMPT:
        form.locator(f"input[name=prompt_{lang}]").fill(PROMPT[lang])
        form.locator(f"input[name=thanks_{lang}]").fill(THANKS[lang])
        form.locator(f"input[name=reason_{lang}_2]").fill(GIFTS[lang])
    form.locator("input[name=reason_key_2]").fill("gifts")
    form.locator("select[name=reason_pictogram_2]").select_option("cart")
    form.locator("select[name=reason_pictogram_0]").select_option("queue")
    for i in range(3, 6):
        form.locator(f"input[name=reason_key_{i}]").fill("")  # three reasons only
    form.locator("select[name=scope]").select_option(f"store:{STORE}")
    page.click("#publish")
    page.wait_for_url(f"{url}/surveys?published=*")
    assert page.locator("#published tr[data-publication]").count() == 1
    first, last = flow.next_week()
    form = page.locator("#survey")
    for lang, text in flow.CAMPAIGN.items():
        form.locator(f"input[name=question_{lang}]").fill(text)
    form.locator("input[name=question_id]").fill("christmas")
    form.locator("select[name=scope]").select_option(f"store:{STORE}")
    form.locator("input[name=starts_on]").fill(first.isoformat())
    form.locator("input[name=ends_on]").fill(last.isoformat())
    page.click("#schedule")
    page.wait_for_url(f"{url}/surveys?scheduled=*")
    row = page.locator("#campaigns tr[data-campaign]")
    assert row.count() == 1 and first.isoformat() in row.inner_text()
    shoot(page, "surveys")


def set_up_alerts(page, url: str) -> None:
    page.goto(f"{url}/alerts/setup")
    form = page.locator("#channel-form")
    form.locator("input[name=name]").fill("butik")
    form.locator("select[name=kind]").select_option("email")
    form.locator("input[name=target]").fill("butik@hymio.test")
    form.locator("select[name=language]").select_option("sv")
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"{url}/alerts/setup")
    page.locator("tr[data-channel=butik] button.test-channel").click()
    assert page.locator("#tested").get_attribute("data-ok") == "yes"
    page.locator("#new-rule select[name=kind]").select_option("index_below")
    page.locator("#new-rule button[type=submit]").click()
    form = page.locator("#rule-form")
    form.locator("input[name=name]").fill("Itis index")
    form.locator("select[name=scope]").select_option(f"store:{STORE}")
    form.locator("input[name=p_value]").fill("60")
    form.locator("input[name=p_days]").fill("1")
    form.locator("input[name=p_min_n]").fill("1")
    form.locator("input[name=channels][value=butik]").check()
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"{url}/alerts/setup")
    assert "Itis index" in page.locator("#setup-rules").inner_text()
    shoot(page, "alert-setup")


def pull_settings(settings, text: str, seconds: float = 60) -> None:
    """The real ``hymio sync`` until its first settings pull brought *text*."""
    overlay = overlay_path(load_settings(settings))
    command = [sys.executable, "-m", "hymio", "sync", "--config", str(settings)]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + seconds
        while not (overlay.exists() and text in overlay.read_text(encoding="utf-8")):
            assert proc.poll() is None and time.monotonic() < deadline, "no settings pulled"
            time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert "Traceback" not in out, out


@pytest.fixture
def hq(tmp_path, smtp, monkeypatch):
    """HQ on SQLite at the real clock, with its admin only, mailing to the SMTP server."""
    mail_env(monkeypatch, smtp[1])
    app = create_app(f"sqlite:///{tmp_path / 'hq.db'}")
    with app.state.sessions() as s:
        add_user(s, "admin", PASSWORD, datetime.now(UTC))
    yield app
    app.state.engine.dispose()


def test_an_admin_runs_the_chain_from_the_browser_and_the_kiosk_follows(
    hq,
    browser,  # noqa: F811
    smtp,
    tmp_path,
):
    inbox, mail = smtp
    sessions = hq.state.sessions
    ARTIFACTS.mkdir(exist_ok=True)
    kiosk = None
    with LiveServer(hq) as server:
        url = server.url
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        page = context.new_page()
        _log_in(page, url)
        make_the_store(page, url)
        link = make_a_code(page, url)

        settings, _db = flow.kiosk_settings(tmp_path, "pi-itis")
        done = hymio("enroll", "--config", str(settings), link, "--device-id", "pi-itis")
        assert done.returncode == 0, done.stderr
        assert f"device pi-itis in store {STORE}" in done.stdout
        try:
            kiosk = Kiosk(settings, tmp_path)
            assert kiosk.do("press 1")["screen"] == "followup"  # an unhappy shopper
            before = kiosk.do(f"look {tmp_path / 'before.png'}")
            assert before["title"] == "Mikä oli tärkein syy?" and before["version"] == 1
            assert kiosk.do("answer")["screen"] == "thanks"
            synced = sync_once(settings)
            assert synced.returncode == 0, synced.stdout + synced.stderr
            with sessions() as s:
                rows = s.execute(select(Rating.device_id, Rating.store_id, Rating.score)).all()
                assert [tuple(r) for r in rows] == [("pi-itis", STORE, 1)]

            publish_the_survey(page, url)
            pull_settings(settings, PROMPT["fi"])
            kiosk.do("press 4")  # the next shopper: happy; the kiosk takes the new settings
            time.sleep(1.0)  # after the thank-you
            for lang in ("sv", "fi", "en"):
                kiosk.do(f"language {lang}")
                assert kiosk.do("press 1")["screen"] == "followup"
                seen = kiosk.do(f"look {ARTIFACTS / f'e2e-kiosk-followup-{lang}.png'}")
                assert seen["title"] == PROMPT[lang], seen
                labels = [r["text"] for r in seen["reasons"]]
                assert len(labels) == 3 and labels[2] == GIFTS[lang]
                assert [r["picture"] for r in seen["reasons"]] == ["queue.png", "", "cart.png"]
                shot = ARTIFACTS / f"e2e-kiosk-followup-{lang}.png"
                assert ink(shot, seen["reasons"][2]["box"]) > 50, "no pictogram drawn"
                assert band(shot) != band(tmp_path / "before.png"), "the old prompt on screen"
                assert kiosk.do("answer")["screen"] == "thanks"
                time.sleep(1.0)
            assert ink(tmp_path / "before.png", before["reasons"][2]["box"]) < 50

            set_up_alerts(page, url)
        finally:
            if kiosk is not None:
                kiosk.close()
        for path in ("/", "/alerts", "/chain/stores", f"/stores/{STORE}"):
            page.goto(f"{url}{path}")
            shoot(page, path.strip("/").replace("/", "-") or "overview")
        context.close()

    test = inbox.messages[0]
    assert test["Subject"] == "[Hymiö] Hymiö: ett testmeddelande till kanalen butik"
    clock = types.SimpleNamespace(now=datetime.now(UTC))
    worker = worker_of(types.SimpleNamespace(sessions=sessions, clock=lambda: clock.now,
                                             app=hq), mail)  # fmt: skip
    assert worker.run_once() == (1, 1)
    alert = inbox.messages[1]
    assert alert["To"] == "butik@hymio.test" and "Itis: index 0,0 under 60,0" in alert["Subject"]
    with sessions() as s:
        assert s.get(Store, STORE).region_id == "south"
        assert s.get(HoursException, (STORE, flow.holiday().isoformat())).hours == "closed"
        assert s.get(Device, "pi-itis").store_id == STORE
        assert s.scalar(select(func.count()).select_from(SurveyCampaign)) == 1
