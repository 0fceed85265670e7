"""Every import points down, and every folder is a room you can name.

Between the parts: the domain ``kiosk/`` imports nothing above it; ``hardware/``, ``sync/``
and ``hq/`` never import the command ``hymio/``; Kivy only under ``kiosk/ui/`` and the
command. Inside HQ: each room (a subpackage of ``hq/``) imports only rooms below it, in the
order of :data:`HQ_ROOMS`; no module imports itself back through others (no circle); no
folder of the package holds more than about a dozen modules; every folder says in its
``__init__`` what lives there.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("kiosk", "hardware", "sync", "hq", "hymio")
FORBIDDEN = {
    "kiosk": {"hymio", "hardware", "sync", "hq"},
    "hardware": {"hymio", "sync", "hq"},
    "sync": {"hymio", "hardware", "hq"},
    "hq": {"hymio", "hardware", "sync"},
}
# HQ's rooms from the bottom up; rooms on one level (a tuple) never import each other.
HQ_ROOMS = (
    "core",
    "tables",
    "people",
    "ingest",
    "words",
    "insight",
    "actions",
    "fleet",
    "alerts",
    "web",
    ("api", "dashboard", "answer"),
    "server",
    "cli",
)
MOST_MODULES = 12  # directly in one folder, not counting its __init__


def level_of(room: str) -> int:
    for level, rooms in enumerate(HQ_ROOMS):
        if room == rooms or (isinstance(rooms, tuple) and room in rooms):
            return level
    raise KeyError(room)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """The dotted names *path* imports (``from a.b import c`` gives ``a.b`` and ``a.b.c``),
    at module level or inside functions, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            found |= {f"{module}.{alias.name}" for alias in node.names}
    return found


def python_files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


MODULES = {module_name(p): p for package in PACKAGES for p in python_files(package)}


def imported(path: Path) -> set[str]:
    """The top-level packages *path* imports."""
    return {name.split(".")[0] for name in imports_of(path)}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_every_import_points_down(package):
    wrong = {
        str(p.relative_to(ROOT)): sorted(imported(p) & FORBIDDEN[package])
        for p in python_files(package)
    }
    assert {k: v for k, v in wrong.items() if v} == {}


def test_kivy_is_imported_only_by_the_ui_and_the_command():
    users = {
        str(p.relative_to(ROOT))
        for package in ("kiosk", "hardware", "sync", "hq")
        for p in python_files(package)
        if "kivy" in imported(p)
    }
    assert users and all(u.startswith("kiosk/ui/") for u in users), users


def room_of(module: str) -> str | None:
    """The room of an ``hq`` module (``None`` for ``hq`` itself)."""
    parts = module.split(".")
    return parts[1] if parts[0] == "hq" and len(parts) > 1 else None


def test_hq_holds_only_its_rooms():
    top = {p.name for p in (ROOT / "hq").iterdir() if p.name != "__pycache__"}
    rooms = {r for level in HQ_ROOMS for r in (level if isinstance(level, tuple) else (level,))}
    assert top == {"__init__.py", *rooms}


def test_every_hq_import_points_down_to_a_lower_room():
    wrong = []
    for name, path in MODULES.items():
        room = room_of(name)
        if room is None:
            continue
        for target in imports_of(path):
            other = room_of(target)
            if other is None or other == room or target not in MODULES:
                continue
            if level_of(other) >= level_of(room):
                wrong.append(f"{name} -> {target}")
    assert wrong == []


def test_the_layout_test_sees_an_arrow_up(tmp_path):
    """The rule above is not vacuous: an import from a higher room is found."""
    assert level_of("insight") > level_of("people")
    assert "hq.insight.counts" in imports_of(MODULES["hq.actions.log"])


def test_no_module_imports_itself_back():
    graph = {
        name: {t for t in imports_of(path) if t in MODULES and t != name}
        for name, path in MODULES.items()
    }
    circles = [c for c in strongly_connected(graph) if len(c) > 1]
    assert circles == []


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components of *graph*, iteratively."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        top = stack.pop()
                        on_stack.discard(top)
                        component.append(top)
                        if top == node:
                            break
                    found.append(component)
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def test_the_circle_finder_finds_a_circle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert sorted(map(sorted, strongly_connected(graph))) == [["a", "b", "c"], ["d"]]


FOLDERS = sorted(
    {p.parent for package in PACKAGES for p in python_files(package)},
)


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: str(f.relative_to(ROOT)))
def test_a_folder_holds_about_a_dozen_modules_and_says_what_they_are(folder):
    if "migrations" in folder.parts:
        return  # Alembic's revisions and env.py: history, not a room
    modules = [p for p in folder.glob("*.py") if p.name != "__init__.py"]
    assert len(modules) <= MOST_MODULES, sorted(p.name for p in modules)
    init = folder / "__init__.py"
    assert init.exists()
    assert ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))), f"{init} says nothing"


def test_the_tests_mirror_hqs_rooms():
    rooms = {r for level in HQ_ROOMS for r in (level if isinstance(level, tuple) else (level,))}
    folders = {p.name for p in (ROOT / "tests" / "hq").iterdir() if p.is_dir()} - {"__pycache__"}
    assert folders <= rooms, folders - rooms
