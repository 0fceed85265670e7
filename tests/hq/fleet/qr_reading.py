"""Read back the modules of a QR code that :func:`hq.fleet.enrol_codes.qr_svg` drew: its
SVG path is rows of dark runs (``M x y.5`` then ``h`` runs and ``m`` gaps), border 4."""

from __future__ import annotations

import re

BORDER = 4


def svg_matrix(svg: str) -> list[list[bool]]:
    """The dark modules of the QR code in *svg*, row by row, without the border."""
    size = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1)) - 2 * BORDER
    path = re.search(r'<path class="qrline"[^>]* d="([^"]+)"', svg).group(1)
    grid = [[False] * size for _ in range(size)]
    x = y = 0.0
    for op, a, b in re.findall(r"([MmHhVv])(-?[\d.]+)(?: (-?[\d.]+))?", path):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        elif op == "h":
            row = int(y - 0.5) - BORDER
            for col in range(int(x), int(x + float(a))):
                grid[row][col - BORDER] = True
            x += float(a)
    return grid
