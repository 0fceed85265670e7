"""The rating scales of SPEC §2: three smiley scales, NPS 0–10 and CES 1–7."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Scale:
    """A rating scale: its name and its lowest and highest score (both included)."""

    name: str
    low: int
    high: int

    @property
    def kind(self) -> str:
        """``smiley``, ``nps`` or ``ces``."""
        return "smiley" if self.name.startswith("smiley") else self.name

    @property
    def scores(self) -> range:
        """Every score of the scale, lowest first."""
        return range(self.low, self.high + 1)

    @property
    def size(self) -> int:
        """How many answers the scale has (faces, for a smiley scale)."""
        return self.high - self.low + 1

    @property
    def has_buttons(self) -> bool:
        """Smiley scales have one physical button per face; NPS and CES are touch only."""
        return self.kind == "smiley"


SCALES: dict[str, Scale] = {
    s.name: s
    for s in (
        Scale("smiley3", 1, 3),
        Scale("smiley4", 1, 4),
        Scale("smiley5", 1, 5),
        Scale("nps", 0, 10),
        Scale("ces", 1, 7),
    )
}

DEFAULT_SCALE = "smiley4"


def get_scale(name: str) -> Scale:
    """The scale called *name*; a ``ValueError`` naming the known scales otherwise."""
    try:
        return SCALES[name]
    except (KeyError, TypeError):
        known = ", ".join(SCALES)
        raise ValueError(f"unknown scale {name!r}; use one of {known}") from None


@lru_cache(maxsize=256)  # HQ asks it for every cell of a year's heat map and slices
def is_negative(scale: Scale, score: int) -> bool:
    """Whether *score* is a negative answer: the bottom half of the smileys, NPS
    detractors (0–6), or a CES of 1–3. The follow-up question is asked for these."""
    if scale.kind == "smiley":
        return score <= scale.low + scale.size // 2 - 1
    if scale.kind == "nps":
        return score <= 6
    return score <= 3
