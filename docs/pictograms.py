"""Draw the reason pictograms the kiosk ships (``kiosk/assets/pictograms/*.png``).

Simple line drawings in the kiosk's ink on a transparent ground, drawn large and scaled
down so their edges are smooth; ours, under the project's licence. Run it again after a
change: ``python -m docs.pictograms``.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

from kiosk.settings.pictograms import PICTOGRAMS

OUT = Path(__file__).resolve().parents[1] / "kiosk" / "assets" / "pictograms"
SIDE, BIG = 192, 768
INK = (33, 33, 38, 255)
W = 44  # stroke width at BIG


def person(d: ImageDraw.ImageDraw, x: int, y: int, s: float) -> None:
    r = int(55 * s)
    d.ellipse((x - r, y - r, x + r, y + r), outline=INK, width=int(W * s))
    d.arc((x - 2 * r, y + r + 10, x + 2 * r, y + 5 * r), 180, 360, fill=INK, width=int(W * s))


def queue(d: ImageDraw.ImageDraw) -> None:
    for x, s in ((190, 0.8), (384, 0.8), (578, 0.8)):
        person(d, x, 290, s)
    d.line((110, 560, 658, 560), fill=INK, width=W)  # the line they stand in


def service(d: ImageDraw.ImageDraw) -> None:
    person(d, 384, 230, 1.6)
    d.line((200, 640, 568, 640), fill=INK, width=W)


def price(d: ImageDraw.ImageDraw) -> None:
    d.polygon(((120, 384), (320, 150), (650, 150), (650, 618), (320, 618)), outline=INK, width=W)
    d.ellipse((300, 340, 390, 430), outline=INK, width=W)


def stock(d: ImageDraw.ImageDraw) -> None:
    for y in (230, 430, 630):
        d.line((110, y, 658, y), fill=INK, width=W)
    d.line((110, 100, 110, 680), fill=INK, width=W)
    d.line((658, 100, 658, 680), fill=INK, width=W)
    d.rectangle((180, 110, 300, 210), outline=INK, width=W)
    d.line((420, 330, 560, 330), fill=INK, width=W // 2)


def clean(d: ImageDraw.ImageDraw) -> None:
    def star(cx: int, cy: int, r: int) -> None:
        d.line((cx - r, cy, cx + r, cy), fill=INK, width=W)
        d.line((cx, cy - r, cx, cy + r), fill=INK, width=W)
        q = int(r * 0.45)
        d.line((cx - q, cy - q, cx + q, cy + q), fill=INK, width=W // 2)
        d.line((cx - q, cy + q, cx + q, cy - q), fill=INK, width=W // 2)

    star(330, 420, 230)
    star(590, 190, 110)


def clock(d: ImageDraw.ImageDraw) -> None:
    d.ellipse((104, 104, 664, 664), outline=INK, width=W)
    d.line((384, 384, 384, 200), fill=INK, width=W)
    d.line((384, 384, 520, 450), fill=INK, width=W)


def cart(d: ImageDraw.ImageDraw) -> None:
    d.line((90, 170, 200, 170, 280, 520, 600, 520, 660, 270, 230, 270), fill=INK, width=W)
    for x in (320, 560):
        d.ellipse((x - 50, 580, x + 50, 680), outline=INK, width=W)


def other(d: ImageDraw.ImageDraw) -> None:
    for x in (184, 384, 584):
        d.ellipse((x - 60, 324, x + 60, 444), fill=INK)


DRAW = {
    "queue": queue,
    "service": service,
    "price": price,
    "stock": stock,
    "clean": clean,
    "clock": clock,
    "cart": cart,
    "other": other,
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name in PICTOGRAMS:
        big = Image.new("RGBA", (BIG, BIG), (0, 0, 0, 0))
        DRAW[name](ImageDraw.Draw(big))
        big.resize((SIDE, SIDE), Image.LANCZOS).save(OUT / f"{name}.png", optimize=True)


if __name__ == "__main__":
    main()
