"""The settings file: defaults that work, and mistakes named by file and key (SPEC §4)."""

from __future__ import annotations

import tomllib
from datetime import datetime
from pathlib import Path

import pytest

from kiosk.errors import SettingsError
from kiosk.pin import hash_pin
from kiosk.settings.load import EXAMPLE, load_settings, parse_settings
from kiosk.settings.model import TABLES, Settings
from kiosk.settings.survey import BUILTIN_REASONS


def problems(text: str, path: str = "/etc/hymio/kiosk.toml") -> dict[str, str]:
    with pytest.raises(SettingsError) as caught:
        parse_settings(tomllib.loads(text), path)
    assert str(caught.value).startswith(f"settings file {path}")
    return dict(caught.value.problems)


def one_problem(text: str) -> tuple[str, str]:
    found = problems(text)
    assert len(found) == 1, found
    return next(iter(found.items()))


def test_an_empty_file_is_a_working_kiosk(tmp_path):
    config = tmp_path / "kiosk.toml"
    config.write_text("")
    s = load_settings(config)
    assert s.source == config
    assert s.device.timezone == "Europe/Helsinki"
    assert str(s.device.tz) == "Europe/Helsinki"
    assert s.survey.scale == "smiley4"
    assert s.survey.faces == ("very_unhappy", "unhappy", "happy", "very_happy")
    assert s.buttons.face_buttons == (5, 6, 13, 19)
    assert s.buttons.face_leds == (17, 27, 22, 23)
    assert s.survey.question.fi == "Miten onnistuimme tänään?"
    assert s.survey.followup.reasons == tuple(BUILTIN_REASONS)
    assert (s.hq.url, s.hq.token, s.staff.pin_hash) == (None, None, None)
    assert s.behaviour.repeat_window == 6.0
    assert s.storage.path == Path("/var/lib/hymio/ratings.db")


def test_the_example_file_names_every_setting_and_loads():
    s = load_settings(EXAMPLE)
    assert s.hq.url == "https://hq.example.com"
    text = EXAMPLE.read_text()
    for table in TABLES:
        assert f"[{table}]" in text
        model = type(getattr(s, table))
        for key in model.model_fields:
            written = f"{key} = " in text or f"[{table}.{key}" in text
            assert written, f"{table}.{key} is missing from {EXAMPLE.name}"


def test_defaults_follow_the_scale():
    s = parse_settings(tomllib.loads("[survey]\nscale = 'smiley5'\n"))
    assert len(s.survey.faces) == 5
    assert s.buttons.face_buttons == (5, 6, 13, 19, 26)
    assert s.buttons.face_leds == (17, 27, 22, 23, 24)
    s = parse_settings(tomllib.loads("[survey]\nscale = 'smiley3'\n"))
    assert s.survey.faces == ("unhappy", "neutral", "happy")
    assert s.buttons.face_buttons == (5, 6, 13)
    nps = parse_settings(tomllib.loads("[survey]\nscale = 'nps'\n"))
    assert nps.survey.faces == ()
    assert nps.buttons.face_buttons == nps.buttons.face_leds == ()


def test_a_relative_database_path_is_beside_the_settings_file():
    s = parse_settings({"storage": {"path": "data/r.db"}}, "/etc/hymio/kiosk.toml")
    assert s.storage.path == Path("/etc/hymio/data/r.db")
    s = parse_settings({"storage": {"path": "/srv/r.db"}}, "/etc/hymio/kiosk.toml")
    assert s.storage.path == Path("/srv/r.db")


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ("[device]\ncolour = 'red'\n", "device.colour", "keys of [device] are id, store_id"),
        ("[devise]\nid = 'x'\n", "devise", "did you mean 'device'"),
        ("[buttons]\nface_buttons = [5, 6, '13', 19]\n", "buttons.face_buttons[2]", "whole number"),
        ("[buttons]\nstatus_led = 17\n", "buttons.status_led", "GPIO pin 17 is used twice"),
        ("[buttons]\nface_buttons = [5, 6, 13, 40]\n", "buttons.face_buttons[3]", "pin 40 does"),
        ("[buttons]\nface_buttons = [5, 6, 13]\n", "buttons.face_buttons", "give 4 button pins"),
        ("[buttons]\nface_leds = [17]\n", "buttons.face_leds", "one LED pin per button"),
        ("[device]\ntimezone = 'Europe/Helsingfors'\n", "device.timezone", "not an IANA"),
        ("[device]\nid = 'kiosk 1'\n", "device.id", "is not an id"),
        ("[survey]\nfaces = ['unhappy', 'neutral', 'happy']\n", "survey.faces", "has 4 faces"),
        ("[survey]\nfaces = ['happy', 'unhappy', 'neutral', 'very_happy']\n", "survey.faces",
         "most unhappy to the most happy"),
        ("[survey]\nscale = 'smiley7'\n", "survey.scale", "must be one of 'smiley3'"),
        ("[survey]\nscale = 'ces'\n[buttons]\nface_buttons = [5]\n", "buttons.face_buttons",
         "ces is touch-only"),
        ("[survey]\nlanguages = ['fi', 'de']\n", "survey.languages[1]", "'de'"),
        ("[survey]\ndefault_language = 'en'\nlanguages = ['fi']\n", "survey.default_language",
         "not in survey.languages"),
        ("[survey.question]\nfi = 'Moi'\n", "survey.question.sv", "each language needs"),
        ("[survey.followup]\nreasons = ['queue', 'wifi']\n", "survey.reason_text.wifi.fi",
         "not built in"),
        ("[survey.followup]\nreasons = ['queue', 'queue']\n", "survey.followup.reasons",
         "listed twice"),
        ("[survey.followup]\nask = 'sometimes'\n", "survey.followup.ask", "'negative'"),
        ("[survey.followup.prompt]\nfi = 'Miksi?'\n", "survey.followup.prompt.sv",
         "each language, or in none"),
        ("[survey.thanks]\nen = 'Cheers'\n", "survey.thanks.fi", "each language, or in none"),
        ("[survey.reason_pictogram]\nqueue = 'rocket'\n", "survey.reason_pictogram.queue",
         "'cart'"),
        ("[[survey.alternates]]\nquestion_id = 'overall'\n", "survey.alternates[0].question_id",
         "is taken"),
        ("[[survey.alternates]]\nquestion_id = 'b'\n[survey.alternates.question]\nfi = 'B'\n",
         "survey.alternates[0].question.sv", "each language needs"),
        ("[survey.reason_pictogram]\nwifi = 'other'\n", "survey.reason_pictogram.wifi",
         "not one of survey.followup.reasons"),
        ("[behaviour]\nthank_you = '3'\n", "behaviour.thank_you", "must be a number, not '3'"),
        ("[behaviour]\nrepeat_window = -1\n", "behaviour.repeat_window", "at least 0"),
        ("[behaviour]\nstuck_after = inf\n", "behaviour.stuck_after", "finite number"),
        ("[behaviour]\nthank_you = true\n", "behaviour.thank_you", "must be a number, not True"),
        ("[hours]\nmon = '21:00-08:00'\n", "hours.mon", "ends before it starts"),
        ("[hours]\nsat = ['08:00-12:00', '11:00-13:00']\n", "hours.sat", "overlap"),
        ("[hours]\nsun = 'Sundays'\n", "hours.sun", "not a time range"),
        ("[hq]\nurl = 'hq.example.com'\n", "hq.url", "not a web address"),
        ("[hq]\ntoken = 'two words'\n", "hq.token", "must not contain spaces"),
        ("[hq]\ninterval = 1\n", "hq.interval", "at least 5"),
        ("[staff]\npin_hash = '1234'\n", "staff.pin_hash", "python -m kiosk.pin"),
        ("[staff]\ncorner = 'middle'\n", "staff.corner", "'top-right'"),
        ("[storage]\npath = 7\n", "storage.path", "file path in quotes"),
        ("device = 'kiosk-1'\n", "device", "must be a table"),
    ],
)  # fmt: skip
def test_each_mistake_names_its_key(text, key, words):
    found = problems(text)
    assert key in found, found
    assert words in found[key]


def test_every_problem_is_reported_at_once():
    found = problems("[device]\ncolour = 1\n[behaviour]\nthank_you = 0\n[hours]\nmon = 'x'\n")
    assert set(found) == {"device.colour", "behaviour.thank_you", "hours.mon"}


def test_the_file_itself(tmp_path):
    missing = tmp_path / "nope.toml"
    with pytest.raises(SettingsError, match="no such file; copy .*kiosk.example.toml"):
        load_settings(missing)
    broken = tmp_path / "broken.toml"
    broken.write_text("[device\n")
    with pytest.raises(SettingsError, match=r"broken.toml: is not valid TOML: .*line 1"):
        load_settings(broken)
    latin = tmp_path / "latin.toml"
    latin.write_bytes("[survey.question]\nfi = 'Hyvä'\n".encode("latin-1"))
    with pytest.raises(SettingsError, match="is not UTF-8 text"):
        load_settings(latin)
    with pytest.raises(SettingsError, match="cannot be read"):
        load_settings(tmp_path)  # a folder


def test_opening_hours():
    s = parse_settings(
        tomllib.loads("[hours]\nmon = ['08:00-12:00', '13:00-24:00']\nsun = 'closed'\n")
    )
    assert s.hours.mon == ((480, 720), (780, 1440))
    monday = datetime(2026, 11, 23)
    assert s.hours.is_open(monday.replace(hour=8))
    assert not s.hours.is_open(monday.replace(hour=12, minute=30))
    assert s.hours.is_open(monday.replace(hour=23, minute=59))
    assert not s.hours.is_open(monday.replace(hour=7, minute=59))
    assert not s.hours.is_open(datetime(2026, 11, 22, 12))  # Sunday: closed
    assert s.hours.is_open(datetime(2026, 11, 24, 3))  # Tuesday: the default, always open


def test_the_followup_question():
    s = parse_settings({})
    assert [s.survey.asks_followup(score) for score in (1, 2, 3, 4)] == [True, True, False, False]
    never = parse_settings({"survey": {"followup": {"ask": "never"}}})
    assert not any(never.survey.asks_followup(score) for score in (1, 2, 3, 4))
    own = parse_settings(
        {
            "survey": {
                "followup": {"reasons": ["queue", "parking"]},
                "reason_text": {
                    "parking": {"fi": "Pysäköinti", "sv": "Parkering", "en": "Parking"}
                },
            }
        }
    )
    assert own.survey.reason_label("parking", "sv") == "Parkering"
    assert own.survey.reason_label("queue", "fi") == "Jono"


def test_the_surveys_own_prompt_thanks_and_pictograms():
    plain = parse_settings({})
    assert plain.survey.followup_prompt("fi") == "Mikä oli tärkein syy?"
    assert plain.survey.thanks_text("en") == "Thank you!"
    assert plain.survey.pictogram("queue") == ""
    own = parse_settings(
        {
            "survey": {
                "languages": ["sv"],
                "default_language": "sv",
                "followup": {"prompt": {"sv": "Vad hände?"}},
                "thanks": {"sv": "Tack ska du ha!"},
                "reason_pictogram": {"queue": "queue"},
            }
        }
    )
    assert own.survey.followup_prompt("sv") == "Vad hände?"
    assert own.survey.thanks_text("sv") == "Tack ska du ha!"
    assert Path(own.survey.pictogram("queue")).is_file()


def test_a_pin_hash_is_accepted_and_hidden_from_repr():
    pin_hash = hash_pin("2468")
    s = parse_settings({"staff": {"pin_hash": pin_hash}, "hq": {"token": "sekret-token"}})
    assert s.staff.pin_hash == pin_hash
    assert pin_hash not in repr(s)
    assert "sekret-token" not in repr(s)


def test_settings_are_frozen():
    s = parse_settings({})
    with pytest.raises(ValueError, match="frozen"):
        s.behaviour.thank_you = 1.0  # type: ignore[misc]
    assert isinstance(s, Settings)


def test_an_id_that_is_not_a_host_name_falls_back(monkeypatch):
    import kiosk.settings.model as model

    monkeypatch.setattr(model.socket, "gethostname", lambda: "bad host name!")
    assert parse_settings({}).device.id == "kiosk"
    monkeypatch.setattr(model.socket, "gethostname", lambda: "till-3")
    assert parse_settings({}).device.id == "till-3"


def test_an_exception_to_the_weekly_hours_wins_on_its_day():
    from datetime import datetime

    from kiosk.settings.model import Hours

    hours = Hours.model_validate(
        {"thu": "08:00-21:00", "exceptions": {"2026-12-24": "08:00-14:00", "2026-12-31": "closed"}}
    )
    assert hours.is_open(datetime(2026, 12, 24, 13, 0))  # a Thursday, its own hours
    assert not hours.is_open(datetime(2026, 12, 24, 15, 0))
    assert hours.is_open(datetime(2026, 12, 17, 15, 0))  # the Thursday before: the week's
    assert not hours.is_open(datetime(2026, 12, 31, 12, 0))  # a holiday, closed
    for bad in ({"24.12.2026": "closed"}, {"2026-02-30": "closed"}, {"2026-12-24": "8-14"}):
        with pytest.raises(ValueError, match="YYYY-MM-DD|not a time range"):
            Hours.model_validate({"exceptions": bad})


def test_hqs_exceptions_alone_keep_the_local_week_and_with_hqs_week_replace_it(tmp_path):
    from datetime import datetime

    from kiosk.settings.load import load_settings
    from kiosk.settings.overlay import merge

    path = tmp_path / "kiosk.toml"
    path.write_text('[hours]\nthu = "09:00-17:00"\n', encoding="utf-8")
    local = load_settings(path)
    holidays = {"exceptions": {"2026-12-24": "closed"}}
    merged = merge(local, {"version": 3, "survey": {}, "hours": holidays})
    assert merged.hours.thu == ((540, 1020),)  # the local week kept
    assert not merged.hours.is_open(datetime(2026, 12, 24, 10, 0))
    assert merged.hours.is_open(datetime(2026, 12, 17, 10, 0))
    week = {"thu": "12:00-13:00", **holidays}
    assert merge(local, {"version": 3, "survey": {}, "hours": week}).hours.thu == ((720, 780),)
