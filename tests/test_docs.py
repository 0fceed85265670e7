"""Docs that cannot drift: the site names every command, option, setting, unit file, make
target, benchmark and module, and gives each of HQ's rooms a section; its reference pages
are generated from the code; it builds with ``mkdocs build --strict`` (no broken link or
anchor) and needs no internet."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from hymio import reference
from kiosk.settings.load import parse_settings
from kiosk.settings.model import TABLES
from tests.test_layout import HQ_ROOMS, PACKAGES

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS_PAGE = (DOCS / "reference" / "commands.md").read_text(encoding="utf-8")
SETTINGS_PAGE = (DOCS / "reference" / "settings.md").read_text(encoding="utf-8")
DEVELOPERS_PAGE = (DOCS / "developers.md").read_text(encoding="utf-8")
COMMANDS = reference.commands()


def pages(section: str = "") -> str:
    """The hand-written Markdown of *section* (a folder under docs/), or of every page."""
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted((DOCS / section).rglob("*.md")))


def test_the_quick_start_comes_first():
    quick = README.split("## Quick start", 1)[1].split("##", 1)[0]
    assert "make demo" in quick
    assert "make test" in quick
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_the_readme_is_a_front_page_and_a_map_of_the_site():
    assert len(README.splitlines()) <= 250
    assert "make docs" in README and "/help" in README
    for section in ("build-a-kiosk", "run-hq", "use-the-dashboard", "run-a-fleet", "reference"):
        assert f"(docs/{section}/" in README, f"the README's map lacks docs/{section}"


def test_ci_builds_the_docs_between_lint_and_test():
    steps = [line for line in (ROOT / ".ci" / "run").read_text().splitlines()
             if line.startswith("make ")]  # fmt: skip
    assert steps == ["make lint", "make docs", "make test"]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_and_option_is_in_the_reference(name):
    rendered = reference.render_commands(COMMANDS_PAGE)
    heading = re.search(rf"^#+ `{re.escape(name)}`$", rendered, re.MULTILINE)
    assert heading, f"{name} has no heading in the reference"
    block = rendered[heading.end() :].split("\n#", 1)[0]
    for action in COMMANDS[name]._actions:
        for option in action.option_strings:
            if option not in ("-h", "--help"):
                assert f"`{option}" in block, f"{name} {option} is not in the reference"


def test_a_command_without_its_marker_fails_the_build():
    page = COMMANDS_PAGE.replace("<!-- command: hymio hq rotate-token -->\n", "")
    with pytest.raises(reference.ReferenceError, match="hymio hq rotate-token"):
        reference.render_commands(page)
    with pytest.raises(reference.ReferenceError, match="hymio hq no-such"):
        reference.render_commands(COMMANDS_PAGE + "\n<!-- command: hymio hq no-such -->\n")
    twice = COMMANDS_PAGE + "\n<!-- command: hymio tally -->\n"
    with pytest.raises(reference.ReferenceError, match="twice: hymio tally"):
        reference.render_commands(twice)


def test_every_command_has_notes_written_by_hand():
    """Under each generated block, a paragraph of its own (what it does, its exit codes)."""
    groups = {"hymio hq"}  # a group's block is its list of commands
    for name in set(COMMANDS) - groups:
        after = COMMANDS_PAGE.split(f"<!-- command: {name} -->\n", 1)[1]
        assert after.lstrip("\n") and not after.lstrip("\n").startswith("<!--"), name


@pytest.mark.parametrize("table", TABLES)
def test_every_setting_is_in_the_reference(table):
    rendered = reference.render_settings(SETTINGS_PAGE)
    assert f"`[{table}]`" in rendered
    model = type(getattr(parse_settings({}), table))
    for key in model.model_fields:
        assert f"| `{table}.{key}" in rendered, f"{table}.{key} is not in the settings reference"


def test_the_settings_page_needs_its_marker():
    with pytest.raises(reference.ReferenceError, match="settings"):
        reference.render_settings(SETTINGS_PAGE.replace(reference.SETTINGS_MARKER, ""))


@pytest.mark.parametrize("unit", sorted(p.name for p in (ROOT / "systemd").iterdir()))
def test_every_unit_is_described_where_its_reader_looks(unit):
    section = "run-hq" if unit.startswith("hymio-hq") else "build-a-kiosk"
    assert f"`{unit}`" in pages(section) or f"`systemd/{unit}`" in pages(section), (
        f"{unit} is not described under docs/{section}/"
    )


def test_every_make_target_is_named():
    makefile = (ROOT / "Makefile").read_text()
    [phony] = re.findall(r"^\.PHONY: (.+)$", makefile, re.MULTILINE)
    for target in phony.split():
        assert f"`make {target}`" in pages(), f"make {target} is not in the docs"


def test_every_benchmark_is_in_the_docs():
    benchmarks = (DOCS / "benchmarks.md").read_text(encoding="utf-8")
    for path in sorted((ROOT / "bench").glob("*.py")):
        if path.name not in ("__init__.py", "__main__.py", "common.py"):
            assert f"bench/{path.name}" in benchmarks


def package_modules() -> list[str]:
    """Every module of the package, as its path: each folder's ``__init__`` (its docstring
    speaks for the folder) and Alembic's revisions (history) left out."""
    return sorted(
        path.relative_to(ROOT).as_posix()
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if path.name != "__init__.py" and "versions" not in path.relative_to(ROOT).parts
    )


def modules_missing(page: str, modules: list[str]) -> list[str]:
    """The *modules* that have no row of their own (the path, then one line) on *page*."""
    return [m for m in modules if not re.search(rf"^\| `{re.escape(m)}` \| \S.* \|$", page, re.M)]


def test_the_code_map_names_every_module():
    modules = package_modules()
    assert len(modules) > 150 and "hq/ingest/batches.py" in modules
    assert "hq/tables/migrations/env.py" in modules and "hymio/__main__.py" in modules
    assert modules_missing(DEVELOPERS_PAGE, modules) == []
    # The check is not vacuous: a module without its row is found.
    row = "| `hq/ingest/batches.py` |"
    assert modules_missing(DEVELOPERS_PAGE.replace(row, "| batches |"), modules) == [
        "hq/ingest/batches.py"
    ]


def room_sections(page: str) -> list[str]:
    """The rooms of HQ that *page* gives a section (a heading naming ``hq/ROOM/``), in order."""
    return re.findall(r"^#{2,4} `hq/(\w+)/`", page, re.MULTILINE)


def rooms_out_of_place(page: str) -> list[str]:
    """What is wrong with *page*'s sections for HQ's rooms: a room without one, a room with
    two, a section for no room, and sections out of the rooms' import order."""
    levels = {
        room: n
        for n, level in enumerate(HQ_ROOMS)
        for room in (level if isinstance(level, tuple) else (level,))
    }
    found = room_sections(page)
    wrong = [f"no section: {r}" for r in levels if r not in found]
    wrong += [f"twice: {r}" for r in sorted(set(found)) if found.count(r) > 1]
    wrong += [f"not a room: {r}" for r in found if r not in levels]
    order = [levels[r] for r in found if r in levels]
    if order != sorted(order):
        wrong.append(f"out of order: {found}")
    return wrong


def test_the_code_map_has_a_section_for_every_room_of_hq_in_import_order():
    assert rooms_out_of_place(DEVELOPERS_PAGE) == []
    # Not vacuous: a room's section taken away, or two swapped, is found.
    heading = re.search(r"^### `hq/people/`.*$", DEVELOPERS_PAGE, re.MULTILINE).group()
    assert rooms_out_of_place(DEVELOPERS_PAGE.replace(heading, "### People")) == [
        "no section: people"
    ]
    core = re.search(r"^### `hq/core/`.*$", DEVELOPERS_PAGE, re.MULTILINE).group()
    swapped = DEVELOPERS_PAGE.replace(core, "@@").replace(heading, core).replace("@@", heading)
    assert rooms_out_of_place(swapped) == [f"out of order: {room_sections(swapped)}"]


def test_the_docs_stand_alone():
    """No page sends its reader to the specification or the issue tracker."""
    for text in (pages(), README):
        assert "SPEC" not in text and "§" not in text
        assert not re.search(r"\bissue \d+", text)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The site, built as ``make docs`` builds it (warnings are errors)."""
    out = tmp_path_factory.mktemp("site")
    run = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-4000:]
    return out


def test_the_site_builds_with_the_generated_reference(site):
    commands = (site / "reference" / "commands.html").read_text(encoding="utf-8")
    assert 'id="hymio-hq-serve"' in commands and "--read-timeout" in commands
    settings = (site / "reference" / "settings.html").read_text(encoding="utf-8")
    assert "<code>device.store_id</code>" in settings
    assert "<!-- settings -->" not in settings and "<!-- command:" not in commands


def test_the_site_needs_no_internet_and_works_under_a_prefix(site):
    # MkDocs writes 404.html with links from the root (it cannot know the prefix): a server
    # of the site under a prefix answers its own 404 instead, so it is left out here.
    html = [p for p in site.rglob("*.html") if p.name != "404.html"]
    assert len(html) >= 30
    for page in html:
        text = page.read_text(encoding="utf-8")
        loads = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="([^"]+)"', text)
        outside = [u for u in loads if re.match(r"(https?:)?//", u)]
        assert outside == [], f"{page.relative_to(site)} loads {outside}"
        rooted = re.findall(r'(?:src|href)="(/[^"]*)"', text)
        assert rooted == [], f"{page.relative_to(site)} links from the root: {rooted[:3]}"
    assert "fonts.googleapis" not in "".join(p.read_text() for p in site.rglob("*.css"))


def test_the_screenshot_script_imports_what_exists():
    """make screenshots is not run by the suite; a module it uses that moved fails here."""
    import ast
    import importlib

    tree = ast.parse((DOCS / "screenshots.py").read_text(encoding="utf-8"))
    names = [(node.module, alias.name) for node in ast.walk(tree)
             if isinstance(node, ast.ImportFrom) and node.module
             and node.module.split(".")[0] in {"hymio", "kiosk", "sync", "hardware", "hq"}
             for alias in node.names]  # fmt: skip
    assert len(names) >= 10
    for module, name in names:
        spec = importlib.util.find_spec(module)
        assert spec is not None, f"docs/screenshots.py imports {module}, which is gone"
        if importlib.util.find_spec(f"{module}.{name}") if spec.submodule_search_locations else 0:
            continue  # a module of the package
        # Read, not imported: kiosk.ui would start Kivy in this process.
        source = Path(spec.origin).read_text(encoding="utf-8")
        defined = rf"^(?:class|def) {name}\b|^[\w, ]*\b{name}\b[\w, ]*[:=]|^from .*\b{name}\b"
        assert re.search(defined, source, re.MULTILINE), f"{module} has no {name}"
