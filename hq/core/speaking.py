"""Jinja text that speaks a reader's language, for the dashboard's pages and the
e-mailed reports alike: gettext through Jinja's i18n extension, and filters for local dates
and numbers.

The gettext callables are not installed in an environment: each page's or e-mail's context
brings its own (:func:`speaking`), so two requests in two languages never share one.
Filters find the :class:`~hq.core.language.Language` in that context too.
"""

from __future__ import annotations

import jinja2

from hq.core.language import NAMES, Language

EXTENSIONS = ["jinja2.ext.i18n"]
# Whitespace inside {% trans %} is collapsed, so a text can wrap in the template
# without its msgid changing; the extraction test reads the templates the same way.
TRIMMED = True


def speaking(language: Language) -> dict:
    """The context entries that make a page speak *language*."""
    return {
        "language": language,
        "gettext": language.gettext,
        "ngettext": language.ngettext,
        "languages": NAMES,
    }


@jinja2.pass_context
def _number(context, value, digits: int | None = None) -> str:
    return context["language"].number(value, digits)


@jinja2.pass_context
def _signed(context, value, digits: int = 1) -> str:
    return context["language"].signed(value, digits)


@jinja2.pass_context
def _day(context, value) -> str:
    return context["language"].day(value)


@jinja2.pass_context
def _date(context, value) -> str:
    return context["language"].date(value)


@jinja2.pass_context
def _translate(context, value) -> str:
    """A text chosen at run time (marked with ``N_`` where it is written)."""
    return context["language"].gettext(value) if value else value


def _sentence(value: str) -> str:
    """*value* with its first letter upper case and the rest as it is (``capitalize``
    would lower-case the rest: "Nov", "HQ")."""
    return value[:1].upper() + value[1:]


# The filters of every template that speaks a page's or an e-mail's language.
FILTERS = {
    "number": _number,
    "signed": _signed,
    "day": _day,
    "date": _date,
    "translate": _translate,
    "sentence": _sentence,
}
