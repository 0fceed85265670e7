"""From HQ's survey editor to the kiosk's screen (issue 29): an admin in Chromium, with no
shell, writes a new follow-up prompt, reasons with pictograms and a thank-you in fi, sv
and en, previews and publishes it, and schedules a campaign question for next week; the
kiosk's settings pull (sync) fetches it from HQ over HTTP and the kiosk, in its real Kivy
window offscreen, shows the new prompt (screenshot checked for the pictogram's ink); next
week the campaign's question, and after it the standing survey again.

Screenshots go to artifacts/hq-survey-editor.png and artifacts/kiosk/survey-from-hq-*."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kiosk.settings.load import load_settings
from kiosk.store.ledger import Ledger
from sync.client import HQClient
from sync.config_pull import pull_config
from tests.hq.conftest import LiveServer, make_hq
from tests.hq.dashboard.test_dashboard import ARTIFACTS, _log_in, browser  # noqa: F401
from tests.kiosk.ui.test_survey_texts import assert_pictogram_drawn, reasons

PROMPT = {"fi": "Mikä jäi mieleen?", "sv": "Vad stack ut?", "en": "What stood out?"}
THANKS = {"fi": "Kiitos, hyvää joulua!", "sv": "Tack, god jul!", "en": "Thanks, merry Christmas!"}
GIFTS = {"fi": "Lahjat", "sv": "Gåvor", "en": "Gifts"}
CAMPAIGN = {"fi": "Löysitkö lahjan?", "sv": "Hittade du en gåva?", "en": "Did you find a gift?"}


@pytest.fixture
def hq(tmp_path):
    hq = make_hq(f"sqlite:///{tmp_path / 'hq.db'}")  # Friday 2026-11-20, noon in Helsinki
    yield hq
    hq.client.close()
    hq.app.state.engine.dispose()


def edit_and_publish(page, url: str) -> None:
    """The admin's hands: the editor, the new texts, preview, publish, then a campaign."""
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
    form.locator("select[name=scope]").select_option("store:s1")
    page.click("#preview-button")
    page.wait_for_load_state()
    sv = page.locator("section.preview[data-language=sv] .kiosk.landscape.followup")
    assert sv.locator(".q").inner_text() == PROMPT["sv"]
    assert sv.locator("img").count() == 2  # queue and cart, the kiosk's own files
    loaded = sv.locator("img").first.evaluate("i => i.complete && i.naturalWidth")
    assert loaded == 192
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("section.preview[data-language=fi]").screenshot(
        path=ARTIFACTS / "hq-survey-preview-fi.png"
    )
    page.click("#publish")
    page.wait_for_url(f"{url}/surveys?published=*")
    assert page.locator("#published tr[data-publication]").count() == 1
    # A campaign question for next week (Monday 23 to Sunday 29 November), then back.
    form = page.locator("#survey")
    for lang, text in CAMPAIGN.items():
        form.locator(f"input[name=question_{lang}]").fill(text)
    form.locator("input[name=question_id]").fill("christmas")
    form.locator("select[name=scope]").select_option("store:s1")
    form.locator("input[name=starts_on]").fill("2026-11-23")
    form.locator("input[name=ends_on]").fill("2026-11-29")
    page.click("#schedule")
    page.wait_for_url(f"{url}/surveys?scheduled=*")
    row = page.locator("#campaigns tr[data-campaign]")
    assert row.count() == 1 and "2026-11-23" in row.inner_text()
    page.screenshot(path=ARTIFACTS / "hq-survey-editor.png", full_page=True)


def test_a_prompt_published_in_the_browser_is_on_the_kiosks_screen(hq, browser, kiosk_ui, tmp_path):  # noqa: F811
    k = kiosk_ui()
    with LiveServer(hq.app) as server:
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        _log_in(page, server.url)
        edit_and_publish(page, server.url)
        sync = tmp_path / "sync.toml"  # the same kiosk: its database, its token
        sync.write_text(
            f'[device]\nid = "k1"\nstore_id = "s1"\n[hq]\nurl = "{server.url}"\n'
            f'token = "{hq.token}"\n[storage]\npath = "ratings.db"\n',
            encoding="utf-8",
        )
        settings, ledger = load_settings(sync), Ledger(k.store)
        client = HQClient(server.url, hq.token)
        assert pull_config(settings, ledger, client) == "updated"
        conductor = k.app.conductor
        conductor.reload_if_changed()
        assert conductor.settings.survey.version == 1
        for lang in ("fi", "sv", "en"):
            conductor.choose_language(lang)
            k.touch(k.face(1))
            assert k.screen == "followup"
            assert k.app.screens["followup"].title == PROMPT[lang]
            buttons = reasons(k)
            assert [b.text for b in buttons][2] == GIFTS[lang]
            shot = k.screenshot(f"survey-from-hq-{lang}")
            assert_pictogram_drawn(shot, buttons[2], k.window)
            k.touch(buttons[2])
            assert k.app.screens["thanks"].title == THANKS[lang]
            k.clock.advance(10)  # the next shopper, after the thank-you
            conductor.back_to_question()
        assert [r[3] for r in k.rows()] == ["gifts"] * 3

        hq.clock.now = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # Monday 08:00 in Helsinki
        assert pull_config(settings, ledger, client) == "updated"
        conductor.reload_if_changed()
        conductor.choose_language("sv")
        assert k.app.screens["question"].question == CAMPAIGN["sv"]
        assert conductor.settings.survey.question_id == "christmas"
        assert conductor.settings.survey.version == 2
        k.screenshot("survey-from-hq-campaign-sv")

        hq.clock.now = datetime(2026, 11, 29, 22, 0, tzinfo=UTC)  # Monday 30th in Helsinki
        assert pull_config(settings, ledger, client) == "updated"
        conductor.reload_if_changed()
        assert conductor.settings.survey.version == 1
        assert conductor.settings.survey.followup_prompt("en") == PROMPT["en"]
