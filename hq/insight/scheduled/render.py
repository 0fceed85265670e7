"""A report as an e-mail: HTML with inline CSS (mail clients drop style sheets and most
of them SVG, so its hour × weekday map is a table of coloured cells), a plain-text twin,
and a PDF attachment that WeasyPrint renders from the same figures, with the dashboard's
own SVG heat map (:func:`hq.insight.charts.heat_map`).

The texts are the dashboard's catalogues (``hq/core/locale``), in the report's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jinja2
from markupsafe import Markup

from hq.core.names import flat
from hq.core.speaking import EXTENSIONS, FILTERS, TRIMMED, speaking
from hq.insight import charts
from hq.insight.ranking import MIN_RANKED
from hq.insight.scheduled.content import Report
from hq.insight.scheduled.periods import BEFORE

FOLDER = Path(__file__).with_name("templates")
BAD = (0xC6, 0x28, 0x28)  # the dashboard's --bad, the heat map's colour
# What the SVG heat map needs of the dashboard's style sheet, inside the SVG itself
# (WeasyPrint does not style an inline SVG from the page's CSS).
HEAT_STYLE = (
    "<style>.cell{fill:#c62828;stroke:#dde2ea;stroke-width:1}"
    ".cell.none,.cell.few{fill:#fff;fill-opacity:1}.cell.few{fill:#eee}"
    "text{font-family:'DejaVu Sans',sans-serif;font-size:11px;fill:#5f6b7a}"
    "text.n{font-size:8px;fill:#222}text.tip{display:none}</style>"
)


@dataclass(frozen=True)
class Rendered:
    """A report ready to send: its subject, plain text, HTML and PDF."""

    subject: str
    text: str
    html: str
    pdf: bytes
    filename: str


@cache
def environment() -> jinja2.Environment:
    """The report templates, with the dashboard's i18n extension and filters."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(FOLDER),
        autoescape=jinja2.select_autoescape(["html"], default_for_string=False),
        extensions=EXTENSIONS,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_one_line,
    )
    env.policies["ext.i18n.trimmed"] = TRIMMED
    env.filters.update(FILTERS)
    env.globals.update(cell=cell, heat_svg=heat_svg, worst=worst, min_ranked=MIN_RANKED)
    return env


def _one_line(value: object) -> object:
    """A text put in a report, on one line: a store or region name from before names
    were checked may hold a line break (:func:`hq.core.names.flat`); markup stays as it is."""
    return flat(value) if isinstance(value, str) and not isinstance(value, Markup) else value


def cell(n: int, unhappy: int, few: int) -> tuple[str, str, str]:
    """An hour of the e-mail's map: its background (the dashboard's red at the share of
    unhappy answers, on white), the colour of its figure, and the figure: "" for no
    ratings or fewer than *few* (no figure at all, as on the dashboard)."""
    if n == 0:
        return "#ffffff", "#222222", ""
    if n < few:
        return "#eeeeee", "#222222", ""
    alpha = 0.08 + 0.92 * unhappy / n
    mixed = "".join(f"{round(255 + (c - 255) * alpha):02x}" for c in BAD)
    return f"#{mixed}", "#ffffff" if alpha > 0.55 else "#222222", str(n)


def worst(grid, few: int, most: int = 3) -> list[tuple[int, int, int, int]]:
    """The hours with the largest share of unhappy answers (weekday, hour, ratings,
    unhappy), of those with *few* ratings or more and any unhappy answer."""
    cells = [(d, h, n, u) for d, row in enumerate(grid) for h, (n, u) in enumerate(row)
             if n >= few and u]  # fmt: skip
    return sorted(cells, key=lambda c: (-c[3] / c[2], -c[2], c[0], c[1]))[:most]


def heat_svg(grid, few: int, language, ident: str = "heat-map") -> Markup:
    """The dashboard's heat map, with the styles it needs inside it; *ident* its own id
    (a region's report has a map a store: one id twice made WeasyPrint warn, issue 30)."""
    svg = str(charts.heat_map(grid, few, language=language, ident=ident))
    head, _, rest = svg.partition(">")
    return Markup(f"{head}>{HEAT_STYLE}{rest}")  # noqa: S704 -- the chart's escaped markup


def render(report: Report, subscription_id: int | None = None) -> Rendered:
    """*report* as an e-mail and a PDF, in its language."""
    from weasyprint import HTML

    words = report.language
    context = {
        **speaking(words),
        "report": report,
        "period_title": report.period.title(words),
        "compared_title": report.period.compared_title(words),
        "compared_line": report.period.compared_line(words),
        "before_name": words.gettext(BEFORE[report.period.kind]),
        "subscription": subscription_id,
    }
    env = environment()
    html = env.get_template("report.html").render(context, pdf=False)
    text = env.get_template("report.txt").render(context)
    pdf = HTML(string=env.get_template("report.html").render(context, pdf=True)).write_pdf()
    subject = flat(
        words.translate(
            "Hymiö report: {name}, {period}", name=report.name, period=context["period_title"]
        )
    )
    kind, _, ident = report.scope.partition(":")
    return Rendered(subject, text, html, pdf, f"hymio-{kind}-{ident}-{report.period.key}.pdf")
