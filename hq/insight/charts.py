"""Charts as server-rendered SVG: no JavaScript, no CDN, sharp at any size.

Each function takes plain numbers and returns SVG markup; labels are escaped. Their
texts, days and numbers are in *language* (English unless the page says otherwise).
"""

from __future__ import annotations

from markupsafe import Markup, escape

from hq.core.language import ENGLISH, N_, Language

# What a break in the trend says (hq.insight.splits.broken)
BREAKS = {"changed": N_("question from here: {what}"), "mixed": N_("questions mixed: {what}")}


def sparkline(
    values: list[float | None],
    width: int = 160,
    height: int = 36,
    language: Language = ENGLISH,
) -> Markup:
    """A small trend line of *values* (0–100; ``None`` leaves a gap)."""
    step = (width - 4) / max(len(values) - 1, 1)
    points = _runs(values, lambda i: 2 + i * step, lambda v: 2 + (height - 4) * (1 - v / 100))
    lines = "".join(f'<polyline points="{" ".join(p)}"/>' for p in points if len(p) > 1)
    dots = "".join(
        f'<circle cx="{p[0].split(",")[0]}" cy="{p[0].split(",")[1]}" r="1.5"/>'
        for p in points
        if len(p) == 1
    )
    name = escape(language.gettext("trend"))
    return _svg(
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}"'
        f' role="img" aria-label="{name}">{lines}{dots}</svg>'
    )


def trend(
    days: list[str],
    counts: list[int],
    scores: list[float | None],
    label: str,
    axis: tuple[str, str] = ("0", "100"),
    breaks: list[tuple[int, str, str]] = (),
    language: Language = ENGLISH,
    actions: list = (),
) -> Markup:
    """Daily bars of the rating count with a line of the score over them; *scores* are on
    a 0–100 axis whose bottom and top stand for *axis* (e.g. −100 and 100 for an NPS).
    At each of *breaks* (a day's index, ``changed`` or ``mixed``, the question or
    questions) the line stops, a dashed mark stands, and the line starts again: a
    question change is never drawn as one line. Each of *actions* (what the store did,
    on a day) stands as a numbered vertical line in the middle of its day (:func:`action_days`
    numbers them, as the list under the chart does)."""
    width, height, pad = 720, 220, 28
    n = max(len(days), 1)
    step = (width - 2 * pad) / n
    top = max(counts or [0]) or 1
    bars, rated, wide = [], language.gettext("{n} ratings"), f"{max(step - 2, 1):.1f}"
    for i, (day, count) in enumerate(zip(days, counts, strict=True)):
        h = (height - 2 * pad) * count / top
        x = pad + i * step
        title = escape(f"{language.day(day)}: {rated.format(n=language.number(count))}")
        bars.append(
            f'<rect class="bar" x="{x + 1:.1f}" y="{height - pad - h:.1f}"'
            f' width="{wide}" height="{h:.1f}"><title>{title}</title></rect>'
        )
    line = _runs(
        scores,
        lambda i: pad + i * step + step / 2,
        lambda v: pad + (height - 2 * pad) * (1 - v / 100),
        {b[0] for b in breaks},
    )
    marks = "".join(
        f'<line class="break" data-break="{i}" x1="{pad + i * step:.1f}" y1="{pad - 6}"'
        f' x2="{pad + i * step:.1f}" y2="{height - pad}"><title>{escape(language.day(days[i]))}:'
        f" {escape(language.translate(BREAKS[kind], what=what))}</title></line>"
        for i, kind, what in breaks
    )
    done = _action_marks(days, action_days(days, actions), pad, step, height, language)
    path = "".join(f'<polyline class="score" points="{" ".join(p)}"/>' for p in line if len(p) > 1)
    every = max(1, n // 8)
    ticks = "".join(  # every other one is left out on a phone, where the words are larger
        f'<text class="tick{" alt" if i // every % 2 else ""}" x="{pad + i * step + step / 2:.1f}"'
        f' y="{height - 8}" text-anchor="middle">{escape(language.short_day(day))}</text>'
        for i, day in enumerate(days)
        if i % every == 0
    )
    low, high = axis
    half = language.number(top / 2, 0 if top % 2 == 0 else 1)
    says = language.translate(
        "bars: ratings a day (right axis) · line: {label} (left axis)", label=label
    )
    middle = (height - 2 * pad) / 2 + pad
    axes = (
        f'<text class="axis-score" x="4" y="{pad + 4}">{escape(high)}</text>'
        f'<text class="axis-score" x="4" y="{height - pad}">{escape(low)}</text>'
        f'<text class="axis-count" x="{width - 2}" y="{pad + 4}" text-anchor="end">'
        f"{language.number(top)}</text>"
        f'<text class="axis-count" x="{width - 2}" y="{middle + 4:.1f}" text-anchor="end">'
        f"{half}</text>"
        f'<text class="axis-count" x="{width - 2}" y="{height - pad}" text-anchor="end">0</text>'
    )
    name = escape(language.translate("daily ratings and {label}", label=label))
    # The key is a line of text under the chart, not words inside it: drawn in the chart's
    # units it would shrink with the chart to a few pixels on a phone.
    return _svg(
        f'<svg class="trend" viewBox="0 0 {width} {height}" role="img" aria-label="{name}">'
        f"{''.join(bars)}{path}{marks}{done}{ticks}{axes}</svg>"
        f'<p class="quiet chart-key">{escape(says)}</p>'
    )


def action_days(days: list[str], actions: list) -> list[tuple[str, list]]:
    """The days of *days* (ISO) that have any of *actions* (rows with ``day``, ISO, and
    ``text``: :class:`hq.tables.actions.StoreAction`), in order, each with its actions:
    the chart's marks, numbered 1, 2, 3 … in this order, as the list under the chart."""
    shown = set(days)
    by_day: dict[str, list] = {}
    for action in actions:
        if action.day in shown:
            by_day.setdefault(action.day, []).append(action)
    return sorted(by_day.items(), key=lambda item: item[0])


def _action_marks(days, marked, pad: int, step: float, height: int, language: Language) -> str:
    out = []
    for n, (day, done) in enumerate(marked, 1):
        x = pad + days.index(day) * step + step / 2
        title = f"{escape(language.day(day))}: {escape(' · '.join(a.text for a in done))}"
        out.append(
            f'<line class="action" data-action="{n}" data-day="{escape(day)}" x1="{x:.1f}"'
            f' y1="{pad - 6}" x2="{x:.1f}" y2="{height - pad}"><title>{title}</title></line>'
            f'<g class="action-n"><title>{title}</title><circle cx="{x:.1f}" cy="{pad + 8}"'
            f' r="8"/><text x="{x:.1f}" y="{pad + 8}" text-anchor="middle"'
            f' dominant-baseline="central">{n}</text></g>'
        )
    return "".join(out)


def heat_map(
    grid: list[list[tuple[int, int]]],
    few: int,
    language: Language = ENGLISH,
    ident: str = "heat-map",
) -> Markup:
    """Weekday × hour-of-day cells coloured by the share of unhappy answers, each with its
    number of ratings; a cell with fewer than *few* ratings says "too few" and shows no
    figure at all (neither a share nor a count: a staff-privacy guard). *ident* is its
    element id: one of its own for each map of a page (a region's report has one a store)."""
    cell, left, top = 26, 40, 18
    weekdays = language.weekdays()
    width, height = left + 24 * cell, top + 7 * cell + 22
    cells = []
    for d, row in enumerate(grid):
        cells.append(f'<text x="4" y="{top + d * cell + 17}">{weekdays[d]}</text>')
        for h, (n, unhappy) in enumerate(row):
            x, y, when = left + h * cell, top + d * cell, f"{weekdays[d]} {h:02d}:00"
            if n == 0 or n < few:
                if n == 0:
                    label = language.gettext("no ratings")
                else:
                    label = language.translate("too few ratings (under {few})", few=few)
                kind = "none" if n == 0 else "few"
                cells.append(
                    f'<g class="c" tabindex="-1"><rect class="cell {kind}" data-count="{kind}"'
                    f' x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}">'
                    f"<title>{escape(when)} – {escape(label)}</title></rect>"
                    f'<text class="tip" x="{left}" y="{height - 4}">'
                    f"{escape(when)} – {escape(label)}</text></g>"
                )
                continue
            share = unhappy / n
            says = language.translate(
                "{n} ratings, {share} % unhappy",
                n=language.number(n),
                share=language.number(100 * share, 0),
            )
            cells.append(
                f'<g class="c" tabindex="-1"><rect class="cell" data-count="{n}"'
                f' data-unhappy="{share:.3f}" x="{x}" y="{y}" width="{cell - 2}"'
                f' height="{cell - 2}" fill-opacity="{0.08 + 0.92 * share:.2f}">'
                f"<title>{escape(when)} – {escape(says)}</title></rect>"
                f'<text class="n" x="{x + (cell - 2) / 2}" y="{y + cell / 2 + 3}"'
                f' text-anchor="middle">{n}</text>'
                f'<text class="tip" x="{left}" y="{height - 4}">'
                f"{escape(when)} – {escape(says)}</text></g>"
            )
    hours = "".join(
        f'<text x="{left + h * cell + 12}" y="12" text-anchor="middle">{h}</text>'
        for h in range(0, 24, 3)
    )
    says = language.translate(
        "colour: share of unhappy answers (light 0 %, dark 100 %) · figure: ratings"
        " · blank: none, or fewer than {few}",
        few=few,
    )
    legend = f'<text class="legend" x="{left}" y="{height - 4}">{escape(says)}</text>'
    name = escape(language.gettext("unhappy answers by weekday and hour"))
    return _svg(
        f'<svg class="heat" id="{escape(ident)}" viewBox="0 0 {width} {height}" role="img"'
        f' aria-label="{name}">'
        f"{hours}{''.join(cells)}{legend}</svg>"
    )


BUSY_TOP = 40  # transactions per staff member at which a cell is darkest (busyness.EDGES)


def busy_map(
    grid: list[list[tuple[int, int, float]]],
    language: Language = ENGLISH,
    ident: str = "heat-map",
) -> Markup:
    """Weekday × hour-of-day cells coloured by transactions per staff member: *grid* holds
    (store-hours with transactions and staff figures, their transactions, their staff
    hours). A cell without such figures says so. No rating is shown, so no privacy floor."""
    cell, left, top = 26, 40, 18
    weekdays = language.weekdays()
    width, height = left + 24 * cell, top + 7 * cell + 36  # the legend on two lines
    cells = []
    for d, row in enumerate(grid):
        cells.append(f'<text x="4" y="{top + d * cell + 17}">{weekdays[d]}</text>')
        for h, (hours, transactions, staff) in enumerate(row):
            x, y, when = left + h * cell, top + d * cell, f"{weekdays[d]} {h:02d}:00"
            tip = f'<text class="tip" x="{left}" y="{height - 4}">{escape(when)} – '
            if not hours:
                label = escape(language.gettext("no business figures"))
                cells.append(
                    f'<g class="c" tabindex="-1"><rect class="cell none" data-busy="none"'
                    f' x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}">'
                    f"<title>{escape(when)} – {label}</title></rect>{tip}{label}</text></g>"
                )
                continue
            per_staff = transactions / staff
            says = escape(language.translate(
                "{per_staff} transactions per staff member ({hours} hours, {n} transactions)",
                per_staff=language.number(per_staff, 1), hours=language.number(hours),
                n=language.number(transactions),
            ))  # fmt: skip
            shade = 0.08 + 0.92 * min(per_staff / BUSY_TOP, 1)
            cells.append(
                f'<g class="c" tabindex="-1"><rect class="cell busy" data-hours="{hours}"'
                f' data-per-staff="{per_staff:.2f}" x="{x}" y="{y}" width="{cell - 2}"'
                f' height="{cell - 2}" fill-opacity="{shade:.2f}">'
                f"<title>{escape(when)} – {says}</title></rect>"
                f'<text class="n" x="{x + (cell - 2) / 2}" y="{y + cell / 2 + 3}"'
                f' text-anchor="middle">{per_staff:.0f}</text>{tip}{says}</text></g>'
            )
    hours_row = "".join(
        f'<text x="{left + h * cell + 12}" y="12" text-anchor="middle">{h}</text>'
        for h in range(0, 24, 3)
    )
    says = language.translate(
        "colour: transactions per staff member (light 0, dark {top} or more) · figure: the"
        " same, rounded · blank: no business figures", top=BUSY_TOP,
    )  # fmt: skip
    first, _, second = says.partition(" · ")  # two lines: one is wider than a phone's map
    legend = "".join(
        f'<text class="legend" x="{left}" y="{height - y}">{escape(line)}</text>'
        for y, line in ((18, first), (4, second))
    )
    name = escape(language.gettext("transactions per staff member by weekday and hour"))
    return _svg(
        f'<svg class="heat busy" id="{escape(ident)}" viewBox="0 0 {width} {height}"'
        f' role="img" aria-label="{name}">{hours_row}{"".join(cells)}{legend}</svg>'
    )


def shares(items: list[tuple[str, object]], language: Language = ENGLISH) -> Markup:
    """Follow-up reasons as bars of their share of the unhappy answers: *items* are
    (label, :class:`hq.insight.counts.ReasonShare`), most frequent first."""
    if not items:
        none_yet = escape(language.gettext("No follow-up answers yet."))
        return _svg(f'<p class="quiet">{none_yet}</p>')
    # Each label on a line of its own above its bar, so the chart is narrow enough to be
    # drawn at about its own size on a phone (its words stay readable) and a long label
    # has the whole width; *room* is left after the widest bar for its figures.
    row, width, room = 40, 400, 170
    parts = []
    for i, (label, s) in enumerate(items):
        w = (width - room) * s.share / 100
        y = i * row
        if s.change is None:
            change = ""
        else:
            change = " · " + language.translate("{change} pt", change=language.signed(s.change, 0))
        parts.append(
            f'<text x="0" y="{y + 13}">{escape(label)}</text>'
            f'<rect class="bar{"" if s.key else " none"}" data-reason="{escape(s.key)}"'
            f' data-share="{s.share:.1f}"'
            f' x="0" y="{y + 18}" width="{w:.1f}" height="14"/>'
            f'<text x="{w + 6:.1f}" y="{y + 29}">{language.number(s.share, 0)} %'
            f" ({language.number(s.n)}){escape(change)}</text>"
        )
    name = escape(language.gettext("follow-up reasons"))
    return _svg(
        f'<svg class="bars" viewBox="0 0 {width} {row * len(items)}" role="img"'
        f' aria-label="{name}">{"".join(parts)}</svg>'
    )


def _svg(markup: str) -> Markup:
    # Built only from numbers and escape()d labels, so it is safe to mark as markup.
    return Markup(markup)  # noqa: S704


def _runs(values, x_of, y_of, cuts: set[int] = frozenset()) -> list[list[str]]:
    """Runs of consecutive known values as SVG point lists (``None`` breaks the line, and
    so does each index in *cuts*: a run starts there)."""
    runs: list[list[str]] = [[]]
    for i, v in enumerate(values):
        if i in cuts:
            runs.append([])
        if v is None:
            runs.append([])
        else:
            runs[-1].append(f"{x_of(i):.1f},{y_of(v):.1f}")
    return [r for r in runs if r]
