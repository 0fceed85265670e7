"""Every import points down (SPEC §1): the domain ``kiosk/`` imports nothing above it;
``hardware/``, ``sync/`` and ``hq/`` never import the command ``hymio/``; Kivy only under
``kiosk/ui/`` and the command."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "kiosk": {"hymio", "hardware", "sync", "hq"},
    "hardware": {"hymio", "sync", "hq"},
    "sync": {"hymio", "hardware", "hq"},
    "hq": {"hymio", "hardware", "sync"},
}


def imported(path: Path) -> set[str]:
    """The top-level packages *path* imports, at module level or inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_every_import_points_down(package):
    wrong = {
        str(p.relative_to(ROOT)): sorted(imported(p) & FORBIDDEN[package])
        for p in (ROOT / package).rglob("*.py")
    }
    assert {k: v for k, v in wrong.items() if v} == {}


def test_kivy_is_imported_only_by_the_ui_and_the_command():
    users = {
        str(p.relative_to(ROOT))
        for package in ("kiosk", "hardware", "sync", "hq")
        for p in (ROOT / package).rglob("*.py")
        if "kivy" in imported(p)
    }
    assert users and all(u.startswith("kiosk/ui/") for u in users), users


def test_pytest_names_the_slowest_tests(pytestconfig):
    # pyproject's addopts: every run ends with its 15 slowest tests, so CI shows its time
    assert pytestconfig.getoption("durations") == 15
