"""``hymio doctor``'s checks of sync: HQ reachable, token accepted, clock close to HQ's,
and the backlog, last error and held ratings from the store and its salvaged databases."""

from __future__ import annotations

from email.utils import parsedate_to_datetime

import requests

from kiosk.doctor import FAIL, OK, WARN, Context, Finding, open_store
from kiosk.errors import StoreError
from kiosk.store.ledger import Ledger, totals
from sync.client import HQClient
from sync.databases import Databases

CLOCK_WARN_SECONDS = 60.0
BACKLOG_WARN = 10_000
CONFIG_PATH = "/api/v1/config"  # what the check asks HQ for (HQClient.config)


def check_hq(ctx: Context, client: HQClient | None = None) -> list[Finding]:
    """HQ answers, takes the token, and its clock agrees with ours."""
    hq = ctx.settings.hq
    if not hq.url or not hq.token:
        return []  # check_settings already says so
    client = client or HQClient(hq.url, hq.token, connect_timeout=3, read_timeout=5)
    try:
        try:
            client.health()
            answer = client.config()
        except requests.RequestException as exc:
            return [
                Finding(
                    "hq",
                    FAIL,
                    f"{hq.url} could not be reached ({type(exc).__name__})",
                    "check the network cable or Wi-Fi, and [hq] url in the settings",
                )
            ]
    finally:
        client.close()
    if answer.status in (401, 403):
        return [
            Finding(
                "hq",
                FAIL,
                f"{hq.url} refused the token ({answer.error_code})",
                "copy the token `hymio hq add-device` (or rotate-token) printed into [hq] token",
            )
        ]
    if answer.status >= 500 or answer.status == 429:  # HQ there, but not able now
        return [Finding("hq", WARN, f"{hq.url} answered {answer.status}", "look at HQ's log")]
    if not answer.ok or not isinstance(answer.body.get("version"), int):
        # a 404, a login page, a proxy's own page: whatever answers is not HQ's API
        return [
            Finding(
                "hq",
                FAIL,
                f"{hq.url} answered {answer.status} to {CONFIG_PATH}, not as Hymiö HQ does:"
                " a wrong address, or not HQ",
                "set [hq] url to HQ's own address (its dashboard's, without a path, e.g."
                " https://hq.example.com)",
            )
        ]
    found = [Finding("hq", OK, f"{hq.url} reachable, token accepted")]
    if answer.date:
        offset = (parsedate_to_datetime(answer.date) - ctx.clock.now()).total_seconds()
        text = (
            f"this kiosk's clock is {abs(offset):.0f} s {'behind' if offset > 0 else 'ahead of'} HQ"
        )
        if abs(offset) > CLOCK_WARN_SECONDS:
            found.append(Finding("hq", WARN, text, "turn NTP on: `sudo timedatectl set-ntp true`"))
        else:
            found.append(Finding("hq", OK, text))
    return found


def check_sync(ctx: Context) -> list[Finding]:
    """The backlog, the last sync and its error, the ratings HQ refused."""
    s = ctx.settings
    if not s.storage.path.exists():
        return []  # check_database says so
    try:
        store = open_store(ctx)
    except StoreError:
        return []  # check_database says so
    databases = Databases(store, readonly=True)
    with store:
        try:
            state = Ledger(store).notes()
            stores = databases.all()
            salvaged = [d for s in stores[1:] for d in Ledger(s).databases()]
            each = Ledger(store).databases() + salvaged
            held = [h for s in stores for h in Ledger(s).held(limit=3)][:3]
        except StoreError as exc:
            return [Finding("sync", WARN, f"no sync state yet ({exc})", "run `hymio sync` once")]
        finally:
            databases.close()
    found = []
    sums = totals(each)
    pending = sums["pending"]
    last = state["last_success"] or "never"
    oldest = sums["oldest_pending_at"] or "-"
    text = f"{pending} pending (oldest {oldest}), last upload {last}"
    level = WARN if pending > BACKLOG_WARN else OK
    found.append(Finding("sync", level, text, "check that hymio-sync runs and HQ is reachable"))
    if len(stores) > 1:
        found.append(
            Finding(
                "sync",
                OK if not any(d["pending"] for d in salvaged) else WARN,
                f"{len(stores) - 1} salvaged database(s) beside the store, "
                f"{sum(d['pending'] for d in salvaged)} of their ratings still to send",
                "hymio-sync sends them; nothing to do unless that number stays",
            )
        )
    if state["last_error"]:
        found.append(
            Finding("sync", WARN, f"last error: {state['last_error']}", "see the hq check above")
        )
    total_held = sums["held"]
    if total_held:
        examples = "; ".join(f"seq {h.seq}: {h.code} ({h.message})" for h in held)
        found.append(
            Finding(
                "sync",
                FAIL,
                f"{total_held} rating(s) refused by HQ and held here, not counted at HQ: "
                f"{examples}",
                "fix what HQ names (or report it to whoever runs HQ), then send them again: "
                f"hymio sync --config {ctx.settings.source} --retry-held",
            )
        )
    return found
