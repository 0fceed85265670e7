"""The DRM card the kiosk draws on, from a fake /sys: a Pi 5 whose render-only card and
display card swap numbers between boots."""

from __future__ import annotations

from pathlib import Path

import pytest

from hymio import drm


def connector(root: Path, name: str, state: str) -> None:
    folder = root / "sys/class/drm" / name
    folder.mkdir(parents=True)
    (folder / "status").write_text(state + "\n")


@pytest.fixture
def pi5(tmp_path) -> Path:
    # This boot: card0 is the display controller with the Touch Display 2 on DSI-2 and an
    # empty HDMI port; card1 (v3d) renders only and has no connectors.
    (tmp_path / "sys/class/drm/card1").mkdir(parents=True)
    connector(tmp_path, "card0-DSI-2", "connected")
    connector(tmp_path, "card0-HDMI-A-1", "disconnected")
    return tmp_path


def reboot_swapped(root: Path) -> None:
    drm_dir = root / "sys/class/drm"
    for folder in list(drm_dir.iterdir()):
        folder.rename(drm_dir / folder.name.replace("card0", "cardX"))
    for folder in list(drm_dir.iterdir()):
        folder.rename(drm_dir / folder.name.replace("card1", "card0").replace("cardX", "card1"))


def test_auto_picks_the_card_with_a_connected_screen_whatever_its_number(pi5):
    assert drm.choose("auto", pi5) == drm.Choice("card0", ("DSI-2",))
    reboot_swapped(pi5)
    assert drm.choose("auto", pi5) == drm.Choice("card1", ("DSI-2",))


def test_a_connector_name_follows_its_card_across_reboots(pi5):
    env: dict[str, str] = {}
    assert drm.point_sdl("DSI-2", pi5, env).index == 0 and env == {drm.INDEX: "0"}
    reboot_swapped(pi5)
    env.clear()
    assert drm.point_sdl("DSI-2", pi5, env).index == 1 and env == {drm.INDEX: "1"}


def test_a_setting_set_by_hand_in_the_environment_wins(pi5):
    env = {drm.INDEX: "7"}
    drm.point_sdl("auto", pi5, env)
    assert env == {drm.INDEX: "7"}


@pytest.mark.parametrize(
    ("wanted", "problem"),
    [
        ("HDMI-A-1", "HDMI-A-1 (card0) is disconnected"),
        ("HDMI-A-2", "no connector HDMI-A-2 (connectors: DSI-2, HDMI-A-1)"),
        ("card1", "card1 has no connected screen"),
        ("card4", "there is no card4 (cards: card0, card1)"),
    ],
)
def test_a_wrong_choice_says_what_there_is(pi5, wanted, problem):
    assert drm.choose(wanted, pi5).problem == problem


def test_no_drm_at_all_sets_nothing(tmp_path):
    env: dict[str, str] = {}
    assert drm.point_sdl("auto", tmp_path, env).problem and env == {}
