"""Read the kiosk settings file (TOML, SPEC §4) into :class:`~kiosk.settings.model.Settings`.

Every problem in the file is collected into one :class:`~kiosk.errors.SettingsError` that
names the file, the key (``buttons.face_buttons[2]``) and what is wrong; nothing else is
ever raised for a bad file. The models themselves are in :mod:`kiosk.settings.model`.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from kiosk.errors import SettingsError
from kiosk.settings.base import Problem
from kiosk.settings.model import TABLES, TOKEN_PATTERN, Settings
from kiosk.settings.survey import ID_PATTERN, REASON_PATTERN

__all__ = ["Settings", "SettingsError", "load_settings", "parse_settings"]

EXAMPLE = Path(__file__).with_name("kiosk.example.toml")
INSTALLED = Path("/etc/hymio/kiosk.toml")  # where deploy/install-pi.sh writes the settings
CONFIG_VAR = "HYMIO_CONFIG"  # names the settings file for commands run without --config
BOM = "\ufeff"  # Notepad and other Windows editors start a UTF-8 file with it
# No setting nests deeper than 4 ([survey.reason_text.KEY] fi = ...); Python's own parser
# and validators recurse, so a file nested thousands deep must stop here, as a mistake.
MAX_DEPTH = 16
TOO_DEEP = (
    f"nests lists or tables more than {MAX_DEPTH} levels deep; no setting needs more than "
    "4: is this the kiosk's settings file?"
)


def add_config_option(parser: argparse.ArgumentParser) -> None:
    """``--config FILE`` of a kiosk command; left out, :func:`default_settings_file`."""
    parser.add_argument(
        "--config",
        metavar="FILE",
        default=None,
        help=f"the kiosk settings file (default: ${CONFIG_VAR}, else {INSTALLED} where the"
        " install script put it)",
    )


def default_settings_file(
    env: Mapping[str, str] | None = None, root: Path = Path("/")
) -> Path | None:
    """The settings file a kiosk command reads without ``--config``: ``$HYMIO_CONFIG``,
    else the installed :data:`INSTALLED` (under *root*) if it exists; None: neither."""
    env = os.environ if env is None else env
    if env.get(CONFIG_VAR):
        return Path(env[CONFIG_VAR])
    installed = root / INSTALLED.relative_to("/")
    return installed if installed.is_file() else None


def load_settings(path: Path | str) -> Settings:
    """The settings in the TOML file at *path*; a :class:`SettingsError` if it is unusable."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SettingsError(path, [("", f"no such file; copy {EXAMPLE} and edit it")]) from None
    except OSError as e:
        raise SettingsError(path, [("", f"cannot be read: {e.strerror or e}")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        problem = f"is not UTF-8 text (byte {e.start}); save it as UTF-8"
        raise SettingsError(path, [("", problem)]) from None
    try:
        data = tomllib.loads(text.removeprefix(BOM))
    except tomllib.TOMLDecodeError as e:
        raise SettingsError(path, [("", f"is not valid TOML: {e}")]) from None
    except RecursionError:  # tomllib parses nested arrays and inline tables recursively
        raise SettingsError(path, [("", TOO_DEEP)]) from None
    return parse_settings(data, path)


def parse_settings(data: dict[str, Any], path: Path | str = "kiosk.toml") -> Settings:
    """Validate already-parsed TOML *data*; relative paths are relative to *path*'s folder."""
    path = Path(path)
    if not isinstance(data, dict):
        raise SettingsError(path, [("", "must be a TOML document of tables")])
    odd = _odd_values(data)
    if odd:
        raise SettingsError(path, odd)
    # Every table is validated, present or not, so that defaults that depend on another
    # table (the button pins on the survey's scale) are filled in too.
    data = {**{name: {} for name in TABLES}, **data}
    survey = data.get("survey")
    scale = survey.get("scale", None) if isinstance(survey, dict) else None
    context = {"base": path.parent, "source": path}
    if isinstance(scale, str):
        context["scale"] = scale
    try:
        return Settings.model_validate(data, context=context)
    except ValidationError as e:
        raise SettingsError(path, _problems(e)) from None


def _odd_values(data: dict[str, Any]) -> list[tuple[str, str]]:
    """Problems no model should see: nesting deeper than :data:`MAX_DEPTH` (the models and
    ``repr`` recurse) and NUL characters (no file path, URL or text may hold one). Walks
    the document without recursion; one problem for each top-level key at most."""
    problems: dict[str, tuple[str, str]] = {}
    stack: list[tuple[tuple[Any, ...], Any]] = [((key,), value) for key, value in data.items()]
    while stack:
        loc, value = stack.pop()
        if loc[0] in problems:
            continue
        if len(loc) > MAX_DEPTH:
            problems[loc[0]] = (_dotted(loc[:1]), TOO_DEEP)
        elif isinstance(loc[-1], str) and "\0" in loc[-1]:
            problems[loc[0]] = (
                _dotted(loc[:-1]),
                f"the key {_show(loc[-1])} contains a NUL character",
            )
        elif isinstance(value, str) and "\0" in value:
            problems[loc[0]] = (_dotted(loc), "contains a NUL character (\\u0000); remove it")
        elif isinstance(value, dict):
            stack += [((*loc, k), v) for k, v in value.items()]
        elif isinstance(value, list):
            stack += [((*loc, i), v) for i, v in enumerate(value)]
    return list(problems.values())


def _problems(error: ValidationError) -> list[tuple[str, str]]:
    problems = []
    for item in error.errors(include_url=False):
        cause = (item.get("ctx") or {}).get("error")
        key = cause.key if isinstance(cause, Problem) else _dotted(item["loc"])
        problem = (key, _explain(item))
        if problem not in problems:
            problems.append(problem)
    return problems


def _dotted(loc: tuple[Any, ...]) -> str:
    key = ""
    for part in loc:
        if isinstance(part, int):
            key += f"[{part}]"
        elif str(part).startswith("function-"):
            continue  # pydantic's name for a validator step, not a key of the file
        else:
            part = str(part)
            if not _BARE_KEY.match(part):  # quoted as TOML would quote it
                part = json.dumps(part, ensure_ascii=False)
            key += f".{part}" if key else part
    return key


_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_PATTERNS = {
    ID_PATTERN: "is not an id: use 1–64 letters, digits, '.', '_' or '-', starting with a"
    " letter or digit",
    REASON_PATTERN: "is not a reason key: use a short lowercase key like 'queue' (a–z, 0–9, _)",
    TOKEN_PATTERN: "must not contain spaces; paste the token exactly as HQ printed it",
}
_TYPES = {
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "string_type": "text in quotes",
    "bool_type": "true or false",
    "tuple_type": "a list in square brackets",
    "list_type": "a list in square brackets",
    "model_type": "a table",
    "model_attributes_type": "a table",
    "dict_type": "a table",
}


def _explain(item: dict[str, Any]) -> str:
    kind, ctx, value = item["type"], item.get("ctx") or {}, item.get("input")
    if kind == "extra_forbidden":
        return _unknown(item["loc"])
    if kind == "missing":
        return "is required"
    if kind in _TYPES:
        return f"must be {_TYPES[kind]}, not {_show(value)}"
    if kind == "finite_number":
        return f"must be a finite number, not {_show(value)}"
    if kind in ("greater_than_equal", "greater_than"):
        return f"must be at least {ctx.get('ge', ctx.get('gt'))}, not {_show(value)}"
    if kind in ("less_than_equal", "less_than"):
        return f"must be at most {ctx.get('le', ctx.get('lt'))}, not {_show(value)}"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}, not {_show(value)}"
    if kind == "string_pattern_mismatch":
        return f"{_show(value)} {_PATTERNS.get(ctx.get('pattern'), 'is not allowed here')}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"is too long: at most {ctx.get('max_length')} characters"
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length')} item(s)"
    if kind == "too_long":
        return f"has too many items: at most {ctx.get('max_length')}"
    if kind == "value_error":
        return str(ctx.get("error", item["msg"]))
    return item["msg"]


def _unknown(loc: tuple[Any, ...]) -> str:
    *parent, name = loc
    known = _known_keys(tuple(parent))
    if known is None:
        return "unknown key"
    hint = difflib.get_close_matches(str(name), known, n=1)
    if hint:
        return f"unknown key; did you mean {hint[0]!r}?"
    where = f"[{'.'.join(map(str, parent))}]" if parent else "the file"
    return f"unknown key; the keys of {where} are {', '.join(known)}"


def _known_keys(parent: tuple[Any, ...]) -> list[str] | None:
    model: Any = Settings
    for part in parent:
        if isinstance(model, type) and issubclass(model, BaseModel):
            field = model.model_fields.get(str(part))
            if field is None:
                return None
            model = field.annotation
        elif getattr(model, "__origin__", None) is dict:
            model = model.__args__[1]
        else:
            return None
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return None


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
