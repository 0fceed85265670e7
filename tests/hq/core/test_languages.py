"""The dashboard in Finnish, Swedish and English (issue 18): the catalogues hold every text
of the templates and the code and nothing else, their placeholders match, the language
is the user's choice, else the browser's, else English, and dates and numbers are local.
Pages on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import threading
from datetime import UTC, date, datetime, timedelta
from importlib import resources

import pytest
import requests
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po
from sqlalchemy import select

from hq.core.errors import LanguageError
from hq.core.language import Language, language, negotiate
from hq.fleet.surveys import read_survey_file, set_survey
from hq.people.admin import add_user, set_language
from hq.tables.people import User
from hymio.cli import main
from kiosk.timekeeping.localtime import to_utc_text
from tests.hq.conftest import PASSWORD, LiveServer, csrf_of, log_in

LANGUAGES = ("fi", "sv", "en")
HQ = resources.files("hq")
# The templates are read as the app reads them: Jinja's i18n extension, trimmed; the
# scheduled reports' e-mail and PDF templates (hq/insight/scheduled/templates) and the
# web survey's pages (hq/answer/templates) too.
JINJA = {"extensions": "jinja2.ext.i18n", "trimmed": "true"}
TEMPLATES = ("dashboard/templates/**.html", "insight/scheduled/templates/**.html",
             "insight/scheduled/templates/**.txt", "answer/templates/**.html")  # fmt: skip
METHODS = [*((t, "jinja2") for t in TEMPLATES), ("**.py", "python")]
OPTIONS = dict.fromkeys(TEMPLATES, JINJA)
KEYWORDS = {**DEFAULT_KEYWORDS, "translate": None}  # Language.translate(text, **values)


def used() -> dict[str | tuple[str, str], str]:
    """Every msgid of the dashboard's templates and Python, and where it is first used."""
    found: dict = {}
    for path, line, message, _, _ in extract_from_dir(str(HQ), METHODS, OPTIONS, KEYWORDS):
        found.setdefault(message if isinstance(message, str) else tuple(message), f"{path}:{line}")
    return found


def catalogue(lang: str) -> dict:
    with (HQ / "core" / "locale" / lang / "LC_MESSAGES" / "hq.po").open("rb") as po:
        return {m.id if isinstance(m.id, str) else tuple(m.id): m for m in read_po(po) if m.id}


def test_the_code_and_the_templates_have_texts_to_translate():
    texts = used()
    assert len(texts) > 100
    assert "All stores" in texts and "Wrong username or password." in texts  # template, code
    assert "repeats (the same face again within the repeat window)" in texts  # N_ in figures


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_finnish_and_swedish_translate_every_text(lang):
    have = catalogue(lang)
    lacking = [
        f"{where}: {text!r}"
        for text, where in used().items()
        if text not in have or not all(_strings(have[text]))
    ]
    assert not lacking, f"hq/core/locale/{lang}/LC_MESSAGES/hq.po lacks:\n" + "\n".join(lacking)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_catalogue_keeps_a_text_no_longer_used(lang):
    stale = sorted(map(str, set(catalogue(lang)) - set(used())))
    assert not stale, f"hq/core/locale/{lang}/LC_MESSAGES/hq.po: no longer used: {stale}"


def _strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


PLACEHOLDER = re.compile(r"%\((\w+)\)s|\{(\w+)\}")
TAG = re.compile(r"</?\w+[^>]*>")


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_every_translation_keeps_the_placeholders_and_the_markup(lang):
    for text, message in catalogue(lang).items():
        english = text[0] if isinstance(text, tuple) else text
        wanted = {a or b for a, b in PLACEHOLDER.findall(english)}
        for translated in _strings(message):
            found = {a or b for a, b in PLACEHOLDER.findall(translated)}
            assert found == wanted, (lang, text, translated)
            tags = sorted(TAG.findall(translated))
            assert tags == sorted(TAG.findall(english)), (lang, text, translated)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "en"),
        ("", "en"),
        ("fi", "fi"),
        ("fi-FI,fi;q=0.9,en-US;q=0.8,en;q=0.7", "fi"),
        ("sv-FI", "sv"),
        ("de-DE,sv;q=0.5,fi;q=0.4", "sv"),  # the best it likes of those HQ speaks
        ("en;q=0.3, fi;q=0.8", "fi"),  # q-values, not order
        ("sv, fi", "sv"),  # equal q: the first
        ("de, fr", "en"),  # none HQ speaks
        ("*", "en"),
        ("fi;q=0", "en"),  # q=0: "not this one"
        ("fi;q=banana, sv", "sv"),
        ("xx" * 600, "en"),
    ],
)
def test_the_browsers_language_is_negotiated_from_accept_language(header, expected):
    assert negotiate(header) == expected


@pytest.mark.parametrize(
    ("lang", "csat", "thousands", "change", "day", "when"),
    [
        ("fi", "84,2", "12\xa0345", "-3,1", "pe 20.11.2026", "3 t sitten"),
        ("sv", "84,2", "12\xa0345", "-3,1", "fre 20 nov. 2026", "för 3 h sedan"),
        ("en", "84.2", "12,345", "-3.1", "Fri 2026-11-20", "3 h ago"),
    ],
)
def test_numbers_and_dates_are_local(lang, csat, thousands, change, day, when):
    words = language(lang)
    assert words.number(84.2) == csat
    assert words.number(84.0) == csat.replace("2", "0")  # one decimal, like str() of a figure
    assert words.number(12345) == thousands
    assert words.number(None) == "–"
    assert words.signed(-3.14) == change and words.signed(1.0).startswith("+1")
    assert words.day(date(2026, 11, 20)) == day == words.day("2026-11-20")
    now = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    assert words.ago(now, to_utc_text(now - timedelta(hours=3))) == when


def test_an_unknown_language_is_refused_and_the_rest_falls_back_to_english():
    with pytest.raises(ValueError, match="'de'"):
        language("de")
    assert Language("fi").gettext("a text no catalogue has") == "a text no catalogue has"


# --- the pages --------------------------------------------------------------------------------


def test_the_login_page_follows_the_browser(hq):
    finnish = hq.client.get("/login", headers={"Accept-Language": "fi-FI,fi;q=0.9,en;q=0.5"})
    assert '<html lang="fi">' in finnish.text and "Kirjaudu sisään" in finnish.text
    swedish = hq.client.get("/login", headers={"Accept-Language": "sv-SE"})
    assert '<html lang="sv">' in swedish.text and "Logga in" in swedish.text
    english = hq.client.get("/login", headers={"Accept-Language": "de"})
    assert '<html lang="en">' in english.text and "Log in" in english.text
    token = csrf_of(finnish.text)
    wrong = hq.client.post(
        "/login",
        data={"username": "admin", "password": "nope", "csrf": token},
        headers={"Accept-Language": "fi"},
    )
    assert wrong.status_code == 401 and "Väärä käyttäjätunnus tai salasana." in wrong.text


def _choose(hq, lang: str, page: str = "/stores/s1", **headers):
    token = csrf_of(hq.client.get(page).text)
    return hq.client.post(
        "/language",
        data={"csrf": token, "language": lang, "next": page},
        headers=headers,
        follow_redirects=False,
    )


def _saved(hq, username: str = "admin") -> str:
    with hq.sessions() as s:
        return s.scalar(select(User.language).where(User.username == username))


def test_the_language_picked_is_saved_for_the_user_and_wins_over_the_browser(hq):
    log_in(hq)
    assert '<html lang="en">' in hq.client.get("/").text
    chosen = _choose(hq, "sv")
    assert chosen.status_code == 303 and chosen.headers["location"] == "/stores/s1"
    assert _saved(hq) == "sv"
    page = hq.client.get("/stores/s1", headers={"Accept-Language": "fi"}).text
    assert '<html lang="sv">' in page and "<h2>I dag</h2>" in page
    assert '<option value="sv" lang="sv" selected>Svenska</option>' in page
    # Back to the browser's choice.
    assert _choose(hq, "").status_code == 303 and _saved(hq) == ""
    assert '<html lang="fi">' in hq.client.get("/", headers={"Accept-Language": "fi"}).text


@pytest.mark.parametrize("value", ["de", "FI", "fi ", "x" * 90])
def test_an_unknown_language_is_a_400_naming_the_field_and_changes_nothing(hq, value):
    log_in(hq)
    _choose(hq, "fi")
    refused = _choose(hq, value)
    assert refused.status_code == 400
    assert "language: " in refused.text and "fi, sv, en" in refused.text
    assert "nothing was changed" not in refused.text  # said in Finnish, the user's language
    assert "Mitään ei muutettu" in refused.text
    assert _saved(hq) == "fi"
    assert 'name="next" value="/"' in refused.text  # not back to POST /language


def test_the_picker_needs_the_forms_token_and_a_login_and_stays_on_this_site(hq):
    assert (
        hq.client.post("/language", data={"language": "fi"}, follow_redirects=False)
        .headers["location"]
        .endswith("/login")
    )
    log_in(hq)
    forged = hq.client.post("/language", data={"language": "fi", "csrf": "x"})
    assert forged.status_code == 403 and _saved(hq) == ""
    token = csrf_of(hq.client.get("/").text)
    for elsewhere in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        moved = hq.client.post(
            "/language",
            data={"csrf": token, "language": "en", "next": elsewhere},
            follow_redirects=False,
        )
        assert moved.headers["location"] == "/"


def test_the_store_page_in_finnish_has_finnish_words_numbers_dates_and_reasons(hq, tmp_path):
    survey = tmp_path / "survey.toml"
    survey.write_text(
        '[survey.followup]\nreasons = ["queue", "parking"]\n'
        '[survey.reason_text.parking]\nfi = "Pysäköinti"\nsv = "Parkering"\nen = "Parking"\n',
        encoding="utf-8",
    )
    with hq.sessions() as s:
        set_survey(s, "s1", "", read_survey_file(survey), hq.clock.now)
    ratings = [
        hq.rating(score=s, reason=r, flag=f)
        for s, r, f in [(1, "queue", None), (2, "parking", None), (4, None, None)] * 5
        + [(4, None, "repeat")]
    ]
    assert hq.post(ratings).status_code == 200
    log_in(hq)
    _choose(hq, "fi")
    page = hq.client.get("/stores/s1").text
    assert '<html lang="fi">' in page
    assert "<h2>Päivittäin</h2>" in page and "Miksi asiakkaat olivat tyytymättömiä" in page
    assert 'data-metric="csat">33,3<' in page  # 5 of 15 happy: a decimal comma
    assert "pe 20.11.2026" in page  # the daily table's day, with its weekday
    assert 'data-date="2026-11-20"' in page and 'value="2026-10-22"' in page  # machine-readable
    # as the kiosk says them (5 answers each: the privacy guard's floor)
    assert ">Jono</text>" in page and ">Pysäköinti</text>" in page
    assert "toistot (sama hymiö uudelleen toistoikkunan sisällä)" in page
    assert "Last seen" not in page and "Viimeksi yhteydessä" in page
    chosen = hq.client.get("/stores/s1?from=2026-11-01&to=2026-11-20").text
    assert (
        "1.11.2026 – 20.11.2026" in chosen and "Edeltävä jakso (12.10.2026 – 31.10.2026)" in chosen
    )
    assert 'data-period="2026-11-01 – 2026-11-20"' in chosen  # the keys stay English
    bad = hq.client.get("/stores/s1?from=2026-11-20&to=2026-11-01")
    assert bad.status_code == 400 and "on loppupäivän 2026-11-01 (to) jälkeen" in bad.text
    overview = hq.client.get("/").text
    assert "<h1>Kaikki myymälät</h1>" in overview
    assert ">Muutos</a>" in overview and ">Vaihda</button>" in overview  # two "Change"s
    fleet = hq.client.get("/fleet").text
    assert "<h1>Laitteet <small>2 laitetta 2 myymälässä</small></h1>" in fleet


def test_concurrent_requests_each_get_their_own_language(hq):
    with hq.sessions() as s:
        add_user(s, "annika", PASSWORD, hq.clock.now, "sv")
        add_user(s, "aino", PASSWORD, hq.clock.now, "fi")
    wrong: list[str] = []
    with LiveServer(hq.app) as server:
        browsers = {}
        for name in ("annika", "aino", "admin"):
            web = requests.Session()
            token = csrf_of(web.get(f"{server.url}/login").text)
            form = {"username": name, "password": PASSWORD, "csrf": token}
            assert web.post(f"{server.url}/login", data=form).ok
            browsers[name] = web
        expected = {"annika": "sv", "aino": "fi", "admin": "en"}
        start = threading.Barrier(len(browsers))

        def read(name: str) -> None:
            start.wait()
            for page in ("/", "/stores/s1", "/fleet") * 4:
                html = browsers[name].get(f"{server.url}{page}").text
                if f'<html lang="{expected[name]}">' not in html:
                    wrong.append(f"{name} {page}")

        threads = [threading.Thread(target=read, args=(n,)) for n in browsers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    assert not wrong


# --- the command line -------------------------------------------------------------------------


def test_add_user_and_set_language_save_it_and_refuse_unknown_ones(
    database_url, monkeypatch, capsys
):
    monkeypatch.setenv("HYMIO_HQ_PASSWORD", PASSWORD)
    db = ["--database", database_url]
    assert main(["hq", "add-store", *db, "--id", "s1", "--name", "A", "--timezone", "UTC"]) == 0
    with pytest.raises(SystemExit) as refused:
        main(["hq", "add-user", *db, "--username", "pekka", "--language", "de"])
    assert refused.value.code == 2 and "--language" in capsys.readouterr().err
    assert main(["hq", "add-user", *db, "--username", "pekka", "--language", "fi"]) == 0
    assert main(["hq", "add-user", *db, "--username", "lisa"]) == 0
    from hq.tables.database import open_database

    engine, sessions = open_database(database_url)
    try:

        def saved(name: str) -> str:
            with sessions() as s:
                return s.get(User, name).language

        assert saved("pekka") == "fi" and saved("lisa") == ""
        assert main(["hq", "set-language", *db, "--username", "lisa", "--language", "sv"]) == 0
        assert saved("lisa") == "sv"
        with pytest.raises(SystemExit) as refused:
            main(["hq", "set-language", *db, "--username", "lisa", "--language", "no"])
        assert refused.value.code == 2 and saved("lisa") == "sv"
        assert main(["hq", "set-language", *db, "--username", "nobody", "--language", "en"]) == 1
        assert "no user 'nobody'" in capsys.readouterr().err
        assert main(["hq", "set-language", *db, "--username", "lisa", "--language", "browser"]) == 0
        assert saved("lisa") == ""
        with sessions() as s, pytest.raises(LanguageError, match="'de'"):
            set_language(s, "lisa", "de")
    finally:
        engine.dispose()


def test_the_commands_languages_are_the_kiosks():
    from hq.cli.commands import DASHBOARD_LANGUAGES
    from kiosk.settings.survey import LANGUAGES as KIOSK

    assert DASHBOARD_LANGUAGES == KIOSK == LANGUAGES
