"""The dashboard's Jinja2 environment: its templates, gettext through Jinja's i18n
extension, and filters for local dates and numbers.

The gettext callables are not installed in the environment: each page's context brings
its own (:func:`speaking`), so two requests in two languages never share a language.
Filters find the page's :class:`~hq.core.language.Language` in that context too.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
from fastapi.templating import Jinja2Templates

from hq.core.language import NAMES, Language
from hq.insight import charts
from hq.insight.figures import headline

FOLDER = Path(__file__).with_name("templates")
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


def make_templates() -> Jinja2Templates:
    """The dashboard's templates, with the i18n extension and the filters."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(FOLDER),
        autoescape=jinja2.select_autoescape(),
        extensions=EXTENSIONS,
    )
    env.policies["ext.i18n.trimmed"] = TRIMMED
    env.globals.update(charts=charts, headline=headline)
    env.filters.update(FILTERS)
    return Jinja2Templates(env=env)
