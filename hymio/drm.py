"""Which DRM card the kiosk draws on (SDL2's KMS/DRM backend).

SDL opens ``/dev/dri/card<SDL_KMSDRM_DEVICE_INDEX>`` and by default guesses the index; on
a Pi 5 the render-only GPU (v3d) and the display controller (vc4) are two cards whose
numbers can swap between boots (libsdl-org/SDL#13705), so a guess can pick a card with no
screen. ``[device] display`` names what to draw on: ``auto`` (the first card with a
connected connector), a card (``card1``) or a connector (``DSI-2``, ``HDMI-A-1``), which
stays right whatever number the kernel gave its card this time.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

INDEX = "SDL_KMSDRM_DEVICE_INDEX"
CARD = re.compile(r"card(\d+)")


@dataclass(frozen=True)
class Choice:
    """The card SDL will open, and why; ``problem`` when none fits."""

    card: str | None
    connectors: tuple[str, ...] = ()
    problem: str | None = None

    @property
    def index(self) -> int | None:
        return int(self.card[4:]) if self.card else None


def connectors(root: Path = Path("/")) -> dict[str, list[tuple[str, str]]]:
    """Each card and its connectors' states, from ``/sys/class/drm/card*-*/status``."""
    found: dict[str, list[tuple[str, str]]] = {}
    for card in (root / "sys/class/drm").glob("card*"):
        if CARD.fullmatch(card.name):  # a card with no connectors renders only (v3d)
            found.setdefault(card.name, [])
    for status in sorted((root / "sys/class/drm").glob("card*-*/status")):
        card, port = status.parent.name.split("-", 1)
        try:
            state = status.read_text().strip()
        except OSError:
            state = "unknown"
        found.setdefault(card, []).append((port, state))
    return found


def choose(wanted: str, root: Path = Path("/")) -> Choice:
    """The card for ``[device] display`` = *wanted* (``auto``, ``cardN`` or a connector)."""
    cards = connectors(root)
    connected = {c: tuple(p for p, s in ports if s == "connected") for c, ports in cards.items()}
    if wanted == "auto":
        for card in sorted(cards, key=_number):
            if connected[card]:
                return Choice(card, connected[card])
        return Choice(None, problem="no DRM card has a connected screen")
    if CARD.fullmatch(wanted):
        if wanted not in cards:
            return Choice(None, problem=f"there is no {wanted} (cards: {_list(cards)})")
        if not connected[wanted]:
            return Choice(wanted, problem=f"{wanted} has no connected screen")
        return Choice(wanted, connected[wanted])
    for card in sorted(cards, key=_number):
        for port, state in cards[card]:
            if port == wanted:
                if state != "connected":
                    return Choice(card, problem=f"{wanted} ({card}) is {state}")
                return Choice(card, (port,))
    ports = ", ".join(p for c in cards.values() for p, _ in c) or "none"
    return Choice(None, problem=f"no connector {wanted} (connectors: {ports})")


def point_sdl(wanted: str, root: Path = Path("/"), env: dict | None = None) -> Choice:
    """Set ``SDL_KMSDRM_DEVICE_INDEX`` for *wanted* (unless it is already set); the choice.

    With no DRM cards at all (a desktop, a test machine) nothing is set.
    """
    env = os.environ if env is None else env
    choice = choose(wanted, root)
    if INDEX not in env and choice.index is not None:
        env[INDEX] = str(choice.index)
    return choice


def _number(card: str) -> int:
    match = CARD.fullmatch(card)
    return int(match.group(1)) if match else 1_000


def _list(cards: dict) -> str:
    return ", ".join(sorted(cards, key=_number)) or "none"
