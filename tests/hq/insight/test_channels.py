"""Splits by channel (kiosk | web) and touchpoint (issue 32): the store page's section with
each figure's n, the note that phone answerers are not till pressers, completeness for
kiosks only, the privacy guard; the ranking of one channel; SQLite and PostgreSQL."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from hq.fleet.touchpoints import add_web_link
from hq.insight.channels import channel_span_counts, channel_split
from hq.people.admin import add_device, add_store
from hq.tables.models import Rating, Store
from hq.tables.rollups import rebuild
from kiosk.timekeeping.localtime import to_utc_text
from tests.hq.conftest import log_in

NOTE = {
    "en": "People who answer on a phone are not the same people who press at a till",
    "fi": "Puhelimella vastaavat eivät ole samoja ihmisiä kuin kassalla painavat",
    "sv": "De som svarar i telefonen är inte samma personer som trycker vid kassan",
}


def send(hq, token, device, store, scores, days_ago=2):
    at = to_utc_text(hq.clock.now - timedelta(days=days_ago, hours=1))
    rows = [hq.rating(device_id=device, store_id=store, score=x, recorded_at=at) for x in scores]
    assert hq.post(rows, token).status_code == 200


def web_answers(hq, code, store, scores, days_ago=2):
    """Web answers of the link *code* as the web survey keeps them: ratings with the link
    as their device and source ``web``, counted into the kept counts."""
    at = to_utc_text(hq.clock.now - timedelta(days=days_ago, hours=2))
    with hq.sessions() as s:
        for x in scores:
            s.add(Rating(
                id=str(uuid.uuid4()), device_id=f"web-{code}", store_id=store, database_id="web",
                seq=uuid.uuid4().int % 2**62, survey_id="default", question_id="overall",
                config_version=1, scale="smiley4", score=x, source="web", reason=None,
                recorded_at=at, clock_synced=True, boot_id="web", mono_ns=0, flag=None,
                received_at=at,
            ))  # fmt: skip
        s.flush()
        rebuild(s, store)
        s.commit()


def link(hq, store="s1", name="Receipt", stage="after_purchase"):
    with hq.sessions() as s:
        return add_web_link(s, None, store, name, stage, hq.clock.now).code


def test_the_split_adds_the_touchpoints_up_by_channel(hq):
    code = link(hq)
    small = link(hq, name="Door poster", stage="entrance")
    send(hq, hq.token, "k1", "s1", [4] * 30 + [1] * 10)  # CSAT 75 %
    web_answers(hq, code, "s1", [4] * 6 + [1] * 4)  # CSAT 60 %
    web_answers(hq, small, "s1", [4, 4, 1])  # 3: fewer than 5
    with hq.sessions() as s:
        store = s.get(Store, "s1")
        day = (hq.clock.now - timedelta(days=2)).date()
        split = channel_split(s, store, day - timedelta(days=1), day, "smiley4", 5)
    assert split.has_web
    channels = {r.key: (r.n, r.figures["csat"]) for r in split.channels}
    assert channels == {"kiosk": (40, 75.0), "web": (13, 61.5)}
    rows = {r.key: (r.kind, r.stage, r.n, r.figures["csat"]) for r in split.touchpoints}
    assert rows == {
        "k1": ("kiosk", "", 40, 75.0),
        f"web-{code}": ("web", "after_purchase", 10, 60.0),
        f"web-{small}": ("web", "entrance", 3, None),  # the privacy guard
    }
    assert [r.kind for r in split.touchpoints] == ["kiosk", "web", "web"]


def test_a_store_without_web_links_shows_no_split(hq):
    send(hq, hq.token, "k1", "s1", [4] * 10)
    log_in(hq)
    page = hq.client.get("/stores/s1").text
    assert 'id="channels"' not in page


def test_the_store_page_shows_the_split_with_its_n_and_the_note(hq):
    code = link(hq)
    send(hq, hq.token, "k1", "s1", [4] * 20)
    web_answers(hq, code, "s1", [1] * 4)  # 4 web answers: n shown, figure hidden
    log_in(hq)
    page = hq.client.get("/stores/s1").text
    section = page.split('id="channels"')[1].split("</section>")[0]
    assert NOTE["en"] in section and "never “incomplete”" in section
    web = re.search(r'<tr data-channel="web">(.*?)</tr>', section).group(1)
    assert re.findall(r'class="num"[^>]*>([^<]*)<', web)[0] == "4"
    assert "fewer than 5 counted ratings: no figure" in web and ">–<" in web
    kiosk = re.search(r'<tr data-channel="kiosk">(.*?)</tr>', section).group(1)
    assert ">20<" in kiosk and ">100" in kiosk
    row = re.search(rf'<tr data-touchpoint="web-{code}".*?</tr>', section, re.S).group(0)
    assert "Receipt" in row and "After purchase" in row and "Web link" in row
    web_answers(hq, code, "s1", [4])  # the fifth: now the figure shows
    section = hq.client.get("/stores/s1").text.split('id="channels"')[1]
    web = re.search(r'<tr data-channel="web">(.*?)</tr>', section).group(1)
    assert ">5<" in web and ">20" in web  # CSAT 20 %


def test_the_note_speaks_finnish_and_swedish(hq):
    link(hq)
    send(hq, hq.token, "k1", "s1", [4] * 5)
    log_in(hq)
    for lang in ("fi", "sv"):
        page = hq.client.get("/stores/s1", headers={"Accept-Language": lang}).text
        assert NOTE[lang] in page, lang
    ranking = hq.client.get("/?channel=web", headers={"Accept-Language": "fi"}).text
    assert NOTE["fi"] in ranking


def test_the_ranking_of_one_channel(hq):
    with hq.sessions() as s:
        add_store(s, "s3", "Oulu", "Europe/Helsinki", hq.clock.now)
        k3 = add_device(s, "s3", "k3", hq.clock.now)
    code1, code3 = link(hq, "s1"), link(hq, "s3")
    send(hq, hq.token, "k1", "s1", [4] * 30)  # kiosks: s1 100 %
    send(hq, k3, "k3", "s3", [1] * 30)  # kiosks: s3 0 %
    web_answers(hq, code1, "s1", [1] * 25)  # web: s1 0 %
    web_answers(hq, code3, "s3", [4] * 25)  # web: s3 100 %
    with hq.sessions() as s:
        day = (hq.clock.now - timedelta(days=2)).date()
        counted = channel_span_counts(s, ["s1", "s3"], [(day, day)], "web")
    assert counted["s1"][0] == {("smiley4", 1, None): 25}
    assert counted["s3"][0] == {("smiley4", 4, None): 25}
    log_in(hq)

    def order(channel: str) -> list[str]:
        page = hq.client.get(f"/?channel={channel}").text
        table = page.split('id="ranking-csat"')[1].split("</table>")[0]
        return re.findall(r'data-store="([^"]+)" data-rank="1"', table)

    assert order("kiosk") == ["s1"] and order("web") == ["s3"]
    every = hq.client.get("/").text.split('id="ranking-csat"')[1].split("</table>")[0]
    assert re.search(r'data-store="s1".*?data-metric="count">55<', every, re.S)  # 30 of 55
    web = hq.client.get("/?channel=web").text
    assert 'data-complete="n/a"' in web and 'id="channel-note"' in web
    assert 'data-complete="n/a"' not in hq.client.get("/?channel=kiosk").text
    assert 'value="web" selected' in web
    assert "&amp;channel=web" in web.split('id="ranking-csat"')[1].split("</thead>")[0]


def test_a_channel_hq_does_not_know_is_a_400_naming_it(hq):
    log_in(hq)
    answer = hq.client.get("/?channel=fax")
    assert answer.status_code == 400 and "channel: &#39;fax&#39; is not kiosk or web" in answer.text


def test_the_daily_api_gives_the_split_under_the_same_guard(hq):
    code = link(hq)
    send(hq, hq.token, "k1", "s1", [4] * 10 + [1] * 10)
    web_answers(hq, code, "s1", [4, 4, 4])
    auth = hq.auth(hq.reader_token)
    body = hq.client.get("/api/v1/stores/s1/daily", headers=auth).json()
    split = body["by_channel"]["smiley4"]
    kiosk, web = split["channels"]
    assert (kiosk["channel"], kiosk["ratings"], kiosk["metrics"]["csat"]) == ("kiosk", 20, 50.0)
    assert (web["channel"], web["ratings"], web["metrics"]["csat"]) == ("web", 3, None)
    row = next(t for t in split["touchpoints"] if t["id"] == f"web-{code}")
    assert (row["stage"], row["name"], row["ratings"]) == ("after_purchase", "Receipt", 3)
    other = hq.client.get("/api/v1/stores/s2/daily", headers=auth).json()
    assert other["by_channel"] == {}  # no web link: nothing more
