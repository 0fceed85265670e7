"""A web link's QR poster (issue 32): an A4 PDF in fi, sv and en with the store's name, the
survey's question in that language, "scan to tell us", the link in text and a QR code
that holds the link; printed from the chain's store page; refused clearly otherwise."""

from __future__ import annotations

import io

import pypdf
import pytest
import segno

from hq.dashboard.chain.posters import poster_html, poster_of
from hq.fleet.surveys import set_survey
from hq.fleet.touchpoints import add_web_link, retire_web_link
from hq.people.admin import add_user
from hq.people.roles import set_role
from hq.tables.models import Device
from tests.hq.conftest import PASSWORD, csrf_of, log_in
from tests.hq.fleet.qr_reading import svg_matrix

QUESTIONS = {"fi": "Löysitkö etsimäsi?", "sv": "Hittade du det du sökte?", "en": "Did you find it?"}
SCAN = {
    "fi": "Skannaa ja kerro meille",
    "sv": "Skanna och berätta för oss",
    "en": "Scan to tell us",
}
A4 = (595, 842)  # points


@pytest.fixture
def code(hq):
    """A web link of Kamppi (s1) whose survey asks QUESTIONS."""
    survey = {
        "survey": {"question": QUESTIONS, "scale": "smiley4"},
        "hours": {},
    }
    with hq.sessions() as s:
        set_survey(s, "s1", "", survey, hq.clock.now)
        return add_web_link(s, None, "s1", "Till", "checkout", hq.clock.now).code


def text_of(pdf: bytes) -> tuple[str, list]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(p.extract_text().split()) for p in reader.pages), reader.pages


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_poster_speaks_its_language_and_holds_the_link(hq, code, lang):
    log_in(hq)
    answer = hq.client.get(f"/chain/touchpoints/{code}/poster.pdf?lang={lang}")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert f"hymio-poster-{code}-{lang}.pdf" in answer.headers["content-disposition"]
    text, pages = text_of(answer.content)
    assert len(pages) == 1
    width, height = (round(float(v)) for v in pages[0].mediabox[2:])
    assert (width, height) == A4
    assert "Kamppi" in text and QUESTIONS[lang] in text and SCAN[lang] in text
    assert f"testserver/r/{code}" in text
    others = [QUESTIONS[o] for o in QUESTIONS if o != lang]
    assert not any(q in text for q in others)


def test_the_qr_code_holds_the_link_module_for_module(hq, code):
    with hq.sessions() as s:
        device = s.get(Device, f"web-{code}")
        poster = poster_of(s, device, "https://hq.example.fi/", hq.clock.now, "sv")
    assert poster.url == f"https://hq.example.fi/r/{code}"
    html = poster_html(poster)
    svg = html.split('<div class="qr">')[1].split("</div>")[0]
    made = segno.make_qr(poster.url, error="m", boost_error=False)
    assert svg_matrix(svg) == [list(map(bool, row)) for row in made.matrix]
    other = segno.make_qr(poster.url + "x", error="m", boost_error=False)
    assert svg_matrix(svg) != [list(map(bool, row)) for row in other.matrix]
    assert "<title>Enkätens QR-kod</title>" in svg
    assert "hq.example.fi/r/" + code in html and "https://" not in html.split("<body>")[1]


def test_the_stores_page_links_a_poster_in_each_language(hq, code):
    log_in(hq)
    page = hq.client.get("/chain/stores/s1").text
    for lang in ("fi", "sv", "en"):
        assert f'href="/chain/touchpoints/{code}/poster.pdf?lang={lang}"' in page


def test_the_built_in_question_when_the_store_has_no_survey(hq):
    with hq.sessions() as s:
        other = add_web_link(s, None, "s2", "", "", hq.clock.now).code
    log_in(hq)
    text, _ = text_of(hq.client.get(f"/chain/touchpoints/{other}/poster.pdf?lang=fi").content)
    assert "Miten onnistuimme tänään?" in text and "Tampere" in text


def test_a_poster_is_refused_clearly(hq, code):
    path = f"/chain/touchpoints/{code}/poster.pdf"
    assert hq.client.get(path, follow_redirects=False).status_code == 303  # log in first
    log_in(hq)
    wrong = hq.client.get(path + "?lang=de")
    assert wrong.status_code == 400 and "fi, sv or en, not de" in wrong.text
    assert hq.client.get("/chain/touchpoints/nosuchcode/poster.pdf").status_code == 404
    assert hq.client.get("/chain/touchpoints/k1/poster.pdf").status_code == 404  # a kiosk
    with hq.sessions() as s:
        retire_web_link(s, None, f"web-{code}", hq.clock.now)
    assert hq.client.get(path).status_code == 404


def test_a_poster_of_a_store_one_does_not_see_is_not_there(hq, code):
    with hq.sessions() as s:
        add_user(s, "tampere", PASSWORD, hq.clock.now)
        set_role(s, "tampere", "manager", "store:s2")
    page = hq.client.get("/login").text
    data = {"username": "tampere", "password": PASSWORD, "csrf": csrf_of(page)}
    assert hq.client.post("/login", data=data, follow_redirects=False).status_code == 303
    answer = hq.client.get(f"/chain/touchpoints/{code}/poster.pdf?lang=fi")
    assert answer.status_code == 404 and "Kamppi" not in answer.text
