"""The comments page in Chromium: a store's manager on a phone (390 px) in Finnish reads
their store's comments with the matched words marked and no topic form; an analyst on a
laptop (1366 px) in Swedish filters by topic and sets a comment's topics. Neither page
scrolls sideways. Screenshots in artifacts/words/."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hq.people.admin import add_user
from hq.tables.surveys import Comment
from hq.words.keep import keep_comment
from tests.hq.conftest import PASSWORD, LiveServer
from tests.hq.dashboard.test_dashboard import ARTIFACTS, browser  # noqa: F401 -- fixture
from tests.hq.words.answers import REASONS, web_link, web_rating

WORDS = [
    (1, "fi", "Jono oli tosi pitkä ja myyjä Maija oli töykeä. Soita 040 123 4567!"),
    (2, "fi", "Kassajono ei liikkunut, <b>vain yksi kassa</b> auki klo 17.30"),
    (1, "sv", "Kön var lång och personalen otrevlig, mejla anna.svensson@telia.se"),
    (3, "fi", "Hinnat ovat kalliita, maito 1,29 €"),
    (1, "en", "The toilets were dirty and the queue was long"),
]


@pytest.fixture
def served(hq):
    with hq.sessions() as s:
        for store in ("s1", "s2"):
            link = web_link(s, store, hq.clock.now, name=f"Kuittilinkki {store}")
            for i, (score, lang, text) in enumerate(WORDS if store == "s1" else WORDS[:1]):
                at = hq.clock.now - timedelta(hours=i + 1)
                rid = web_rating(s, store, link, at, score=score)
                keep_comment(s, rating_id=rid, store_id=store, device_id=link, language=lang,
                             text=text, now=at, reasons=REASONS[lang])  # fmt: skip
        add_user(s, "kauppa", PASSWORD, hq.clock.now, "fi", "manager", "store:s1")
        add_user(s, "analyytikko", PASSWORD, hq.clock.now, "sv", "analyst")
        s.commit()
    (ARTIFACTS / "words").mkdir(parents=True, exist_ok=True)
    with LiveServer(hq.app) as server:
        yield hq, server.url


def _open(browser, url, username, width, locale):  # noqa: F811
    context = browser.new_context(
        viewport={"width": width, "height": 844 if width < 800 else 900}, locale=locale
    )
    page = context.new_page()
    page.goto(f"{url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda at: not at.endswith("/login"))
    return context, page


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_store_manager_reads_their_comments_on_a_phone_in_finnish(served, browser):  # noqa: F811
    _, url = served
    context, page = _open(browser, url, "kauppa", 390, "fi-FI")
    page.goto(f"{url}/stores/s1")
    page.click("#comments-link")
    page.wait_for_url(lambda at: "/comments" in at)
    assert page.locator("h1").inner_text() == "Kommentit"
    comments = page.locator("li.comment")
    assert comments.count() == len(WORDS)  # their store's only, not s2's
    first = comments.first
    assert "[name]" in first.inner_text() and "[phone]" in first.inner_text()
    assert "Maija" not in page.content() and "4567" not in page.content()
    assert first.locator("mark").all_inner_texts() == ["Jono", "pitkä", "myyjä", "töykeä"]
    assert "osuneet sanat:" in first.inner_text()
    assert page.locator("li.comment b").count() == 0  # a comment's markup is text
    assert "<b>vain yksi kassa</b>" in comments.nth(1).inner_text()
    assert page.locator("form[action$='/topics']").count() == 0  # a manager does not edit
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for element in page.locator("main select, main input:visible, main button:visible").all():
        box = element.bounding_box()
        assert box is None or box["height"] >= 44, element.evaluate("e => e.outerHTML")
    page.screenshot(path=str(ARTIFACTS / "words" / "comments-manager-390-fi.png"), full_page=True)
    context.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_analyst_filters_and_sets_topics_on_a_laptop_in_swedish(served, browser):  # noqa: F811
    hq, url = served
    context, page = _open(browser, url, "analyytikko", 1366, "sv-SE")
    page.goto(f"{url}/comments")
    assert page.locator("h1").inner_text() == "Kommentarer"
    assert page.locator("li.comment").count() == len(WORDS) + 1
    page.select_option("select[name=topic]", "cleanliness")
    page.click("#comment-filter button[type=submit]")
    page.wait_for_url(lambda at: "topic=cleanliness" in at)
    assert page.locator("li.comment").count() == 1
    comment = page.locator("li.comment").first
    rating_id = comment.get_attribute("data-rating")
    comment.locator("summary").click()
    comment.locator("input[name=topic][value=staff]").check()
    comment.locator("input[name=topic][value=queue]").uncheck()
    comment.locator("form button[type=submit]").click()
    page.wait_for_url(lambda at: f"#c-{rating_id}" in at)
    edited = page.locator(f"#c-{rating_id}")
    assert "Ämnen satta av user:analyytikko" in edited.inner_text()
    with hq.sessions() as s:
        assert s.get(Comment, rating_id).topics == ["staff", "cleanliness"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    page.screenshot(path=str(ARTIFACTS / "words" / "comments-analyst-1366-sv.png"), full_page=True)
    context.close()
