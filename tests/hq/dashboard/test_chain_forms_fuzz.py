"""The stores', kiosks' and touchpoints' forms with whatever a browser (or an attacker) can send, on
SQLite and PostgreSQL: never a 5xx, and whatever is refused changes nothing."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.hq.api.test_chain_fuzz import _state
from tests.hq.conftest import csrf_of, log_in

FORMS = {
    "/chain/stores": ("id", "name", "timezone", "region"),
    "/chain/stores/{}/name": ("name",),
    "/chain/stores/{}/region": ("region",),
    "/chain/stores/{}/timezone": ("timezone",),
    "/chain/stores/{}/hours": ("mon", "tue", "wed", "sun"),
    "/chain/stores/{}/exceptions": ("day", "hours", "note"),
    "/chain/stores/{}/exceptions/2026-12-24/remove": (),
    "/chain/stores/{}/retire": (),
    "/chain/devices/{}/name": ("name",),
    "/chain/devices/{}/store": ("store",),
    "/chain/devices/{}/retire": (),
    "/chain/devices/{}/token": (),
    "/chain/stores/{}/touchpoints": ("name", "stage"),
    "/chain/devices/{}/stage": ("stage",),
    "/chain/devices/{}/retire-link": (),
}
ODD = ["", "s1", "s2", "k1", "k2", "entrance", "after_purchase", "closed", "08:00-21:00",
       "08:00-12:00,13:00-18:00", "25:00-26:00", "2026-12-24", "2026-02-30", "Europe/Helsinki",
       "Mars/X", "\x00", "<b>", "x" * 300, "\ud7ff", "../", "%00", "line\nbreak"]  # fmt: skip
TEXT = st.text(st.characters(codec="utf-8"), max_size=30) | st.sampled_from(ODD)


def test_no_store_or_kiosk_form_gives_a_5xx_and_a_refusal_changes_nothing(hq):
    log_in(hq)
    csrf = csrf_of(hq.client.get("/chain/stores").text)
    seen: set[int] = set()

    @settings(max_examples=150, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(form=st.sampled_from(sorted(FORMS)), target=TEXT,
           values=st.lists(TEXT, min_size=4, max_size=4), good_csrf=st.booleans())  # fmt: skip
    @example(form="/chain/devices/{}/stage", target="k1", values=["checkout", "", "", ""],
             good_csrf=True)  # fmt: skip
    def check(form, target, values, good_csrf):
        path = form.format(quote(target, safe="")) if "{}" in form else form
        data = dict(zip(FORMS[form], values, strict=False))
        data["csrf"] = csrf if good_csrf else "forged"
        before = _state(hq)
        answer = hq.client.post(path, data=data, follow_redirects=False)
        seen.add(answer.status_code)
        assert answer.status_code < 500, (path, data, answer.text[:300])
        if answer.status_code >= 400:
            assert _state(hq) == before, (path, data, answer.status_code)

    check()
    assert {400, 403, 404} <= seen and (seen & {200, 303})
