"""A shopper answers through a QR link on a phone (issue 32), in a real browser (Debian's
Chromium through Playwright) at 390 × 844 px: in Finnish without JavaScript, in Swedish
with it and by keyboard alone; the answer lands in the database and on the store's page.
The pages are checked as an accessibility checker would (a lang attribute, every control
named, every field labelled, text contrast at least 4.5:1, a visible focus ring).
Screenshots go to artifacts/web-survey-*.png."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hq.fleet.touchpoints import add_web_link
from hq.tables.models import Rating
from hq.tables.surveys import Comment
from tests.hq.conftest import LiveServer
from tests.hq.dashboard.test_dashboard import ARTIFACTS, _log_in, browser  # noqa: F401

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
# What an accessibility checker looks at, without downloading one: the problems found.
AUDIT = """() => {
  const problems = [];
  if (!document.documentElement.lang) problems.push('no lang attribute');
  const named = e => (e.getAttribute('aria-label') || e.innerText || '').trim();
  for (const b of document.querySelectorAll('button, a')) {
    if (!named(b)) problems.push('unnamed ' + b.outerHTML.slice(0, 60));
  }
  for (const f of document.querySelectorAll('input:not([type=hidden]), textarea, select')) {
    if (!(f.labels && f.labels.length) && !f.getAttribute('aria-label'))
      problems.push('unlabelled ' + f.outerHTML.slice(0, 60));
  }
  const lum = c => {
    const [r, g, b] = c.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number).map(v => {
      v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const back = e => {
    for (let a = e; a; a = a.parentElement) {
      const c = getComputedStyle(a).backgroundColor;
      if (c && !c.endsWith(', 0)') && c !== 'transparent') return c;
    }
    return 'rgb(255, 255, 255)';
  };
  for (const e of document.querySelectorAll('body *')) {
    if (e.closest('svg') || !e.childNodes.length) continue;
    const own = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const a = lum(getComputedStyle(e).color), b = lum(back(e));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) problems.push('contrast ' + ratio.toFixed(2) + ' ' + e.tagName);
  }
  if (document.documentElement.scrollWidth > window.innerWidth) problems.push('scrolls sideways');
  return problems;
}"""


def _link(hq, stage: str = "entrance") -> str:
    with hq.sessions() as s:
        return add_web_link(s, None, "s1", "Door", stage, hq.clock.now).code


def _kept(hq) -> list:
    with hq.sessions() as s:
        rows = s.execute(select(Rating.id, Rating.score, Rating.reason, Rating.source)).all()
        return [(r.score, r.reason, r.source, s.get(Comment, r.id)) for r in rows]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_shopper_answers_in_finnish_without_javascript(hq, browser):  # noqa: F811
    code = _link(hq)
    ARTIFACTS.mkdir(exist_ok=True)
    with LiveServer(hq.app) as server:
        context = browser.new_context(locale="fi-FI", java_script_enabled=False, **PHONE)
        page = context.new_page()
        answer = page.goto(f"{server.url}/r/{code}")
        assert answer.status == 200
        assert page.locator("html").get_attribute("lang") == "fi"
        assert page.locator("legend").inner_text() == "Miten onnistuimme tänään?"
        faces = page.get_by_role("button")
        assert faces.all_inner_texts() == ["Erittäin tyytymätön", "Melko tyytymätön",
                                           "Tyytyväinen", "Erittäin tyytyväinen"]  # fmt: skip
        assert faces.first.bounding_box()["height"] >= 44  # a thumb's tap
        page.screenshot(path=ARTIFACTS / "web-survey-fi-faces.png", full_page=True)
        faces.first.tap()
        page.wait_for_url(f"{server.url}/r/{code}/more**")
        assert "Kiitos! Vastauksesi on tallennettu." in page.content()
        page.get_by_label("Jono").check()
        page.get_by_label("Haluatko lisätä jotain?").fill("Jono oli pitkä, soita 040 123 4567")
        page.screenshot(path=ARTIFACTS / "web-survey-fi-more.png", full_page=True)
        page.get_by_role("button", name="Lähetä").tap()
        page.wait_for_url(f"{server.url}/r/{code}/thanks**")
        assert page.locator(".big").inner_text() == "Kiitos!"
        ((score, reason, source, comment),) = _kept(hq)
        assert (score, reason, source) == (1, "queue", "web")
        assert "040 123 4567" not in comment.text and "Jono oli pitkä" in comment.text

        # four more shoppers (a split shows from 5 ratings: the privacy guard), and the
        # admin sees the link's answers on the store's page, as its row among the kiosks
        for score in (2, 3, 4, 4):
            other = browser.new_context(java_script_enabled=False, **PHONE).new_page()
            other.goto(f"{server.url}/r/{code}?lang=fi")
            other.locator(f"button[name=score][value='{score}']").tap()
            other.wait_for_url("**/more**")
            other.context.close()
        assert hq.post([hq.rating() for _ in range(5)]).status_code == 200  # the kiosk's
        admin = browser.new_context(**PHONE).new_page()
        _log_in(admin, server.url)
        admin.goto(f"{server.url}/stores/s1")
        row = admin.locator(f'#ranking-kiosks tr[data-device="web-{code}"]')
        assert row.count() == 1 and row.locator("td[data-metric=count]").inner_text() == "5"
        admin.screenshot(path=ARTIFACTS / "web-survey-store-page.png", full_page=True)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_shopper_answers_in_swedish_by_keyboard_with_javascript(hq, browser):  # noqa: F811
    code = _link(hq, "checkout")
    with LiveServer(hq.app) as server:
        context = browser.new_context(locale="sv-SE", java_script_enabled=True, **PHONE)
        page = context.new_page()
        page.goto(f"{server.url}/r/{code}")
        assert page.locator("html").get_attribute("lang") == "sv"
        assert page.evaluate(AUDIT) == []
        page.keyboard.press("Tab")  # the language links first, then the faces
        for _ in range(10):
            if page.evaluate("document.activeElement.dataset.face") == "unhappy":
                break
            page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.innerText")
        assert focused == "Ganska missnöjd"
        ring = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert ring == "solid"  # the focus is visible
        page.screenshot(path=ARTIFACTS / "web-survey-sv-focus.png", full_page=True)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{server.url}/r/{code}/more**")
        assert page.evaluate(AUDIT) == []
        assert page.locator("legend").inner_text() == "Vad var den främsta orsaken?"
        page.keyboard.press("Tab")
        while page.evaluate("document.activeElement.name") != "reason":
            page.keyboard.press("Tab")
        page.keyboard.press("ArrowDown")  # the next reason: staff, "Service"
        assert page.get_by_label("Service").is_checked()
        page.keyboard.press("Tab")
        page.keyboard.type("Trevlig personal")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        page.wait_for_url(f"{server.url}/r/{code}/thanks**")
        assert page.locator(".big").inner_text() == "Tack!"
        assert page.evaluate(AUDIT) == []
        page.screenshot(path=ARTIFACTS / "web-survey-sv-thanks.png", full_page=True)
        ((score, reason, source, comment),) = _kept(hq)
        assert (score, reason, source, comment.text) == (2, "staff", "web", "Trevlig personal")
        gone = page.goto(f"{server.url}/r/nosuchcode")
        assert gone.status == 404 and page.evaluate(AUDIT) == []
        assert "Den här enkäten finns inte längre" in page.content()
        page.screenshot(path=ARTIFACTS / "web-survey-sv-gone.png", full_page=True)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_pages_pass_the_checks_in_finnish_at_desktop_width_too(hq, browser):  # noqa: F811
    code = _link(hq)
    with LiveServer(hq.app) as server:
        page = browser.new_context(
            locale="fi-FI", viewport={"width": 1366, "height": 900}
        ).new_page()
        page.goto(f"{server.url}/r/{code}")
        assert page.evaluate(AUDIT) == []
        page.screenshot(path=ARTIFACTS / "web-survey-fi-desktop.png", full_page=True)
        page.get_by_role("button", name="Erittäin tyytyväinen").click()
        page.wait_for_url(f"{server.url}/r/{code}/more**")
        assert page.locator("input[name=reason]").count() == 0  # happy: no reasons asked
        assert page.evaluate(AUDIT) == []
        page.get_by_role("button", name="Ei kiitos").click()
        page.wait_for_url(f"{server.url}/r/{code}/thanks**")
        assert [k[:3] for k in _kept(hq)] == [(4, None, "web")]
