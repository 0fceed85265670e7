"""The heat map's switch: a store's or a region's page colours its weekday × hour map by
the share of unhappy answers (``heat=unhappy``, the default) or by transactions per staff
member (``heat=busy``, from the business figures). A plain link per choice, so it works
without JavaScript; the page's other choices (days, kiosk, hours) stay as they were."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request

from hq.core.language import N_, Language

MODES = ("unhappy", "busy")
HeatBy = Annotated[str, Query(max_length=20, description="the heat map: unhappy, busy")]
BAD_HEAT = N_("heat: {value} is not one of unhappy, busy")


def heat_problem(heat: str, words: Language) -> str | None:
    """Why *heat* cannot be shown (in *words*' language), or ``None`` if it can."""
    return None if heat in MODES else words.translate(BAD_HEAT, value=repr(heat))


def heat_links(request: Request) -> dict[str, str]:
    """Each mode's link: this page with ``heat`` set, scrolled to the map."""
    links = {}
    for mode in MODES:
        url = request.url.include_query_params(heat=mode)
        links[mode] = f"{url.path}?{url.query}#heat"
    return links
