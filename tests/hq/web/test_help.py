"""``/help``: the documentation site as HQ serves it, built from docs/ as ``make docs``
builds it, under HQ's Content-Security-Policy, in Chromium at 1366 and 390 px; every help
link of the dashboard's templates reaches a page of it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from docs.build_help import build
from hq.server.app import create_app
from hq.web.help import INLINE, inline_hashes
from tests.hq.conftest import LiveServer
from tests.hq.dashboard.test_dashboard import ARTIFACTS, browser  # noqa: F401 -- the fixture

TEMPLATES = Path(__file__).resolve().parents[3] / "hq" / "dashboard" / "templates"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The documentation site, built as make docs builds it."""
    return build(tmp_path_factory.mktemp("help") / "site")


@pytest.fixture
def helped(site, tmp_path):
    app = create_app(f"sqlite:///{tmp_path / 'hq.db'}", help_site=site)
    yield app
    app.state.engine.dispose()


def test_help_redirects_to_the_sites_front_page_and_allows_only_its_own_scripts(helped, site):
    with TestClient(helped) as client:
        answer = client.get("/help", follow_redirects=False)
        assert answer.status_code == 307 and answer.headers["location"] == "/help/"
        page = client.get("/help/")
        ranking = client.get("/help/use-the-dashboard/ranking.html")
    assert page.status_code == 200 and "<title>Hymiö</title>" in page.text
    assert ranking.status_code == 200 and "Ranking" in ranking.text
    policy = page.headers["content-security-policy"]
    scripts = INLINE.findall(page.text)
    assert scripts, "MkDocs Material's pages start with inline scripts"
    for allowed in inline_hashes(site):
        assert allowed in policy
    assert "'unsafe-inline'" not in policy and "default-src 'none'" in policy
    # the hashes are of these pages' scripts: another script would be refused
    assert len(inline_hashes(site)) < 10


def test_help_serves_nothing_outside_the_site_and_not_mkdocs_404(helped, site):
    (site / "404.html").write_text("<a href='/'>root</a>")  # as MkDocs writes it
    with TestClient(helped) as client:
        for path in (
            "/help/404.html",
            "/help/no-such-page.html",
            "/help/../hq.db",
            "/help/%2e%2e/%2e%2e/etc/passwd",
            "/help/..%2fhq.db",
        ):
            answer = client.get(path)
            assert answer.status_code == 404, path
            assert "root</a>" not in answer.text
    (site / "404.html").unlink()


def test_an_hq_built_without_the_site_says_how_to_build_it(tmp_path):
    app = create_app(f"sqlite:///{tmp_path / 'hq.db'}", help_site=tmp_path / "none")
    with TestClient(app) as client:
        for path in ("/help", "/help/", "/help/use-the-dashboard/index.html"):
            answer = client.get(path)
            assert answer.status_code == 404 and "make docs" in answer.text, path
    app.state.engine.dispose()


def test_every_help_link_of_the_dashboard_reaches_a_page(site):
    links = {
        link
        for template in TEMPLATES.glob("*.html")
        for link in re.findall(r'href="/help/([^"#]+)', template.read_text(encoding="utf-8"))
    }
    assert "use-the-dashboard/index.html" in links  # the header's Help
    missing = sorted(link for link in links if not (site / link).is_file())
    assert missing == []


@pytest.mark.parametrize("width", [1366, 390])
def test_help_works_in_chromium_under_hqs_policy(helped, browser, width):  # noqa: F811
    with LiveServer(helped) as server:
        page = browser.new_page(viewport={"width": width, "height": 900})
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("response", lambda r: problems.append(r.url) if r.status >= 400 else None)
        page.goto(f"{server.url}/help")
        page.wait_for_load_state("networkidle")
        assert page.url == f"{server.url}/help/"
        page.goto(f"{server.url}/help/use-the-dashboard/ranking.html")
        page.wait_for_load_state("networkidle")
        if width < 600:  # the search hides behind its icon on a phone
            page.locator("label.md-header__button[for='__search']").click()
        page.locator("input.md-search__input").press_sequentially("ranking", delay=30)
        page.locator(".md-search-result__item").first.wait_for(timeout=10_000)
        found = page.locator(".md-search-result__item").count()
        page.screenshot(path=str(ARTIFACTS / f"hq-help-{width}.png"))
        page.close()
    assert found > 0
    assert problems == []  # a script refused by the policy is a console error
