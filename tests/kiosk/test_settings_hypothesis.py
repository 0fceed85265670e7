"""Generated settings files: a :class:`SettingsError` or good settings, never a traceback."""

from __future__ import annotations

import datetime as dt
import json
import string
import tomllib

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.errors import SettingsError
from kiosk.settings.load import load_settings, parse_settings
from kiosk.settings.model import TABLES, Settings

PATH = "/etc/hymio/kiosk.toml"
KEYS = {name: list(type(getattr(parse_settings({}), name)).model_fields) for name in TABLES}

scalars = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.integers(min_value=0, max_value=40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=30),
    st.sampled_from(["smiley3", "smiley5", "nps", "ces", "happy", "08:00-12:00", "closed",
                     "Europe/Helsinki", "Mars/Olympus", "https://hq.test", "fi", "queue"]),
    st.dates(),
    st.times(),
    st.datetimes(timezones=st.just(dt.UTC)),
)  # fmt: skip
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)


def nested(kind: str, depth: int, leaf: object = 1) -> object:
    """*leaf* in *depth* lists or tables, built without recursion."""
    for _ in range(depth):
        leaf = [leaf] if kind == "list" else {"a": leaf}
    return leaf


# Deep nesting (Python's parser and validators recurse), NULs (no path or URL may hold
# one), and the BOM Windows editors write.
deep_values = st.builds(nested, st.sampled_from(["list", "table"]), st.integers(1, 3000), values)
nul_texts = st.sampled_from(["\0", "r\0.db", "/var/lib/hymio/\0", "https://hq.test/\0", "k\0"])
values = values | deep_values | nul_texts


@st.composite
def documents(draw) -> dict:
    doc = {}
    for table in draw(st.lists(st.sampled_from([*TABLES, "extra"]), unique=True, max_size=5)):
        known = KEYS.get(table, ["x"])
        keys = draw(st.lists(st.sampled_from(known) | st.text(min_size=1, max_size=8),
                             unique=True, max_size=4))  # fmt: skip
        doc[table] = {key: draw(values) for key in keys}
    if draw(st.booleans()):
        doc[draw(st.text(min_size=1, max_size=8))] = draw(values)
    return doc


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_generated_files_give_settings_or_a_settings_error(doc):
    try:
        result = parse_settings(doc, PATH)
    except SettingsError as e:
        assert e.problems
        assert str(e).startswith(f"settings file {PATH}")
        for key, text in e.problems:
            assert text.strip()
            assert key == "" or any(
                key.startswith((name, json.dumps(name, ensure_ascii=False))) for name in doc
            )
    else:
        assert isinstance(result, Settings)


BOM = "\ufeff".encode()


def deep_toml(kind: str, depth: int) -> bytes:
    """A TOML document nested *depth* deep, each kind a different path in the parser."""
    text = {
        "arrays": "a = " + "[" * depth + "]" * depth,
        "inline tables": "a = " + "{b = " * depth + "1" + "}" * depth,
        "table header": "[" + ".".join(["a"] * depth) + "]\nx = 1",
        "dotted key": ".".join(["a"] * depth) + " = 1",
        "survey": "[survey]\nquestion = " + "[" * depth + "]" * depth,
    }[kind]
    return (text + "\n").encode()


toml_texts = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=200).map(str.encode),
    st.builds(
        deep_toml, st.sampled_from(["arrays", "inline tables", "survey"]), st.integers(1, 30000)
    ),
    # tomllib takes quadratic time over a dotted key's parts (9 s for 20 000 parts)
    st.builds(deep_toml, st.sampled_from(["table header", "dotted key"]), st.integers(1, 3000)),
    # NULs: raw (TOML forbids them) and escaped into strings and keys
    st.builds(
        lambda where, text: where.replace("X", text).encode(),
        st.sampled_from(
            [
                '[storage]\npath = "X"\n',
                '[device]\nid = "X"\n',
                '"X" = 1\n',
                '[hq]\nurl = "X"\n',
                "X",
            ]
        ),
        st.sampled_from(["\\u0000", "r\\u0000.db", "\0", "a\0b"]),
    ),
)
hostile_bytes = toml_texts | toml_texts.map(lambda raw: BOM + raw)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_bytes)
def test_arbitrary_bytes_never_give_a_traceback(tmp_path_factory, raw):
    path = tmp_path_factory.mktemp("s") / "kiosk.toml"
    path.write_bytes(raw)
    try:
        result = load_settings(path)
    except SettingsError as e:  # `hymio` turns it into one message and exit code 2
        assert str(e).startswith(f"settings file {path}")
        assert "Traceback" not in str(e)
    else:
        assert isinstance(result, Settings)
        assert "\0" not in str(result.storage.path)


ids = st.text(string.ascii_letters + string.digits + "._-", min_size=1, max_size=63).map(
    lambda s: "k" + s
)
minutes = st.integers(0, 24 * 60)


@st.composite
def opening_hours(draw):
    cuts = sorted(draw(st.sets(minutes, min_size=0, max_size=6)))
    pairs = list(zip(cuts[::2], cuts[1::2], strict=False))
    if not pairs:
        return "closed"
    return [f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in pairs]


@settings(max_examples=150, deadline=None)
@given(
    device_id=ids,
    zone=st.sampled_from(["Europe/Helsinki", "Europe/Stockholm", "Asia/Kolkata", "UTC"]),
    scale=st.sampled_from(["smiley3", "smiley4", "smiley5"]),
    pins=st.permutations(list(range(2, 28))),
    leds=st.booleans(),
    behaviour=st.fixed_dictionaries(
        {
            "repeat_window": st.floats(0, 3600),
            "thank_you": st.floats(0.5, 30),
            "stuck_after": st.integers(1, 600),
        }
    ),
    hours=opening_hours(),
)
def test_valid_files_read_back_what_was_written(
    tmp_path_factory, device_id, zone, scale, pins, leds, behaviour, hours
):
    n = int(scale[-1])
    doc = {
        "device": {"id": device_id, "timezone": zone},
        "survey": {"scale": scale},
        "buttons": {"face_buttons": pins[:n], "face_leds": pins[n : 2 * n] if leds else []},
        "behaviour": behaviour,
        "hours": {"wed": hours},
    }
    path = tmp_path_factory.mktemp("s") / "kiosk.toml"
    path.write_text(tomli_w.dumps(doc))
    s = load_settings(path)
    assert tomllib.loads(path.read_text()) == doc
    assert (s.device.id, s.device.timezone, s.survey.scale) == (device_id, zone, scale)
    assert list(s.buttons.face_buttons) == pins[:n]
    assert len(s.buttons.face_leds) == (n if leds else 0)
    assert s.behaviour.repeat_window == behaviour["repeat_window"]
    assert s.behaviour.stuck_after == behaviour["stuck_after"]
    assert len(s.survey.faces) == n
    assert (s.hours.wed == ()) == (hours == "closed")
