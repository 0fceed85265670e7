"""What a customer reads never sends them to "the README" (issue 30): the dashboard's
notes once said "see the README", a file its readers never see. They point at the /help
pages instead. This walks every template, catalogue and kiosk screen a customer sees."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SEEN = [
    *ROOT.glob("hq/dashboard/templates/*.html"),
    *ROOT.glob("hq/insight/scheduled/templates/*"),
    *ROOT.glob("hq/core/locale/*/LC_MESSAGES/*.po"),
    *ROOT.glob("kiosk/**/*.kv"),
    *ROOT.glob("kiosk/assets/locale/**/*.po"),
]


def test_no_customer_text_names_the_readme():
    assert len(SEEN) > 20  # the walk finds the files it means to read
    named = [str(p.relative_to(ROOT)) for p in SEEN
             if re.search(r"read ?me", p.read_text(encoding="utf-8"), re.I)]  # fmt: skip
    assert named == []
