"""From the browser to an enrolled kiosk (issue 29), against a real ``hymio hq serve`` on
127.0.0.1: an admin in Chromium makes an enrol code; the test reads the enrolment link off
the printout and checks that its QR code (the inline SVG, module for module) holds that
link; ``hymio enroll LINK`` enrols a kiosk, which uploads a rating with ``hymio sync
--once``; the list's uses left drops. A used-up, a revoked (in the browser) and an expired
code are refused, saying so, the settings file untouched. Screenshots of the printout at
390 and 1366 px, in English and Finnish, and as printed, go to ``artifacts/``."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta

import pytest
import segno
from sqlalchemy import func, select

from hq.fleet.enrol_codes import new_code
from hq.people.admin import add_store, add_user
from hq.tables.database import open_database
from hq.tables.models import Device, EnrolCode, Rating
from kiosk.settings.enrol_link import enrol_link
from kiosk.settings.load import EXAMPLE, load_settings
from kiosk.store.store import Store
from tests.conftest import make_context
from tests.hq.conftest import PASSWORD
from tests.hq.dashboard.test_dashboard import ARTIFACTS, _log_in, browser  # noqa: F401
from tests.hq.fleet.qr_reading import svg_matrix
from tests.hq.served import hymio, served
from tests.sync.conftest import sync_once


@pytest.fixture
def hq(tmp_path):
    """``hymio hq serve`` on SQLite with store s1 (Kamppi) and the admin; its URL and
    session factory."""
    url = f"sqlite:///{tmp_path / 'hq.db'}"
    engine, sessions = open_database(url)
    now = datetime.now(UTC)
    with sessions() as s:
        add_store(s, "s1", "Kamppi", "Europe/Helsinki", now)
        add_user(s, "admin", PASSWORD, now)
    with served(url, tmp_path / "hq.log") as base:
        yield base, sessions
    engine.dispose()


def kiosk_settings(folder, name: str):
    """A kiosk's settings file as the installer leaves it: HQ's lines commented out."""
    text = EXAMPLE.read_text(encoding="utf-8")
    text = re.sub(r"^(url|token) = ", r"# \1 = ", text, flags=re.MULTILINE)
    db = folder / f"{name}.db"
    text = text.replace('path = "/var/lib/hymio/ratings.db"', f'path = "{db}"')
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path, db


def make_in_browser(page, base: str, uses: str, language: str) -> tuple[str, str]:
    """Make a code for Kamppi on the enrol codes page: the printout's link and QR SVG."""
    page.goto(f"{base}/enrolment-codes")
    page.select_option("#make-code select[name=store]", "s1")
    page.fill("#make-code input[name=uses]", uses)
    page.fill("#make-code input[name=days]", "7")
    page.select_option("#make-code select[name=print_language]", language)
    page.click("#make-code button[type=submit]")
    page.wait_for_selector("#sheet")
    link = page.get_attribute("#sheet", "data-link")
    return link, page.inner_html(".enrol-qr")


def enroll(settings, link: str, device: str):
    return hymio("enroll", "--config", str(settings), link, "--device-id", device)


def test_an_admin_makes_a_code_in_the_browser_and_a_kiosk_enrols_with_its_qr_code(
    hq,
    browser,  # noqa: F811
    tmp_path,
):
    base, sessions = hq
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    _log_in(page, base)
    link, svg = make_in_browser(page, base, "2", "en")
    qr = segno.make_qr(link, error="m", boost_error=False)
    assert svg_matrix(svg) == [list(map(bool, row)) for row in qr.matrix]  # the QR holds it
    code = page.inner_text("#code")
    assert link == enrol_link(base, code)
    assert page.inner_text("#hq") == base and "Kamppi" in page.inner_text("#store")
    assert page.inner_text("#uses") == "2 kiosks" and "Europe/Helsinki" in page.inner_text(
        "#expires"
    )
    assert link in page.inner_text("#command")
    page.screenshot(path=ARTIFACTS / "hq-enrol-print-1366-en.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=ARTIFACTS / "hq-enrol-print-390-en.png", full_page=True)
    page.emulate_media(media="print")
    assert not page.is_visible("header.top") and not page.is_visible("#print")
    page.screenshot(path=ARTIFACTS / "hq-enrol-print-paper-en.png", full_page=True)
    page.emulate_media(media="screen")

    settings, db = kiosk_settings(tmp_path, "pi-qr")
    done = enroll(settings, link, "pi-qr")
    assert done.returncode == 0, done.stderr
    assert "device pi-qr in store s1" in done.stdout
    kiosk = load_settings(settings)
    assert (kiosk.hq.url, kiosk.device.id, kiosk.device.store_id) == (base, "pi-qr", "s1")
    context = dataclasses.replace(make_context(device_id="pi-qr"), store_id="s1")
    with Store(db, context) as store:
        store.record(4, "button")
    synced = sync_once(settings)
    assert synced.returncode == 0, synced.stdout + synced.stderr
    with sessions() as s:
        ratings = s.execute(select(Rating.device_id, Rating.store_id, Rating.score)).all()
        assert [tuple(r) for r in ratings] == [("pi-qr", "s1", 4)]
    page.goto(f"{base}/enrolment-codes")
    row = page.locator("#codes tbody tr").first
    assert row.get_attribute("data-uses-left") == "1" and "1 / 2" in row.inner_text()

    page.set_viewport_size({"width": 1366, "height": 900})
    fi_link, _ = make_in_browser(page, base, "1", "fi")
    assert page.inner_text("#uses") == "1 kioski" and "Ilmoittautumiskoodi" in page.content()
    page.screenshot(path=ARTIFACTS / "hq-enrol-print-1366-fi.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=ARTIFACTS / "hq-enrol-print-390-fi.png", full_page=True)
    assert enroll(kiosk_settings(tmp_path, "a")[0], fi_link, "pi-a").returncode == 0
    used_up, _ = kiosk_settings(tmp_path, "b")
    before = used_up.read_bytes()
    refused = enroll(used_up, fi_link, "pi-b")
    assert refused.returncode == 1 and "used by all 1 kiosks" in refused.stderr
    assert used_up.read_bytes() == before

    revoked_link, _ = make_in_browser(page, base, "5", "en")
    page.goto(f"{base}/enrolment-codes")
    page.locator("#codes tbody tr").first.locator("button").click()
    page.wait_for_selector('#codes tbody tr[data-state="revoked"]')
    states = [r.get_attribute("data-state") for r in page.locator("#codes tbody tr").all()]
    assert states == ["revoked", "used_up", "active"]
    page.screenshot(path=ARTIFACTS / "hq-enrol-codes-390.png", full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.screenshot(path=ARTIFACTS / "hq-enrol-codes-1366.png", full_page=True)
    refused = enroll(used_up, revoked_link, "pi-c")
    assert refused.returncode == 1 and "the enrol code was revoked" in refused.stderr

    with sessions() as s:
        old = new_code(s, None, "s1", 3, 1, datetime.now(UTC) - timedelta(days=2))
    refused = enroll(used_up, enrol_link(base, old.code), "pi-d")
    assert refused.returncode == 1 and "the enrol code expired" in refused.stderr
    assert used_up.read_bytes() == before
    with sessions() as s:
        assert set(s.scalars(select(Device.id))) == {"pi-qr", "pi-a"}
        assert s.scalar(select(func.count()).select_from(EnrolCode)) == 4
