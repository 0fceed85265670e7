"""The documentation's reference, generated from the code so it cannot drift: each
command's usage and options from :func:`hymio.cli.build_parser`, and every setting from
the settings model (:mod:`kiosk.settings.doc`).

The pages are written by hand around markers that the site's build (``docs/hooks.py``)
fills in: ``<!-- command: hymio hq serve -->`` becomes that command's heading, usage and
options, with the hand-written notes after it; ``<!-- settings -->`` becomes the
settings table. A command without its marker, or a marker without its command, is an
error that names it, so ``make docs`` fails rather than leave a command out.
"""

from __future__ import annotations

import argparse
import re

from kiosk.errors import HymioError

MARKER = re.compile(r"^<!-- command: (.+?) -->$", re.MULTILINE)
SETTINGS_MARKER = "<!-- settings -->"


class ReferenceError(HymioError, ValueError):
    """A reference page does not match the code: a command or setting marker is wrong."""


def commands(parser: argparse.ArgumentParser | None = None) -> dict[str, argparse.ArgumentParser]:
    """Every command (``hymio``, ``hymio hq``, ``hymio hq serve``, …) and its parser."""
    if parser is None:
        from hymio.cli import build_parser

        parser = build_parser()
    found = {parser.prog: parser}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found.update(commands(sub))
    return found


def summaries(parser: argparse.ArgumentParser) -> dict[str, str]:
    """The one-line help of each command, by its name (``hymio hq serve``)."""
    found: dict[str, str] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                found[f"{parser.prog} {choice.dest}"] = choice.help or ""
            for sub in action.choices.values():
                found.update(summaries(sub))
    return found


def command_block(name: str, parser: argparse.ArgumentParser, summary: str) -> str:
    """The heading, usage and option table of one command, as Markdown."""
    level = "###" if name.count(" ") < 2 else "####"  # under the page's own sections
    lines = [f"{level} `{name}`", ""]
    if summary:
        lines += [_sentence(summary), ""]
    lines += ["```", usage(parser), "```", ""]
    rows = [_row(action) for action in parser._actions if _shown(action)]
    subcommands = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if rows:
        lines += ["| option | what it does |", "| --- | --- |", *rows, ""]
    for action in subcommands:
        lines += ["| command | what it does |", "| --- | --- |"]
        for choice in action._choices_actions:
            sub = f"{name} {choice.dest}"
            lines.append(f"| [`{sub}`](#{_anchor(sub)}) | {_cell(choice.help or '')} |")
        lines.append("")
    return "\n".join(lines)


def usage(parser: argparse.ArgumentParser) -> str:
    """The usage line of *parser*, on one line, without ``-h``."""
    formatter = argparse.HelpFormatter(parser.prog, width=10_000)
    shown = [a for a in parser._actions if not isinstance(a, argparse._HelpAction)]
    formatter.add_usage(parser.usage, shown, parser._mutually_exclusive_groups, prefix="")
    return formatter.format_help().strip()


def render_commands(page: str, parser: argparse.ArgumentParser | None = None) -> str:
    """*page* with every command marker replaced by its block; every command must have one."""
    if parser is None:
        from hymio.cli import build_parser

        parser = build_parser()
    known = commands(parser)
    named = MARKER.findall(page)
    unknown = sorted(set(named) - set(known))
    if unknown:
        raise ReferenceError(f"the commands page names no such command: {', '.join(unknown)}")
    twice = sorted({n for n in named if named.count(n) > 1})
    if twice:
        raise ReferenceError(f"the commands page has these twice: {', '.join(twice)}")
    missing = sorted(set(known) - set(named))
    if missing:
        raise ReferenceError(
            "the commands page lacks these commands; add a '<!-- command: NAME -->' line "
            f"for each: {', '.join(missing)}"
        )
    helps = summaries(parser)
    return MARKER.sub(lambda m: command_block(m[1], known[m[1]], helps.get(m[1], "")), page)


def render_settings(page: str) -> str:
    """*page* with the settings marker replaced by the settings reference."""
    from kiosk.settings import doc

    if page.count(SETTINGS_MARKER) != 1:
        raise ReferenceError(f"the settings page needs one {SETTINGS_MARKER} line")
    return page.replace(SETTINGS_MARKER, doc.markdown())


def _shown(action: argparse.Action) -> bool:
    return not isinstance(action, argparse._HelpAction | argparse._SubParsersAction)


def _row(action: argparse.Action) -> str:
    if action.option_strings:
        name = ", ".join(f"`{o}`" for o in action.option_strings)
    else:
        name = f"`{action.metavar or action.dest}`"
    takes = action.nargs != 0 and action.option_strings
    if takes and action.choices:
        name += " " + ", ".join(f"`{c}`" for c in action.choices)
    elif takes:
        metavar = action.metavar or action.dest.upper()
        metavars = metavar if isinstance(metavar, tuple) else (metavar,)
        name = ", ".join(f"`{o} {' '.join(metavars)}`" for o in action.option_strings)
    text = (action.help or "") % {**vars(action), "prog": ""} if action.help else ""
    notes = []
    if action.required and action.option_strings:
        notes.append("required")
    suffix = f" ({', '.join(notes)})" if notes else ""
    return f"| {name} | {_cell(text)}{suffix} |"


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _anchor(name: str) -> str:
    """The id MkDocs gives the heading `` `name` `` (its toc slugify)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
