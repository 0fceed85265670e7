"""Setting keys in a settings file's text (``kiosk.settings.edit``, used by ``hymio
enroll``), with generated files and values: the key reads back as the value, every other
key and every comment stays as it was."""

from __future__ import annotations

import tomllib

from hypothesis import given
from hypothesis import strategies as st

from kiosk.settings.edit import set_values, toml_string

texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
comments = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=20)
# How the key stands in [hq] before: absent, commented out, or set (with a comment after).
befores = st.sampled_from(["absent", "commented", "set", "set-literal", "set-number"])


def settings_text(before: str, old: str, comment: str) -> str:
    line = {
        "absent": "",
        "commented": f'# url = "https://hq.example.com"  # {comment}\n',
        "set": f"url = {toml_string(old)}   # {comment}\n",
        "set-literal": "url = 'C:\\\\hq'\n",
        "set-number": "url = 42#no space\n",
    }[before]
    return (
        f'# Hymiö settings  # {comment}\n[device]\nid = "k1"  # the id\n\n'
        f"[hq]\n# {comment}\n{line}interval = 60  # seconds\n\n"
        f'[storage]\npath = "/var/lib/hymio/ratings.db"\n'
    )


def comment_lines(text: str) -> list[str]:
    return [line[line.index("#") :] for line in text.splitlines() if "#" in line]


@given(before=befores, old=texts.filter(lambda t: "#" not in t), comment=comments,
       url=texts, token=texts)  # fmt: skip
def test_set_keys_read_back_and_nothing_else_moves(before, old, comment, url, token):
    text = settings_text(before, old, comment)
    edited = set_values(text, "hq", {"url": url, "token": token})
    data = tomllib.loads(edited)
    assert data["hq"]["url"] == url and data["hq"]["token"] == token
    assert data["hq"]["interval"] == 60 and data["device"] == {"id": "k1"}
    assert data["storage"] == tomllib.loads(text)["storage"]
    kept = comment_lines(edited)
    for line in comment_lines(text):
        if not line.startswith("#no space"):  # set-number: the value's own comment, kept below
            assert any(k.startswith(line[:20]) for k in kept), line
    assert edited.count("\n") - text.count("\n") == (2 if before in ("absent", "commented") else 1)


@given(url=texts)
def test_a_missing_table_is_added_at_the_end(url):
    edited = set_values('[device]\nid = "k1"\n', "hq", {"url": url})
    assert tomllib.loads(edited) == {"device": {"id": "k1"}, "hq": {"url": url}}
