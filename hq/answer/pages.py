"""The survey's pages: Jinja2 templates in ``hq/answer/templates`` (autoescaped: a
survey's texts are written by people, never markup), one small style block inline (the
page needs no other file) allowed by its hash in the pages' own Content-Security-Policy,
and the page's texts in the shopper's language (:mod:`hq.core.language`)."""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from importlib import resources

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from hq.answer.faces import NAMES, face_svg
from hq.core.language import NAMES as LANGUAGE_NAMES
from hq.core.language import Language

STYLE = (resources.files("hq.answer") / "templates" / "answer.css").read_text(encoding="utf-8")
_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
CSP = "; ".join(
    (
        "default-src 'none'",
        f"style-src 'sha256-{_HASH}'",
        "img-src 'self' data:",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("hq.answer", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(style=Markup(STYLE), language_names=LANGUAGE_NAMES)  # noqa: S704
    env.globals["face"] = lambda kind: Markup(face_svg(kind))  # noqa: S704 -- ours, no input
    env.globals["face_names"] = NAMES
    return env


def render(name: str, words: Language, **values: object) -> str:
    """The page *name* in the language of *words*."""
    template = _environment().get_template(name)
    return template.render(_=words.gettext, words=words, **values)
