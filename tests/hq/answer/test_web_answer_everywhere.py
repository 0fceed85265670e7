"""A web answer is wherever an analyst looks (issue 32, "done when"), on SQLite and
PostgreSQL: a shopper answers through a store's QR link on a phone in Swedish without
JavaScript, with words that hold a phone number, an e-mail address and a name; more
shoppers answer by plain HTTP; a receipt link answers once in Finnish and then says it
was used. Then, as the analyst would, in Chromium and through the export: the ranking's
web answers count them, the kiosk answers do not; the export carries each web rating
with its comment (personal data removed) and its topics; the comments page shows the
words as stored. Nothing of the planted personal data is anywhere in the database."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import text

from hq.fleet.receipts.links import mint_links
from hq.fleet.touchpoints import add_web_link
from tests.hq.conftest import LiveServer
from tests.hq.dashboard.test_dashboard import ARTIFACTS, _log_in, browser  # noqa: F401

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
WORDS = "Kön var lång. Ring mig 070-123 45 67 eller skriv till anna.svensson@example.se"
PLANTED = ("070-123 45 67", "0701234567", "anna.svensson", "example.se")


def _hidden(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))


def _plain_answer(hq, code: str, score: int) -> None:
    """One more shopper, a browser of their own (no cookie of the last one), a minute later
    (so one address's answers never make a burst)."""
    hq.clock.now += timedelta(minutes=2)
    hq.client.cookies.clear()
    page = hq.client.get(f"/r/{code}?lang=sv")
    sent = hq.client.post(f"/r/{code}", data={**_hidden(page.text), "score": str(score)},
                          follow_redirects=False)  # fmt: skip
    assert sent.status_code == 303, sent.text


def _everything(hq) -> str:
    """Every text the database holds for ratings and comments, as one string."""
    with hq.sessions() as s:
        rows = s.execute(text("SELECT * FROM ratings")).all()
        rows += s.execute(text("SELECT * FROM comments")).all()
        rows += s.execute(text("SELECT * FROM audit_events")).all()
    return repr(rows)


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_a_web_answer_counts_in_the_ranking_the_export_and_the_comments(hq, browser):  # noqa: F811
    with hq.sessions() as s:
        code = add_web_link(s, None, "s1", "Kassan", "checkout", hq.clock.now).code
    ARTIFACTS.mkdir(exist_ok=True)
    with LiveServer(hq.app) as server:
        phone = browser.new_context(locale="sv-SE", java_script_enabled=False, **PHONE)
        page = phone.new_page()
        assert page.goto(f"{server.url}/r/{code}").status == 200
        page.get_by_role("button", name="Mycket missnöjd").tap()
        page.wait_for_url("**/more**")
        page.get_by_label("Kö").check()
        page.get_by_label("Något att tillägga?").fill(WORDS)
        page.get_by_role("button", name="Skicka").tap()
        page.wait_for_url("**/thanks**")
        page.screenshot(path=ARTIFACTS / "web-everywhere-sv-thanks.png", full_page=True)
        phone.close()
        for score in (2, 3, 4, 4):
            _plain_answer(hq, code, score)

        with hq.sessions() as s:
            (link,) = mint_links(s, None, code, 1, 7, hq.clock.now, server.url)
            s.commit()
        receipt = browser.new_context(locale="fi-FI", **PHONE).new_page()
        assert receipt.goto(link.url).status == 200
        receipt.get_by_role("button", name="Erittäin tyytyväinen").tap()
        receipt.wait_for_url("**/more**")
        again = receipt.goto(link.url)
        assert again.status == 409
        assert "Tämän linkin kautta on jo vastattu" in receipt.content()
        receipt.screenshot(path=ARTIFACTS / "web-everywhere-fi-used.png", full_page=True)

        assert hq.post([hq.rating(score=1) for _ in range(3)]).status_code == 200  # a kiosk's

        analyst = browser.new_context(locale="sv-SE", viewport={"width": 1366, "height": 900})
        desk = analyst.new_page()
        _log_in(desk, server.url)
        n = {}
        for channel in ("web", "kiosk", ""):
            desk.goto(f"{server.url}/?channel={channel}&lang=sv")
            cell = desk.locator('#ranking-csat tr[data-store="s1"] td[data-metric=count]')
            n[channel] = cell.inner_text()
        assert n == {"web": "6", "kiosk": "3", "": "9"}
        desk.goto(f"{server.url}/?channel=web&lang=sv")
        assert desk.locator('#ranking-csat tr[data-store="s1"] td[data-complete="n/a"]').count()
        desk.screenshot(path=ARTIFACTS / "web-everywhere-ranking-web.png", full_page=True)

        desk.goto(f"{server.url}/comments?store=s1&lang=sv")
        comments = desk.locator("#comments li.comment")
        assert comments.count() == 1
        shown = comments.first.inner_text()
        assert "Kön var lång" in shown and not any(p in shown for p in PLANTED)
        assert "Kassan (Kassa)" in shown  # the link's name and its stage, in Swedish
        desk.screenshot(path=ARTIFACTS / "web-everywhere-comments.png", full_page=True)
        analyst.close()

    export = hq.client.get("/api/v1/export.csv", headers=hq.auth(hq.reader_token))
    assert export.status_code == 200
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8"), newline="")))
    web = [r for r in rows if r["source"] == "web"]
    assert sorted(int(r["score"]) for r in web) == [1, 2, 3, 4, 4, 4]
    assert {r["device_id"] for r in web} == {f"web-{code}"}
    (worded,) = [r for r in web if r["comment"]]
    assert worded["score"] == "1" and worded["reason"] == "queue"
    assert worded["comment"].startswith("Kön var lång.") and "queue" in worded["comment_topics"]
    assert not any(p in worded["comment"] for p in PLANTED)
    assert all(r["comment"] == "" for r in rows if r["source"] != "web")
    assert not any(p in _everything(hq) for p in PLANTED)
