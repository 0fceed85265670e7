"""A campaign's own reasons (issue 29) get their labels in the export: the kiosk sent the
key (``gifts``) under the campaign's version, and HQ labels it from the campaign's survey."""

from __future__ import annotations

from datetime import date

from hq.fleet.survey.campaigns import schedule_campaign
from hq.fleet.survey.draft import read_draft
from hq.people.access import access_of
from tests.hq.exports import at, csv_rows

CAMPAIGN = {
    "question": {"fi": "Löysitkö lahjan?", "sv": "Hittade du en gåva?", "en": "Found a gift?"},
    "reasons": [{"key": "queue"}, {"key": "gifts", "label": {"fi": "Lahjat", "sv": "Gåvor",
                                                              "en": "Gifts"}}],
}  # fmt: skip


def test_a_campaigns_own_reason_is_labelled_in_the_export(hq):
    with hq.sessions() as s:
        admin = access_of(s, "user:admin", "admin", "")
        day = date(2026, 11, 19)
        schedule_campaign(s, admin, "store:s1", read_draft(CAMPAIGN), day, day, hq.clock.now)
    ratings = [
        hq.rating(reason="gifts", recorded_at=at(2026, 11, 19, 8), config_version=1),
        hq.rating(reason="queue", recorded_at=at(2026, 11, 19, 9), config_version=1),
    ]
    assert hq.post(ratings).status_code == 200
    for lang, gifts, queue in (("fi", "Lahjat", "Jono"), ("sv", "Gåvor", "Kön"),
                               ("en", "Gifts", "Queue")):  # fmt: skip
        assert [r["reason_label"] for r in csv_rows(hq, f"?lang={lang}")] == [gifts, queue]
