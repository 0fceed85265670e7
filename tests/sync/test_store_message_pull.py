"""The store's message from HQ to the kiosk (issue 19): published on HQ's dashboard over
real HTTP, pulled by sync's settings pull with the ETag, kept beside the kiosk's
database for the thank-you screen; an HQ that sends none, or sends one a kiosk cannot
show, leaves the kiosk's settings as they were."""

from __future__ import annotations

import json

import requests

from hq.fleet.surveys import set_survey
from kiosk.settings.load import load_settings
from kiosk.settings.overlay import apply_overlay, overlay_path, read_messages
from kiosk.store.ledger import Ledger
from sync.client import Answer, HQClient
from sync.config_pull import pull_config
from tests.hq.conftest import PASSWORD, csrf_of
from tests.sync.conftest import write_settings


def dashboard(url: str) -> tuple[requests.Session, str]:
    """A browser logged in to HQ's dashboard at *url*, and its form token."""
    browser = requests.Session()
    token = csrf_of(browser.get(f"{url}/login", timeout=10).text)
    login = {"username": "admin", "password": PASSWORD, "csrf": token}
    assert browser.post(f"{url}/login", data=login, timeout=10).status_code == 200
    return browser, csrf_of(browser.get(f"{url}/stores/s1", timeout=10).text)


def publish(browser: requests.Session, url: str, csrf: str, language: str, text: str) -> None:
    form = {"csrf": csrf, "language": language, "text": text}
    answer = browser.post(f"{url}/stores/s1/message", data=form, timeout=10)
    assert answer.status_code == 200 and "/stores/s1" in answer.url, answer.text[:300]


def test_a_message_published_at_hq_reaches_the_kiosk_through_the_settings_pull(
    live, kiosk, tmp_path
):
    hq, url = live
    settings = load_settings(write_settings(tmp_path, url, hq.token, kiosk.path))
    ledger, client = Ledger(kiosk), HQClient(url, hq.token)
    assert pull_config(settings, ledger, client) == "none"  # nothing at HQ yet
    browser, csrf = dashboard(url)
    said = {
        "fi": "Avasimme kolmannen kassan klo 16–18.",
        "sv": "Vi öppnade en tredje kassa kl. 16–18.",
        "en": "We opened a third checkout at 16–18.",
    }
    for language, text in said.items():
        publish(browser, url, csrf, language, text)
    # HQ has no survey settings for the store (version 0): the message is pulled alone.
    assert pull_config(settings, ledger, client) == "updated"
    assert read_messages(settings) == said
    assert apply_overlay(settings) == settings  # the survey itself is the local one
    assert pull_config(settings, ledger, client) == "unchanged"  # the same ETag: a 304

    publish(browser, url, csrf, "sv", "Tre kassor öppna 16–18.")
    publish(browser, url, csrf, "en", "")  # cleared
    with hq.sessions() as s:  # and a survey besides: both arrive
        set_survey(s, "s1", "", {"survey": {"scale": "smiley5"}, "hours": {}}, hq.clock.now)
    assert pull_config(settings, ledger, client) == "updated"
    assert read_messages(settings) == {"fi": said["fi"], "sv": "Tre kassor öppna 16–18."}
    assert apply_overlay(settings).survey.scale == "smiley5"

    publish(browser, url, csrf, "fi", "")
    publish(browser, url, csrf, "sv", "")
    assert pull_config(settings, ledger, client) == "updated"
    assert read_messages(settings) == {}
    assert "message" not in json.loads(overlay_path(settings).read_text())


class Replying:
    """An HQ client that answers the settings pull with *body*, as another HQ would."""

    def __init__(self, body: dict):
        self.body = body

    def config(self, etag: str | None = None) -> Answer:
        return Answer(status=200, body=self.body, etag='"other"')


def test_an_hq_that_sends_no_message_changes_nothing_for_the_kiosk(kiosk, tmp_path):
    settings = load_settings(write_settings(tmp_path, "http://127.0.0.1:9", "t", kiosk.path))
    older_hq = {"version": 2, "survey": {"scale": "smiley3"}, "hours": {}, "staff": {}}
    assert pull_config(settings, Ledger(kiosk), Replying(older_hq)) == "updated"
    assert read_messages(settings) == {}
    kept = json.loads(overlay_path(settings).read_text())
    assert kept == {"version": 2, "survey": {"scale": "smiley3"}, "hours": {}}
    assert apply_overlay(settings).survey.scale == "smiley3"


def test_a_message_the_kiosk_cannot_show_is_left_out_and_the_survey_still_taken(kiosk, tmp_path):
    settings = load_settings(write_settings(tmp_path, "http://127.0.0.1:9", "t", kiosk.path))
    body = {"version": 3, "survey": {"scale": "smiley5"}, "hours": {}}
    odd = {
        "fi": "Hyvä rivi",
        "sv": "två\nrader",
        "en": "x" * 91,
        "de": "Hallo",
        "xx": 5,
    }
    assert pull_config(settings, Ledger(kiosk), Replying({**body, "message": odd})) == "updated"
    assert read_messages(settings) == {"fi": "Hyvä rivi"}
    assert apply_overlay(settings).survey.scale == "smiley5"
    for junk in ("a text", ["fi", "x"], 7, None, {}):
        reply = Replying({**body, "message": junk})
        assert pull_config(settings, Ledger(kiosk), reply) == "updated"
        assert read_messages(settings) == {}
        assert apply_overlay(settings).survey.version == 3
