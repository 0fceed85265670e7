"""The dashboard's pages with whatever a browser (or an attacker) can put in their URLs,
logged in and not, on SQLite and on PostgreSQL: never a 5xx, and a refused request changes
nothing. (The API's operations are fuzzed from the OpenAPI schema in test_schema_fuzz.)"""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hq.conftest import log_in

PATHS = st.sampled_from(
    ["/", "/fleet", "/stores/{}", "/stores/{}?from={}", "/stores/s1?from={}&to={}",
     "/stores/s1?compare={}&from={}", "/login?next={}",
     "/stores/{}/what-if?repeat_window={}", "/stores/s1/what-if?thank_you={}&from={}",
     "/stores/s1/what-if?repeat_window={}&to={}"]
)  # fmt: skip
ODD = ["s1", "s1\x00", "../s1", "%", "%00", "s1'--", "<script>", "\ud7ff", "9" * 400]
DAYS = ["2026-09-01", "2026-02-30", "0001-01-01", "9999-12-31", "year"]
SECONDS = ["6", "0", "3600", "3600.0001", "-0", "nan", "inf", "1e308", "0x10", "1_0", " 5 "]
TEXT = st.text(st.characters(codec="utf-8"), max_size=40) | st.sampled_from(ODD + DAYS + SECONDS)


def test_no_dashboard_url_gives_a_5xx(hq):
    seen: set[int] = set()

    @settings(max_examples=80, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(path=PATHS, values=st.lists(TEXT, min_size=2, max_size=2), logged_in=st.booleans())
    def check(path, values, logged_in):
        hq.client.cookies.clear()
        if logged_in:
            log_in(hq)
        url = path.format(*(quote(v, safe="") for v in values))
        before = hq.count()
        answer = hq.client.get(url, follow_redirects=False)
        seen.add(answer.status_code)
        assert answer.status_code < 500, (url, answer.text[:300])
        assert hq.count() == before

    check()
    assert 200 in seen and 303 in seen and (404 in seen or 400 in seen)
