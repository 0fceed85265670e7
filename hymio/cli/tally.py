"""``hymio tally``: today's counts, the hours of the day and the last days."""

from __future__ import annotations

import argparse
import json
from datetime import date

from kiosk.counting.metrics import Summary
from kiosk.settings.load import add_config_option, load_settings
from kiosk.settings.overlay import apply_overlay
from kiosk.store.store import Store
from kiosk.tally import Tally, tally

BAR_WIDTH = 24


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Register ``tally``."""
    p = commands.add_parser("tally", help="today's tally and the last days, from the local store")
    add_config_option(p)
    p.add_argument("--date", type=_date, metavar="YYYY-MM-DD", help="a local day (default today)")
    p.add_argument("--days", type=_days, default=7, metavar="N", help="days to list (default 7)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # as the kiosk runs: HQ's survey, store and zone over the local file
    settings = apply_overlay(load_settings(args.config))
    with Store.from_settings(settings, readonly=True) as store:
        result = tally(store, args.date, args.days)
    if args.json:
        print(json.dumps(result.as_dict(), ensure_ascii=False))
    else:
        labels = _labels(settings.survey.faces, result.today)
        print(render(result, labels))
    return 0


def render(t: Tally, labels: dict[int, str]) -> str:
    """The tally as a table for a terminal."""
    out = [
        f"Hymiö tally · store {t.store_id} · device {t.device_id} · "
        f"{t.date:%A %Y-%m-%d} ({t.timezone})",
        "",
    ]
    left_out = sum(t.flagged.values())
    line = f"Today: {t.today.count} counted"
    if left_out:
        detail = ", ".join(f"{n} {flag}" for flag, n in sorted(t.flagged.items()))
        line += f" ({left_out} left out: {detail})"
    out.append(line)
    biggest = max(t.today.counts.values(), default=0) or 1
    width = max((len(v) for v in labels.values()), default=0)
    for score, n in t.today.counts.items():
        share = f"{100 * n / t.today.count:5.1f} %" if t.today.count else "    – "
        bar = "█" * round(BAR_WIDTH * n / biggest)
        out.append(f"  {score:>2}  {labels[score]:<{width}}  {bar:<{BAR_WIDTH}} {n:>6}  {share}")
    out.append(f"  {headline(t.today)}")
    if t.other_scales:
        others = ", ".join(f"{n} on {scale}" for scale, n in t.other_scales.items())
        out.append(f"  (not in these figures: {others}, from an earlier survey)")
    if t.reasons:
        out += ["", "Follow-up reasons"]
        out += [f"  {reason:<16} {n:>6}" for reason, n in t.reasons.items()]
    busiest = max((s.count for _, s in t.hours), default=0) or 1
    if any(s.count for _, s in t.hours):
        out += ["", "Hours"]
        for hour, s in t.hours:
            if s.count:
                bar = "█" * max(1, round(BAR_WIDTH * s.count / busiest))
                out.append(f"  {hour:02d}  {bar:<{BAR_WIDTH}} {s.count:>6}  {headline(s)}")
    if t.days:
        out += ["", f"Last {len(t.days)} days"]
        out += [f"  {d:%a %Y-%m-%d}  {s.count:>6}  {headline(s)}" for d, s in t.days]
    return "\n".join(out)


def headline(s: Summary) -> str:
    """The metrics of a summary in one short line."""
    if not s.count:
        return ""
    parts = []
    if s.csat is not None:
        parts.append(f"CSAT {s.csat:.1f} %")
    if s.index is not None:
        parts.append(f"index {s.index:.1f}")
    if s.nps is not None:
        parts.append(f"NPS {s.nps:+.0f}")
    if s.ces is not None:
        parts.append(f"CES {s.ces:.2f}")
    return "  ".join(parts)


def _labels(faces: list[str] | tuple[str, ...], today: Summary) -> dict[int, str]:
    scores = list(today.counts)
    if faces and len(faces) == len(scores):
        return {score: face.replace("_", " ") for score, face in zip(scores, faces, strict=True)}
    return dict.fromkeys(scores, "")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-22") from None


def _days(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = -1
    if not 0 <= n <= 366:
        raise argparse.ArgumentTypeError(f"{text!r}: give a number of days from 0 to 366")
    return n
