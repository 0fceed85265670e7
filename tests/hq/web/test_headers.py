"""Security headers on every answer, and the dashboard and /docs working under them in a
real browser (Debian's Chromium): no console errors, no CSP violations, charts drawn."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from hq.web.headers import CSP
from tests.hq.conftest import LiveServer, log_in, make_hq
from tests.hq.dashboard.test_dashboard import ARTIFACTS, _fill, _log_in, browser  # noqa: F401

SHOTS = ARTIFACTS / "hq"
WANTED = {
    "content-security-policy": CSP,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


def _assert_secured(answer, hsts: bool = False) -> None:
    for name, value in WANTED.items():
        assert answer.headers.get(name) == value, f"{answer.request.url}: {name}"
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert ("strict-transport-security" in answer.headers) is hsts


def test_every_kind_of_answer_carries_the_headers(hq):
    answers = {
        "login page": hq.client.get("/login"),
        "redirect to the login": hq.client.get("/fleet", follow_redirects=False),
        "API JSON": hq.client.get("/api/v1/config", headers=hq.auth()),
        "health": hq.client.get("/healthz"),
        "API error": hq.client.get("/api/v1/config"),
        "unknown path": hq.client.get("/no/such/page"),
        "invalid query": hq.client.get("/api/v1/export.csv?from=soon", headers=hq.auth()),
        "static file": hq.client.get("/static/hymio.css"),
        "docs": hq.client.get("/docs"),
        "docs asset": hq.client.get("/docs/assets/swagger-ui-bundle.js"),
        "schema": hq.client.get("/openapi.json"),
    }
    assert answers["API error"].status_code == 401
    assert answers["unknown path"].status_code == 404
    assert answers["static file"].status_code == 200
    assert answers["docs asset"].status_code == 200
    for answer in answers.values():
        _assert_secured(answer)
    log_in(hq)
    for path in ("/", "/stores/s1", "/stores/nowhere", "/fleet", "/api/v1/export.csv"):
        _assert_secured(hq.client.get(path))


def test_a_bugs_500_carries_them_too(hq):
    def boom():
        raise RuntimeError("a bug")

    hq.app.add_api_route("/boom", boom)
    with TestClient(hq.app, raise_server_exceptions=False) as client:
        answer = client.get("/boom")
    assert answer.status_code == 500
    assert answer.json()["error"]["code"] == "internal"
    _assert_secured(answer)


def test_hsts_only_when_hq_is_served_over_https(database_url):
    hq = make_hq(database_url, secure_cookies=True)
    try:
        for path in ("/login", "/healthz", "/api/v1/config", "/static/hymio.css"):
            answer = hq.client.get(path)
            _assert_secured(answer, hsts=True)
            assert answer.headers["strict-transport-security"].startswith("max-age=")
    finally:
        hq.app.state.engine.dispose()


def test_docs_load_nothing_from_elsewhere(hq):
    page = hq.client.get("/docs").text
    assert "cdn" not in page.lower() and "http" not in page
    assert "<script>" not in page  # no inline script: the CSP would stop it
    assert hq.client.get("/redoc").status_code == 404  # ReDoc's script needs inline styles


# --- in Chromium ---------------------------------------------------------------------------


class Watch:
    """What the page said went wrong: console errors and warnings, uncaught exceptions,
    CSP violations (reported by the page itself), failed requests."""

    def __init__(self, page):
        self.problems: list[str] = []
        page.add_init_script(
            "document.addEventListener('securitypolicyviolation', e =>"
            " console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))"
        )
        page.on(
            "console",
            lambda m: m.type in ("error", "warning") and self.problems.append(m.text),
        )
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("requestfailed", self._failed)
        page.on(
            "response",
            lambda r: r.status >= 400 and self.problems.append(f"answered {r.status}: {r.url}"),
        )

    def _failed(self, request) -> None:
        why = request.failure or ""
        # The browser lets go of a request itself when the page moves on before it is
        # answered (the tab's icon, fetched after load, when the test goes to the next
        # page at once): not something the page or HQ did. A request the CSP blocked
        # fails with its own reason (net::ERR_BLOCKED_BY_CSP) and is kept.
        if why == "net::ERR_ABORTED":
            return
        self.problems.append(f"request failed: {request.url} ({why})")


@pytest.fixture
def shots():
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


def test_the_dashboard_works_under_its_csp(hq, browser, shots):  # noqa: F811
    _fill(hq)
    with LiveServer(hq.app) as server:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        watch = Watch(page)
        page.goto(f"{server.url}/login")
        page.screenshot(path=shots / "login.png")
        _log_in(page, server.url)
        assert page.locator("#stores tr[data-store=s1] svg.spark polyline").count() >= 1
        assert page.locator("link[rel=stylesheet]").count() == 1
        # The stylesheet applied (a CSP that blocked it would leave the browser's defaults).
        header = page.locator("header.top").evaluate("e => getComputedStyle(e).display")
        assert header == "flex"
        page.screenshot(path=shots / "overview.png", full_page=True)
        page.click("a[href='/stores/s1']")
        page.wait_for_url(f"{server.url}/stores/s1")
        assert page.locator("#heat-map rect.cell").count() == 7 * 24
        assert page.locator("svg.trend rect.bar").count() >= 28
        assert page.locator("svg.bars").is_visible()
        page.screenshot(path=shots / "store.png", full_page=True)
        page.goto(f"{server.url}/fleet")
        assert page.locator("#fleet tr[data-device=k1]").is_visible()
        page.screenshot(path=shots / "fleet.png", full_page=True)
        assert watch.problems == []


def test_the_login_page_cannot_be_framed(hq, browser, shots):  # noqa: F811
    with LiveServer(hq.app) as server:
        page = browser.new_page()
        watch = Watch(page)
        page.set_content(f'<iframe src="{server.url}/login" width="600" height="400"></iframe>')
        page.wait_for_timeout(1000)
        frame = page.frame_locator("iframe")
        assert frame.locator("input[name=password]").count() == 0
        assert any("frame-ancestors" in p or "X-Frame-Options" in p for p in watch.problems)
        page.screenshot(path=shots / "framed-login.png")


def test_docs_render_from_hq_itself_under_its_csp(hq, browser, shots):  # noqa: F811
    with LiveServer(hq.app) as server:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        watch = Watch(page)
        requested: list[str] = []
        page.on("request", lambda r: requested.append(r.url))
        page.goto(f"{server.url}/docs")
        page.wait_for_selector(".swagger-ui .opblock")
        assert page.locator(".swagger-ui .opblock").count() >= 7
        assert page.locator(".swagger-ui .title").inner_text().startswith("Hymiö HQ")
        # Try it out: the request Swagger UI makes is allowed too (connect-src 'self').
        health = page.locator(".opblock-get", has_text="/healthz")
        health.locator(".opblock-summary").click()
        health.locator("button.try-out__btn").click()
        health.locator("button.execute").click()
        answered = health.locator(".live-responses-table tbody .response-col_status")
        answered.wait_for()
        assert answered.inner_text().strip() == "200"
        answered.scroll_into_view_if_needed()
        page.screenshot(path=shots / "docs.png", full_page=False)
        assert watch.problems == []
        assert all(url.startswith(server.url) for url in requested), requested
