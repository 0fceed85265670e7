"""A region's report opens with the region's totals (issue 30), the same figures as the
region's page for the same days; a store's report has none. SQLite and PostgreSQL."""

from __future__ import annotations

import re

from hq.insight.scheduled.sending import send_due_reports
from tests.hq.conftest import log_in
from tests.hq.insight.scheduled.test_report_mail import (  # noqa: F401 (the fixture)
    DAYS,
    MONDAY,
    chain,
    html_text,
    subscribe,
)
from tests.hq.mailbox import Mailbox


def test_a_regions_report_has_the_regions_totals_as_its_page(chain, tmp_path):  # noqa: F811
    hq = chain
    subscribe(hq, "region:south", ["boss@example.com"], "en")
    subscribe(hq, "store:s1", ["kamppi@example.com"], "en")
    with Mailbox(tmp_path) as box:
        assert send_due_reports(hq.sessions, MONDAY, box.settings()) == 2
        by_to = {m["To"]: m for m in box.messages}
    region = by_to["boss@example.com"].get_body(("html",)).get_content()
    total = region.split('id="region-total"')[1].split("</p>")[0]
    count = re.search(r'data-metric="count">([^<]+)<', total).group(1)
    csat = re.search(r'data-metric="csat">([^<]+)<', total).group(1)
    log_in(hq)
    page = hq.client.get(f"/regions/south?{DAYS}&compare=previous").text
    card = page.split('<div class="card" data-period="')[1].split("</div>")[0]
    assert re.search(r'data-metric="count">([^<]+)<', card).group(1) == count
    shown = re.search(r'data-metric="csat">([^<]+)<', card).group(1)  # the admin reads Finnish
    assert shown.replace(",", ".") == csat
    assert int(count.replace("\u00a0", "")) > 400  # 3 stores, a week
    assert "Etelä in total" in html_text(by_to["boss@example.com"])
    assert 'id="region-total"' not in by_to["kamppi@example.com"].get_body(("html",)).get_content()
    text = by_to["boss@example.com"].get_body(("plain",)).get_content()
    assert f"Etelä in total: Ratings {count}" in text
