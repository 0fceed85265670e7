"""Docs that cannot drift: the README names every command, option, setting and module."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from hymio.cli import build_parser
from kiosk.settings import doc as settings_doc
from kiosk.settings.load import parse_settings
from kiosk.settings.model import TABLES

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
DOCS = "\n".join(p.read_text() for p in sorted((ROOT / "docs").rglob("*.md")))
SETTINGS_PAGE = (ROOT / "docs" / "reference" / "settings.md").read_text()


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    [action] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def test_the_quick_start_comes_first():
    quick = README.split("## Quick start", 1)[1].split("##", 1)[0]
    assert "make demo" in quick
    assert "make test" in quick
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def nested(parser: argparse.ArgumentParser, prefix: str) -> dict[str, argparse.ArgumentParser]:
    """*parser* under *prefix*, and its own subcommands (``hq serve``) under theirs."""
    found = {prefix: parser}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.update(nested(sub, f"{prefix} {name}"))
    return found


COMMANDS = {k: v for name, p in subcommands().items() for k, v in nested(p, name).items()}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_and_option_is_in_the_readme(name):
    assert f"`hymio {name}" in DOCS
    for action in COMMANDS[name]._actions:
        for option in action.option_strings:
            if option not in ("-h", "--help"):
                assert option in DOCS, f"hymio {name} {option} is not in the docs"


@pytest.mark.parametrize("table", TABLES)
def test_every_setting_is_in_the_readme(table):
    assert f"`[{table}]`" in DOCS
    model = type(getattr(parse_settings({}), table))
    for key in model.model_fields:
        assert f"| `{table}.{key}" in DOCS, f"{table}.{key} is not in the settings reference"


def test_the_settings_reference_is_the_one_the_code_generates():
    assert settings_doc.replace_in(SETTINGS_PAGE) == SETTINGS_PAGE


def test_every_benchmark_is_in_the_docs():
    for path in sorted((ROOT / "bench").glob("*.py")):
        if path.name not in ("__init__.py", "__main__.py", "common.py"):
            assert f"bench/{path.name}" in DOCS
