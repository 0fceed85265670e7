"""The settings reference of the documentation, generated from the settings models, so it
cannot drift from the code: every key, its type, its default, its limits, and what it does
(the field's description, else the comment beside the key in ``kiosk.example.toml``).
The site's build puts it into the settings page (:mod:`hymio.reference`).

    python -m kiosk.settings.doc            print the reference (Markdown)
"""

from __future__ import annotations

import re
import sys
import types
import typing
from pathlib import Path
from typing import Any

from annotated_types import Ge, Le, MaxLen, MinLen
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from kiosk.settings.load import parse_settings
from kiosk.settings.model import Settings
from kiosk.timekeeping.hours import Ranges

EXAMPLE = Path(__file__).with_name("kiosk.example.toml")
DYNAMIC = {"device.id": "the host name"}  # defaults computed when the file is read
NOTE = (
    "Defaults are those of the default scale, smiley4: the faces and the pins follow the "
    "scale. Times are in seconds. An unknown key is an error.\n\n"
)


def example_comments() -> dict[str, str]:
    """``table.key`` → the comment beside it in the commented example."""
    comments: dict[str, str] = {}
    table = ""
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        header = re.match(r"^\[([a-z_.]+)\]", line)
        if header:
            table = header.group(1)
            continue
        entry = re.match(r"^#?\s*([a-z_]+)\s*=\s*.*?\s#\s*(.+)$", line)
        if entry and table:
            comments.setdefault(f"{table}.{entry.group(1)}", entry.group(2).strip())
    return comments


def rows() -> list[tuple[str, ...]]:
    """(key, type, default, limits, meaning) for every leaf setting, in file order."""
    return _rows(Settings, "", example_comments(), parse_settings({}, Path("kiosk.toml")))


def _rows(
    model: type[BaseModel], prefix: str, comments: dict[str, str], defaults: Settings
) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for name, field in model.model_fields.items():
        key = f"{prefix}{name}"
        inner = _model_of(field.annotation)
        if inner is not None:
            out += _rows(inner, key + ".", comments, defaults)
            continue
        meaning = field.description or comments.get(key, "")
        out.append((key, _type_name(field.annotation), _default(key, field, defaults),
                    _limits(field), meaning))  # fmt: skip
    return out


def markdown() -> str:
    lines = [
        NOTE + "| setting | type | default | limits | what it does |",
        "| --- | --- | --- | --- | --- |",
    ]
    for key, kind, default, limits, meaning in rows():
        cells = (f"`{key}`", kind, default, limits, meaning.replace("|", "\\|"))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _type_name(annotation: Any) -> str:
    if annotation == Ranges:
        return '`"HH:MM-HH:MM"`, a list of them, or `"closed"`'
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin in (typing.Union, types.UnionType):
        names = [_type_name(a) for a in args if a is not type(None)]
        return " or ".join(names)
    if origin is typing.Literal:
        return " \\| ".join(f'`"{a}"`' if isinstance(a, str) else f"`{a}`" for a in args)
    if origin is tuple:
        return f"list of {_type_name(args[0])}"
    if origin is dict:
        return "table"
    if annotation is Path:
        return "path"
    names = {str: "text", int: "integer", float: "number", bool: "true/false"}
    if annotation in names:
        return names[annotation]
    return "time ranges" if "Ranges" in str(annotation) else str(annotation)


def _default(key: str, field: FieldInfo, defaults: Settings) -> str:
    if key in DYNAMIC:
        return DYNAMIC[key]
    if field.annotation == Ranges:
        value = field.get_default()  # as written in the file, not as parsed
    else:
        value = defaults
        for part in key.split("."):
            value = getattr(value, part)
    if value is None:
        return "none"
    if isinstance(value, tuple):
        value = list(value)
    if isinstance(value, Path):
        return f"`{value}`"
    if isinstance(value, str | list):
        return "`" + repr(value).replace("'", '"') + "`"
    if isinstance(value, dict):
        return "`{}`" if not value else "(see the example)"
    return f"`{value}`"


def _limits(field: FieldInfo) -> str:
    found = []
    for item in field.metadata:
        if isinstance(item, Ge):
            found.append(f"≥ {item.ge}")
        elif isinstance(item, Le):
            found.append(f"≤ {item.le}")
        elif isinstance(item, MinLen):
            found.append(f"at least {item.min_length}")
        elif isinstance(item, MaxLen):
            found.append(f"at most {item.max_length}")
    return ", ".join(found)


if __name__ == "__main__":
    sys.stdout.write(markdown())
