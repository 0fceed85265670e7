"""The faces of the web survey as inline SVG, drawn as the kiosk draws them
(:mod:`kiosk.ui.faces`): the same colours, and faces that differ by shape, not only by
colour — a deep frown under slanted brows, a frown, a straight mouth, a smile, and a
wide open smile under closed, laughing eyes. Made here from constants only (no outside
text), so the page may put them in as they are."""

from __future__ import annotations

from functools import cache

from hq.core.errors import N_

# The kiosk's COLOURS (kiosk.ui.faces), as hex; INK its outline and features.
COLOURS = {
    "very_unhappy": "#d63b38",
    "unhappy": "#f28533",
    "neutral": "#fac72e",
    "happy": "#8cc74d",
    "very_happy": "#299e5c",
}
INK = "#212126"
# Mouth bend, share of the radius (the kiosk's CURVE): negative frowns, positive smiles.
CURVE = {"very_unhappy": -0.30, "unhappy": -0.15, "neutral": 0.0, "happy": 0.18}
NAMES = {
    "very_unhappy": N_("Very unhappy"),
    "unhappy": N_("Somewhat unhappy"),  # "Unhappy" is taken: the charts say "Tyytymättömät"
    "neutral": N_("Neither happy nor unhappy"),
    "happy": N_("Happy"),
    "very_happy": N_("Very happy"),
}


@cache
def face_svg(kind: str) -> str:
    """The face *kind* (one of :data:`COLOURS`) as an SVG element, 100 × 100 units, hidden
    from screen readers (its button carries the name)."""
    r, c = 46, 50
    parts = [
        f'<svg viewBox="0 0 100 100" aria-hidden="true" focusable="false">'
        f'<circle cx="{c}" cy="{c}" r="{r}" fill="{COLOURS[kind]}" stroke="{INK}" '
        'stroke-width="3"/>'
    ]
    ey = c - r * 0.22  # SVG's y grows downwards
    for side in (-1, 1):
        x = c + side * r * 0.36
        if kind == "very_happy":  # laughing: closed eyes, bowed upwards
            parts.append(f'<path d="M{x - 7:.1f} {ey + 2:.1f} Q{x:.1f} {ey - 7:.1f} {x + 7:.1f} '
                         f'{ey + 2:.1f}" fill="none" stroke="{INK}" stroke-width="4" '
                         'stroke-linecap="round"/>')  # fmt: skip
            continue
        parts.append(f'<ellipse cx="{x:.1f}" cy="{ey:.1f}" rx="4" ry="5" fill="{INK}"/>')
        if kind == "very_unhappy":  # brows slanting down towards the nose
            inner, outer = x - side * 7, x + side * 7
            parts.append(f'<path d="M{outer:.1f} {ey - 13:.1f} L{inner:.1f} {ey - 7:.1f}" '
                         f'stroke="{INK}" stroke-width="4" stroke-linecap="round"/>')  # fmt: skip
    half, y = r * 0.42, c + r * 0.38
    if kind == "very_happy":  # a wide open smile: a filled half disc
        parts.append(f'<path d="M{c - half:.1f} {y - 4:.1f} A{half:.1f} {half * 0.9:.1f} 0 0 0 '
                     f'{c + half:.1f} {y - 4:.1f} Z" fill="{INK}"/>')  # fmt: skip
    else:
        bend = CURVE[kind] * r
        parts.append(f'<path d="M{c - half:.1f} {y:.1f} Q{c:.1f} {y + bend * 2:.1f} '
                     f'{c + half:.1f} {y:.1f}" fill="none" stroke="{INK}" stroke-width="5" '
                     'stroke-linecap="round"/>')  # fmt: skip
    parts.append("</svg>")
    return "".join(parts)
