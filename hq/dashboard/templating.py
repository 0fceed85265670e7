"""The dashboard's Jinja2 environment: its templates, with the i18n extension and the
filters of :mod:`hq.core.speaking` (which the e-mailed reports share), and the charts."""

from __future__ import annotations

from pathlib import Path

import jinja2
from fastapi.templating import Jinja2Templates

from hq.core.speaking import EXTENSIONS, FILTERS, TRIMMED
from hq.insight import charts
from hq.insight.figures import headline

FOLDER = Path(__file__).with_name("templates")
# The reports' templates: the parts a page and a report share (_effect.html) live there.
REPORTS = FOLDER.parents[1] / "insight" / "scheduled" / "templates"


def make_templates() -> Jinja2Templates:
    """The dashboard's templates, with the i18n extension and the filters."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([FOLDER, REPORTS]),
        autoescape=jinja2.select_autoescape(),
        extensions=EXTENSIONS,
    )
    env.policies["ext.i18n.trimmed"] = TRIMMED
    env.globals.update(charts=charts, headline=headline)
    env.filters.update(FILTERS)
    return Jinja2Templates(env=env)
