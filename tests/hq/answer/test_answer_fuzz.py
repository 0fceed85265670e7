"""The web survey's forms fuzzed (issue 32): whatever a browser or a script posts to
``/r/<code>`` and ``/r/<code>/more`` — any fields, any text, any bytes — HQ answers a page
with a 2xx, 3xx or 4xx, never a 5xx, and a refused post changes nothing."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from tests.hq.answer.test_web_answers import form_of, link  # noqa: F401 (fixture)

FIELDS = ["lang", "survey", "question", "version", "scale", "sig", "score", "t", "reason",
          "words", "skip", "other"]  # fmt: skip
STATE = ("SELECT id, reason, flag FROM ratings ORDER BY id",
         "SELECT rating_id FROM web_followups ORDER BY rating_id",
         "SELECT rating_id, text FROM comments ORDER BY rating_id")  # fmt: skip


def _state(hq) -> list:
    with hq.sessions() as s:
        return [s.execute(text(q)).all() for q in STATE]


def test_any_form_is_a_page_and_a_refusal_changes_nothing(hq, link):  # noqa: F811
    good = form_of(hq.client.get(f"/r/{link}").text)
    values = st.one_of(st.text(max_size=40), st.sampled_from([*good.values(), "1", "queue"]))

    @settings(max_examples=60, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(
        path=st.sampled_from([f"/r/{link}", f"/r/{link}/more", "/r/nosuch/more"]),
        fields=st.dictionaries(st.sampled_from(FIELDS), values, max_size=8),
        keep_good=st.booleans(),
        raw=st.one_of(st.none(), st.binary(max_size=200)),
    )
    def check(path, fields, keep_good, raw):
        before = _state(hq)
        hq.client.cookies.clear()
        if raw is not None:
            kind = {"Content-Type": "application/x-www-form-urlencoded"}
            sent = hq.client.post(path, content=raw, headers=kind, follow_redirects=False)
        else:
            data = {**good, **fields} if keep_good else fields
            sent = hq.client.post(path, data=data, follow_redirects=False)
        assert sent.status_code < 500, (path, fields, sent.text[:300])
        if sent.status_code >= 400:
            assert sent.headers["content-type"].startswith("text/html")
            assert _state(hq) == before

    check()
