"""The enrolment link (issue 29): what HQ writes into an enrol code's QR code reads back
to the same address and code, whatever the address holds; anything else is refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.settings.enrol_link import EnrolLinkError, enrol_link, read_enrol_link

PATHS = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=40)
CODES = st.from_regex(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", fullmatch=True)


@given(scheme=st.sampled_from(["http", "https"]), path=PATHS, code=CODES)
def test_a_link_reads_back_to_its_address_and_code(scheme, path, code):
    hq = f"{scheme}://hq.example.fi:8443/{path}".rstrip("/")
    # an address that ends in "/" and white space ("…/\u2028") is written and read as one
    # without either, as every address is
    assert read_enrol_link(enrol_link(hq, code)) == (hq.strip().rstrip("/"), code)
    assert enrol_link(hq, code) == enrol_link(f" {hq}\t", code)


def test_the_link_is_one_line_of_its_own_scheme():
    link = enrol_link("https://hq.example.fi/", "ABCD-EFGH-JKLM")
    assert link == "hymio-enrol:?hq=https%3A%2F%2Fhq.example.fi&code=ABCD-EFGH-JKLM"
    assert read_enrol_link(f"  {link.upper().replace('HQ=', 'hq=').replace('CODE=', 'code=')}\n")


@pytest.mark.parametrize(
    "text", ["", "hymio-enrol:", "hymio-enrol:?", "hymio-enrol:?hq=&code=", "x" * 3000,
             "hymio-enrol:?hq=https%3A%2F%2Fx&code=A#frag", "hymio-enrol:?hq=https%3A%2F%2Fx&&"],
)  # fmt: skip
def test_what_is_not_a_link_is_refused(text):
    with pytest.raises(EnrolLinkError, match="enrolment link"):
        read_enrol_link(text)
