"""A kiosk's question version is never renumbered (issue 30): ``set-survey`` raised the
version on every call, so setting the same survey again made a new "question version"
(breaking the store page's trend and the comparisons), and a kiosk's first own survey
started again at version 1, a number its store had already used for another survey.
Setting the same survey keeps its version; a change takes one new version, above every
version the store or its kiosks had; versions already given never change. On SQLite and
PostgreSQL."""

from __future__ import annotations

from hq.fleet.surveys import set_survey

FIVE = {"survey": {"scale": "smiley5"}, "hours": {}}
THREE = {"survey": {"scale": "smiley3"}, "hours": {"sun": "closed"}}
NPS = {"survey": {"scale": "nps"}, "hours": {}}


def version_of(hq, token: str | None = None) -> int:
    answer = hq.client.get("/api/v1/config", headers=hq.auth(token))
    assert answer.status_code == 200, answer.text
    return answer.json()["version"]


def test_the_same_survey_keeps_its_version_and_a_change_takes_one_new_one(hq):
    k2 = hq.extra_devices["k2"]  # a kiosk of the other store, s2
    with hq.sessions() as s:
        assert set_survey(s, "s1", "", FIVE, hq.clock.now) == 1
        assert set_survey(s, "s1", "", FIVE, hq.clock.now) == 1  # again: the same version
        assert set_survey(s, "s1", "", THREE, hq.clock.now) == 2  # a change: one more
        assert set_survey(s, "s1", "", THREE, hq.clock.now) == 2
    assert version_of(hq) == 2
    with hq.sessions() as s:
        # k1's own survey: a new number for the store, not 1 (the store's smiley5 was 1)
        assert set_survey(s, "s1", "k1", NPS, hq.clock.now) == 3
        assert set_survey(s, "s1", "k1", NPS, hq.clock.now) == 3
        assert set_survey(s, "s2", "", NPS, hq.clock.now) == 1  # each store numbers its own
    assert version_of(hq) == 3 and version_of(hq, k2) == 1
    with hq.sessions() as s:
        assert set_survey(s, "s1", "", THREE, hq.clock.now) == 2  # unchanged: still 2
        assert set_survey(s, "s1", "", FIVE, hq.clock.now) == 4  # back to smiley5: new, above k1's
    assert version_of(hq) == 3  # k1 keeps its own survey and version
