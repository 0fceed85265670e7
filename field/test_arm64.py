"""The arm64 check's own judgements, on made-up screenshots and output (no chroot, no root:
these run in a second). ``make field-arm64`` runs the check itself (field/arm64.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from field.arm64 import MISSING_LIB, check_screenshot

BACKGROUND = (250, 247, 242)
FILLS = [(214, 59, 56), (242, 133, 51), (140, 199, 76), (41, 158, 92)]
# four faces in a row, as the probe reports them: x, y (from the bottom), width, height
PROBE = {"faces": [[24 + 192 * i, 135, 177, 177] for i in range(4)]}


def screenshot(path: Path, fills=FILLS, skip: int | None = None) -> Path:
    image = Image.new("RGB", (800, 480), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.text((300, 60), "Miten onnistuimme tänään?", fill=(33, 33, 38))
    for i, (x, y, w, h) in enumerate(PROBE["faces"]):
        if i == skip:
            continue
        top = 480 - y - h
        draw.ellipse((x, top, x + w, top + h), fill=fills[i], outline=(33, 33, 38), width=6)
        draw.ellipse((x + 50, top + 60, x + 65, top + 75), fill=(33, 33, 38))
        draw.arc((x + 40, top + 90, x + 140, top + 150), 20, 160, fill=(33, 33, 38), width=8)
    # Kivy's text is anti-aliased: a screen has many colours
    for shade in range(60):
        draw.point((10 + shade, 470), fill=(shade * 4, shade * 4, shade * 4))
    image.save(path)
    return path


def test_the_question_screen_passes(tmp_path):
    assert check_screenshot(PROBE, screenshot(tmp_path / "ok.png")) > 50


def test_a_blank_screen_fails(tmp_path):
    Image.new("RGB", (800, 480)).save(tmp_path / "black.png")
    with pytest.raises(AssertionError, match="blank"):
        check_screenshot(PROBE, tmp_path / "black.png")


def test_a_missing_face_fails(tmp_path):
    with pytest.raises(AssertionError, match=r"no face drawn at \(408,"):
        check_screenshot(PROBE, screenshot(tmp_path / "three.png", skip=2))


def test_faces_of_one_colour_fail(tmp_path):
    with pytest.raises(AssertionError, match="own colour"):
        check_screenshot(PROBE, screenshot(tmp_path / "grey.png", fills=[(128, 128, 128)] * 4))


def test_the_missing_library_is_named():
    kivy = "sdl2 - ImportError: libGL.so.1: cannot open shared object file: No such file"
    assert MISSING_LIB.findall(kivy) == ["libGL.so.1"]
    assert MISSING_LIB.findall("libmtdev.so.1: cannot open shared object file") == ["libmtdev.so.1"]
    assert MISSING_LIB.findall("hymio: INFO: Window: Provider: sdl2") == []
