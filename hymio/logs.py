"""Logging for people and for journald.

Under systemd (``JOURNAL_STREAM`` is set when stderr goes to the journal) each line starts
with its syslog priority, ``<3>`` for an error, ``<4>`` a warning, ``<6>`` information,
which journald reads (``SyslogLevelPrefix=`` is on by default), so ``journalctl -p
warning -t hymio-sync`` shows exactly the problems. APScheduler's two lines per job run
("Running job", "executed successfully") are kept out below WARNING, urllib3's warning at
each connect retry below ERROR.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

PRIORITY = {
    logging.CRITICAL: 2,
    logging.ERROR: 3,
    logging.WARNING: 4,
    logging.INFO: 6,
    logging.DEBUG: 7,
}
QUIET = ("apscheduler",)  # per-run chatter: only its warnings and errors are kept
# urllib3 warns at each of a request's connect retries ("Retrying (Retry(total=1, ...)) after
# connection broken by ..."): six lines a round while HQ is away, before sync's own line
# that says so once. Its errors stay.
RETRIES = "urllib3.connectionpool"


class JournalFormatter(logging.Formatter):
    """``<priority>`` before every line of the record (a traceback included)."""

    def format(self, record: logging.LogRecord) -> str:
        level = max((lv for lv in PRIORITY if lv <= record.levelno), default=logging.DEBUG)
        prefix = f"<{PRIORITY[level]}>"
        return "\n".join(prefix + line for line in super().format(record).splitlines())


def setup(level: int = logging.WARNING, env: Mapping[str, str] | None = None) -> None:
    """The root handler on stderr: journald priorities under systemd, plain otherwise."""
    env = os.environ if env is None else env
    handler = logging.StreamHandler()
    if env.get("JOURNAL_STREAM"):
        handler.setFormatter(JournalFormatter("%(name)s: %(message)s"))
    else:
        handler.setFormatter(logging.Formatter("hymio: %(levelname)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger(RETRIES).setLevel(logging.ERROR if level > logging.DEBUG else logging.DEBUG)
