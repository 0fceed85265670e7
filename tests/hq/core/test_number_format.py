"""The dashboard's numbers (:meth:`hq.core.language.Language.number`) are Babel's
``format_decimal`` with the pattern ``#,##0.0…``, written without Babel's pattern machinery
for speed: for any value, any number of decimals and each language, the same text."""

from __future__ import annotations

from babel.numbers import format_decimal
from hypothesis import given
from hypothesis import strategies as st

from hq.core.language import Language

values = st.one_of(
    st.integers(-(10**12), 10**12),
    st.floats(-1e9, 1e9, allow_nan=False),
    st.decimals(-(10**6), 10**6, places=3).map(float),  # halves: 0.25, 2.675, …
)


@given(value=values, digits=st.integers(0, 3), code=st.sampled_from(["en", "fi", "sv"]))
def test_the_fast_numbers_are_babels(value, digits, code):
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    babel = format_decimal(value, pattern, locale=code)
    if babel.startswith("-") and not babel.strip("-0.,"):
        babel = babel[1:]  # a value that rounds to zero has no sign (issue 30, B3)
    assert Language(code).number(value, digits) == babel


def test_a_value_or_change_that_rounds_to_zero_has_no_sign():
    """Issue 30, B3: "−0.0" and "−0 pt" were printed."""
    fi, en = Language("fi"), Language("en")
    assert en.number(-0.04) == "0.0" and fi.number(-0.4, 0) == "0"
    assert en.signed(-0.04) == "0.0" and en.signed(0.04) == "0.0"
    assert fi.signed(-0.3, 0) == "0" and fi.signed(0.0) == "0,0"
    assert en.signed(-0.05) == "0.0"  # half-even, as every figure: -0.05 is -0.0
    assert en.signed(-0.06) == "-0.1" and en.signed(0.06) == "+0.1"
    assert fi.signed(-12.4) == "-12,4" and fi.signed(0.6, 0) == "+1"


def test_the_defaults_and_the_separators():
    fi, en = Language("fi"), Language("en")
    assert fi.number(84.25) == format_decimal(84.25, "#,##0.0", locale="fi")
    assert fi.number(12345) == "12\xa0345" and en.number(12345) == "12,345"
    assert fi.number(-3.5) == "-3,5" and en.number(-3.5) == "-3.5"
    assert en.number(None) == "–"
