"""Every page of the dashboard on a phone, a tablet and two desktops (390, 768, 1366 and
1920 px wide), in Chromium: no page scrolls sideways (a wide table scrolls inside its own
box), the header's pages and every button and field are tap targets of 44 px at 390 px,
the charts' words are drawn at 9 px or more and every ranking's figure is in sight
before its box is scrolled, and a tapped heat-map cell says its hour, ratings and share.
At 390 px in Finnish and Swedish too (their words are longer). A page the list below does
not name fails :func:`test_every_page_of_the_dashboard_is_walked`, so a new page is
walked too."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hq.alerts.manage import add_rule
from hq.alerts.subscriptions import subscribe
from hq.insight.business.saving import import_business
from hq.insight.scheduled.subscriptions import add_subscription
from hq.people.access import access_of, user_access
from hq.people.admin import add_device
from hq.people.roles import set_role
from hq.tables.alerts import Alert
from hq.tables.people import User
from kiosk.timekeeping.localtime import to_utc_text
from tests.hq.conftest import LiveServer
from tests.hq.dashboard.test_dashboard import ARTIFACTS, _fill, _log_in, browser  # noqa: F401
from tests.hq.people.routes import ROUTES
from tests.hq.people.test_access import chain  # noqa: F401 -- the fixture

WIDTHS = (390, 768, 1366, 1920)
# Every page a person opens, with the ids the chain fixture has.
PAGES = {
    "/": "/",
    "/fleet": "/fleet",
    "/alerts": "/alerts",
    "/alerts/{alert_id}": "/alerts/{alert}",
    "/alerts/setup": "/alerts/setup?kind=unhappy_share",
    "/reports": "/reports",
    "/admin": "/admin",
    "/enrolment-codes": "/enrolment-codes",
    "/admin/audit": "/admin/audit",
    "/chain/stores": "/chain/stores",
    "/chain/stores/{store_id}": "/chain/stores/s1",
    "/stores/{store_id}": "/stores/s1",
    "/stores/{store_id}/what-if": "/stores/s1/what-if",
    "/business": "/business",
    "/regions": "/regions",
    "/regions/{region_id}": "/regions/south",
    "/surveys": "/surveys",
    "/account": "/account",
    "/comments": "/comments",
}
NOT_PAGES = ("/api/", "/healthz", "/openapi.json", "/docs", "/help", "/login", "/business/sample")
NOT_PAGES += ("/surveys/pictograms",)  # the kiosk's pictogram files, for the survey preview
NOT_PAGES += ("/chain/touchpoints/",)  # a web link's QR poster: a PDF (test_posters.py)
# the shoppers' web survey, not the dashboard: walked at 390 and 1366 px, without sideways
# scrolling, by tests/hq/answer/test_web_survey_browser.py
NOT_PAGES += ("/r/",)
# The outermost element that reaches past the window and is not inside a box that scrolls.
WIDEST = """w => {
  for (const e of document.querySelectorAll('main *, header *')) {
    let boxed = false;
    for (let a = e.parentElement; a; a = a.parentElement)
      if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(a).overflowX)) boxed = true;
    if (boxed) continue;
    if (e.getBoundingClientRect().right > w + 1) return e.outerHTML.slice(0, 120);
  }
  return '?';
}"""
# A chart's words as drawn: their font size times the chart's scale on the screen. The
# heat map's counts inside its cells are left out: each says it again, larger, when tapped.
SMALL_WORDS = """() => [...document.querySelectorAll('main svg text')]
  .filter(t => t.getBBox().width > 0 && !t.matches('svg.heat text.n'))
  .map(t => [parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a, t.textContent])
  .filter(([px]) => px < 9)
  .map(([px, words]) => `${px.toFixed(1)} px: ${words}`)"""
# Each ranking's first figure, where it stands before the ranking's box is scrolled.
FIGURES_AT = """() => [...document.querySelectorAll('table.ranking')]
  .map(t => t.querySelector('tbody td[data-metric=estimate]'))
  .filter(td => td).map(td => [td.closest('table').id, td.getBoundingClientRect().right])"""
TAPPED = (
    "header nav.main a, header .you button, header .you select, main button:visible,"
    " main select:visible, main input:visible:not([type=checkbox]):not([type=radio])"
    ":not([type=hidden])"
)


def test_every_page_of_the_dashboard_is_walked():
    pages = {path for (method, path) in ROUTES if method == "GET"}
    pages = {p for p in pages if not p.startswith(NOT_PAGES)}
    assert pages == set(PAGES), "a new page: add it to PAGES (and walk it at every width)"


@pytest.fixture
def phone_hq(hq, chain):  # noqa: F811
    """The access test's chain with a month of ratings, an open alert, a report and an
    alert subscription of the admin's (so the subscription form and list are walked);
    s1 has a second kiosk with a month of its own, so its page ranks its kiosks."""
    _fill(hq)
    now = hq.clock.now
    with hq.sessions() as s:
        second = add_device(s, "s1", "k1b", now)
        s.commit()
    days = [to_utc_text(now - timedelta(days=d, hours=2)) for d in range(40)]
    own = [
        hq.rating(device_id="k1b", seq=i + 1, recorded_at=day, score=i % 4 + 1)
        for i, day in enumerate(days)
    ]
    assert hq.post(own, token=second).status_code == 200
    with hq.sessions() as s:
        add_subscription(s, "store:s1", "weekly", "fi", ["kauppa@hymio.test"], "admin", now)
        alert = s.query(Alert).order_by(Alert.id).first().id
        add_rule(s, "silent", "kiosk_silent", "store:s1", {}, [], now)
        days = [(now - timedelta(days=d)).date().isoformat() for d in range(29)]
        figures = "".join(
            f"s1,{day},{h},{20 + h},,{90 + h},2\n" for day in days for h in range(8, 21)
        )
        operator = access_of(s, "test", "admin", "")
        import_business(
            s, operator, "store,date,hour,transactions,sales,footfall,staff\n" + figures, now
        )
        s.commit()
        set_role(s, "admin", "admin", "", "admin@hymio.test")
        admin = user_access(s, s.get(User, "admin"))
        subscribe(s, admin, "high_temperature", "store:s1", "digest", now)
    hq.clock.now = now + timedelta(minutes=1)
    with LiveServer(hq.app) as server:
        yield hq, server.url, {"alert": alert}


def _walk(browser, url: str, ids: dict, width: int, language: str = "en") -> list[str]:  # noqa: F811
    """Every page at *width*: what scrolls sideways or is too small to tap."""
    context = browser.new_context(
        viewport={"width": width, "height": 844 if width < 800 else 900},
        locale={"fi": "fi-FI", "sv": "sv-SE"}.get(language, "en-GB"),
        extra_http_headers={"Accept-Language": language},
    )
    page = context.new_page()
    _log_in(page, url)
    problems = []
    for route, path in PAGES.items():
        page.goto(url + path.format(**ids))
        assert page.locator("main").count() == 1, route
        wide = page.evaluate("document.documentElement.scrollWidth")
        if wide > width:
            culprit = page.evaluate(WIDEST, width)
            problems.append(f"{route} at {width} px is {wide} px wide: {culprit}")
        if width == 390:
            problems += [f"{route}: words of {w}" for w in page.evaluate(SMALL_WORDS)]
            for table, right in page.evaluate(FIGURES_AT):
                if right > width:
                    problems.append(f"{route}: {table}'s figure ends at {right:.0f} px")
            for element in page.locator(TAPPED).all():
                box = element.bounding_box()
                if box and box["height"] < 44:
                    what = element.evaluate("e => e.outerHTML.slice(0, 80)")
                    problems.append(f"{route}: {box['height']:.0f} px high: {what}")
        name = route.strip("/").replace("/", "-").replace("{", "").replace("}", "") or "stores"
        page.screenshot(path=str(ARTIFACTS / "phone" / f"{name}-{width}-{language}.png"))
    context.close()
    return problems


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_no_page_scrolls_sideways_at_any_width(phone_hq, browser):  # noqa: F811
    _, url, ids = phone_hq
    (ARTIFACTS / "phone").mkdir(parents=True, exist_ok=True)
    problems = [p for width in WIDTHS for p in _walk(browser, url, ids, width)]
    problems += [p for lang in ("fi", "sv") for p in _walk(browser, url, ids, 390, lang)]
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_tapped_heat_map_cell_says_its_figures(phone_hq, browser):  # noqa: F811
    _, url, _ = phone_hq
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    page = context.new_page()
    _log_in(page, url)
    page.goto(f"{url}/stores/s1")
    counted = page.locator("#heat-map g.c:has(rect.cell[data-unhappy])").first
    counted.scroll_into_view_if_needed()
    tip = counted.locator("text.tip")
    assert not tip.is_visible()
    counted.locator("rect").tap()
    assert tip.is_visible()
    says = tip.text_content()
    assert " ratings, " in says and "% unhappy" in says
    assert not page.locator("#heat-map text.legend").is_visible()
    page.screenshot(path=str(ARTIFACTS / "phone" / "heat-map-tapped-390.png"))
    context.close()
