"""The business figures as a store manager does them, in Chromium on a phone (390 px) in
Swedish and at 1 366 px in Finnish: a file with a wrong line is refused with every
problem named in their language and nothing written; the fixed file goes in; the store
page then shows the response rate that the ratings and the figures give."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.hq.conftest import LiveServer
from tests.hq.dashboard.test_dashboard import ARTIFACTS, _fill, _log_in, browser  # noqa: F401
from tests.hq.people.test_access import chain  # noqa: F401 -- the fixture

HEAD = "store;date;hour;transactions;sales;footfall;staff\n"


@pytest.mark.parametrize(
    ("width", "language", "says"),
    [(390, "sv", ("Inget importerades", "är inte ett heltal ≥ 0", "Svarsfrekvens")),
     (1366, "fi", ("Mitään ei tuotu", "ei ole kokonaisluku ≥ 0", "Vastausaktiivisuus"))],
)  # fmt: skip
def test_a_manager_imports_figures_and_sees_the_response_rate(hq, chain, browser, tmp_path,  # noqa: F811
                                                              width, language, says):  # fmt: skip
    _fill(hq)
    now = hq.clock.now
    days = [
        (now - timedelta(days=d)).date().isoformat() for d in range(26)
    ]  # from 26 Oct: after the clocks went back
    good = HEAD + "".join(f"s1;{d};{h};{30 + h};{100 + h},50;{120 + h};2,5\n"
                          for d in days for h in range(0, 24))  # fmt: skip
    bad = good + f"s1;{days[0]};25;3;;;\ns1;{days[1]};9;kolme;;;\n"
    (tmp_path / "bad.csv").write_text(bad, encoding="utf-8")
    (tmp_path / "good.csv").write_text(good, encoding="utf-8")
    ARTIFACTS.mkdir(exist_ok=True)
    with LiveServer(hq.app) as server:
        context = browser.new_context(viewport={"width": width, "height": 844},
                                      extra_http_headers={"Accept-Language": language})  # fmt: skip
        page = context.new_page()
        _log_in(page, server.url, "south")
        page.goto(f"{server.url}/business")
        page.set_input_files("input[name=file]", str(tmp_path / "bad.csv"))
        page.click("#upload button[type=submit]")
        problems = page.locator("#problems")
        assert says[0] in problems.inner_text() and says[1] in problems.inner_text()
        assert problems.locator("tbody tr").count() == 2
        problems.screenshot(path=str(ARTIFACTS / f"business-refused-{width}-{language}.png"))
        page.set_input_files("input[name=file]", str(tmp_path / "good.csv"))
        page.click("#upload button[type=submit]")
        assert page.locator("#imported").is_visible()
        page.goto(f"{server.url}/stores/s1")
        rate = page.locator("#response-rate")
        assert says[2] in rate.inner_text()
        shown = rate.locator("[data-rate='1'] [data-col=per-100]").inner_text()
        wide = page.evaluate("document.documentElement.scrollWidth")
        rate.screenshot(path=str(ARTIFACTS / f"business-rate-{width}-{language}.png"))
        context.close()
    api = hq.client.get("/api/v1/stores/s1/business",
                        headers={"Authorization": f"Bearer {hq.reader_token}"}).json()  # fmt: skip
    expected = api["per_transactions"]["per_100"]
    assert shown == (f"{expected:.1f}".replace(".", ",")), (shown, expected)
    assert api["per_transactions"]["of"] == sum(30 + h for h in range(24)) * 26
    assert wide <= width
