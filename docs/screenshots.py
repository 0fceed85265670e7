"""Every picture of the documentation, made from demo data by the real programs.

    python -m docs.screenshots [--out docs/images]      (make screenshots)

A chain of six sample stores in two regions gets a month of shoppers each
(``kiosk.sample``, through the real store and flag rule). ``hymio hq serve`` runs on
127.0.0.1 with a SQLite file in a temporary folder; the stores, regions, users, alert
rules and a scheduled report are made with ``hymio hq`` commands, an action and the
kiosk message through the dashboard's own forms, and each kiosk's ``hymio sync`` uploads
its ratings and heartbeats. Then the kiosk is shot through its offscreen Kivy window at
800×480 and 720×1280 (a process per size: SDL's offscreen window keeps its first size),
and the dashboard's pages in Debian's Chromium (Playwright) at 1366 and 390 px wide.
Nothing leaves this machine; the folder is removed afterwards.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "images"
PASSWORD = "hymio-screenshots"  # noqa: S105 -- a throwaway HQ's login, gone with its folder
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
WIDE, NARROW = (1366, 860), (390, 844)
LOCALE = "en-GB"  # the dashboard in English (its Accept-Language)
KIOSK_SIZES = ("800x480", "720x1280")
GOOD, USUAL, POOR = (
    {1: 0.03, 2: 0.07, 3: 0.38, 4: 0.52},
    {1: 0.06, 2: 0.12, 3: 0.42, 4: 0.40},
    {1: 0.16, 2: 0.22, 3: 0.37, 4: 0.25},
)
REGIONS = {"south": "South", "west": "West"}
# id, name, region, mood, days of history
STORES = [
    ("kamppi", "Kamppi", "south", USUAL, 60),
    ("sello", "Sello", "south", GOOD, 60),
    ("itis", "Itis", "south", POOR, 60),
    ("tampere", "Tampere Koskikeskus", "west", GOOD, 60),
    ("turku", "Turku Hansa", "west", USUAL, 60),
    ("jatkasaari", "Jätkäsaari pop-up", "west", POOR, 1),
]
HOURS = """[hours]
mon = "08:00-21:00"
tue = "08:00-21:00"
wed = "08:00-21:00"
thu = "08:00-21:00"
fri = "08:00-22:00"
sat = "09:00-22:00"
sun = "10:00-18:00"
"""
MESSAGES = {
    "en": "You said the queues were long: a third checkout now opens on weekdays 16–18.",
    "fi": "Jonot olivat pitkiä: avaamme kolmannen kassan arkisin klo 16–18.",
    "sv": "Köerna var långa: en tredje kassa öppnar vardagar kl. 16–18.",
}


def hymio(*args: str, env: dict[str, str] | None = None) -> str:
    """``hymio ARGS`` as a process; its output, or an error naming the command."""
    run = subprocess.run(  # noqa: S603 -- this Python, our own command
        [sys.executable, "-m", "hymio", *args], capture_output=True, text=True, timeout=120,
        env={**os.environ, **(env or {})},
    )  # fmt: skip
    if run.returncode:
        raise SystemExit(f"hymio {' '.join(args)} failed: {run.stderr.strip()}")
    return run.stdout


class Chain:
    """The sample chain in *folder*: HQ's database, and a kiosk folder per store."""

    def __init__(self, folder: Path, port: int):
        self.folder, self.port = folder, port
        self.database = f"sqlite:///{folder / 'hq.db'}"
        self.url = f"http://127.0.0.1:{port}"

    def hq(self, *args: str, **env: str) -> str:
        return hymio("hq", *args, "--database", self.database, env=env)

    def kiosk(self, store: str) -> Path:
        return self.folder / store / "kiosk.toml"

    def set_up(self) -> None:
        """Regions, stores, kiosks with a month of shoppers, people, rules and a report."""
        from kiosk.sample import fill
        from kiosk.settings.load import load_settings

        for region, name in REGIONS.items():
            self.hq("add-region", "--id", region, "--name", name)
        survey = self.folder / "survey.toml"
        survey.write_text('[survey]\nscale = "smiley4"\n\n' + HOURS, encoding="utf-8")
        now = datetime.now(UTC) - timedelta(minutes=30)
        for n, (store, name, region, mood, days) in enumerate(STORES):
            self.hq("add-store", "--id", store, "--name", name, "--timezone", "Europe/Helsinki")
            self.hq("set-region", "--store", store, "--region", region)
            self.hq("set-survey", "--store", store, "--file", str(survey))
            token = self.hq("add-device", "--store", store, "--id", f"{store}-1").split()[-1]
            self.kiosk(store).parent.mkdir()
            self.kiosk(store).write_text(
                f'[device]\nid = "{store}-1"\nstore_id = "{store}"\n'
                f'timezone = "Europe/Helsinki"\n\n[hq]\nurl = "{self.url}"\n'
                f'token = "{token}"\n\n[storage]\npath = "ratings.db"\n\n{HOURS}',
                encoding="utf-8",
            )
            fill(load_settings(self.kiosk(store)), days=days, seed=11 + n, now=now, mood=mood)
        self.hq("add-device", "--store", "kamppi", "--id", "kamppi-2")  # never heard from
        people = {"HYMIO_HQ_PASSWORD": PASSWORD}
        self.hq("add-user", "--username", "demo", "--email", "demo@example.com", **people)
        manager = ["--role", "manager", "--scope", "region:south", "--language", "fi"]
        self.hq("add-user", "--username", "anna", *manager, "--email", "anna@example.com", **people)
        self.hq("add-user", "--username", "olli", "--role", "analyst", **people)
        self.hq("add-token", "--name", "weekly-export", "--scope", "region:west")
        self.hq("add-channel", "--name", "store-ops", "--kind", "email",
                "--to", "ops@example.com")  # fmt: skip
        self.hq("add-alert-rule", "--name", "Index under 75", "--kind", "index_below",
                "--param", "value=75", "--channel", "store-ops")  # fmt: skip
        self.hq("add-alert-rule", "--name", "Silent kiosk", "--kind", "kiosk_silent",
                "--channel", "store-ops")  # fmt: skip
        self.hq("add-report", "--scope", "region:south", "--period", "weekly", "--to", "anna")

    def sync(self) -> None:
        """Each kiosk's ``hymio sync`` until it has sent everything and a heartbeat."""
        from kiosk.settings.load import load_settings
        from kiosk.store.store import Store

        processes = [
            subprocess.Popen(  # noqa: S603 -- this Python, our own command
                [sys.executable, "-m", "hymio", "sync", "--config", str(self.kiosk(store))],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for store, *_ in STORES
        ]
        try:
            deadline = time.monotonic() + 120
            for store, *_ in STORES:
                with Store.from_settings(load_settings(self.kiosk(store)), readonly=True) as s:
                    while s.pending_count() and time.monotonic() < deadline:
                        time.sleep(0.5)
                    if s.pending_count():
                        raise SystemExit(f"{store}: sync did not finish; is HQ up?")
            time.sleep(4)  # the first settings pull comes 1.5 s after the start
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(20)
        self.heartbeats()

    def heartbeats(self) -> None:
        """A heartbeat from each kiosk now that it has sent everything, by sync's own code,
        from a kiosk whose clock is NTP-synchronised (this machine's may not be)."""
        from kiosk.settings.load import load_settings
        from kiosk.store.ledger import Ledger
        from kiosk.store.store import Store
        from kiosk.timekeeping.clock import SystemClock
        from sync.client import HQClient
        from sync.heartbeat import send_heartbeat

        synchronized = self.folder / "synchronized"
        synchronized.touch()
        for store, *_ in STORES:
            settings = load_settings(self.kiosk(store))
            clock = SystemClock(timesync_flag=synchronized)
            with Store.from_settings(settings, clock=clock) as kiosk:
                client = HQClient(settings.hq.url, settings.hq.token)
                if not send_heartbeat(Ledger(kiosk), client):
                    raise SystemExit(f"{store}: HQ did not take the heartbeat")
                client.close()


def serve(chain: Chain) -> subprocess.Popen:
    """``hymio hq serve`` for *chain*, once it answers /healthz."""
    import requests

    log = (chain.folder / "hq.log").open("wb")
    hq = subprocess.Popen(  # noqa: S603 -- this Python, our own command
        [sys.executable, "-m", "hymio", "hq", "serve", "--database", chain.database,
         "--port", str(chain.port)], stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    for _ in range(150):
        try:
            if requests.get(f"{chain.url}/healthz", timeout=1).ok:
                return hq
        except requests.RequestException:
            pass
        if hq.poll() is not None:
            break
        time.sleep(0.2)
    raise SystemExit(f"HQ did not start: {(chain.folder / 'hq.log').read_text()}")


def log_in(page, url: str) -> None:
    page.goto(f"{url}/login")
    page.fill("input[name=username]", "demo")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")


def act(browser, url: str) -> None:
    """An action and the kiosk message, through the store page's forms."""
    page = browser.new_page(viewport={"width": WIDE[0], "height": WIDE[1]}, locale=LOCALE)
    log_in(page, url)
    today = datetime.now(UTC).date()
    for back, text in ((12, "Third checkout open 16–18 on weekdays"), (5, "Queue host at lunch")):
        page.goto(f"{url}/stores/kamppi")
        page.fill("#record-action input[name=day]", (today - timedelta(days=back)).isoformat())
        page.fill("#record-action input[name=text]", text)
        page.click("#record-action button[type=submit]")
        page.wait_for_load_state()
    for language, text in MESSAGES.items():
        page.goto(f"{url}/stores/kamppi")
        row = page.locator(f"#kiosk-message tr[data-language={language}]")
        row.locator("input[name=text]").fill(text)
        row.locator("button[type=submit]").first.click()
        page.wait_for_load_state()
    page.close()


def shoot_dashboard(browser, url: str, out: Path) -> list[Path]:
    """The dashboard's pages at 1366 and 390 px, and its figures close up."""
    shots: list[Path] = []
    for width, height in (WIDE, NARROW):
        page = browser.new_page(viewport={"width": width, "height": height}, locale=LOCALE)
        log_in(page, url)
        for name, path in (
            ("stores", "/"),
            ("store", "/stores/kamppi"),
            ("alerts", "/alerts"),
            ("fleet", "/fleet"),
            ("admin", "/admin"),
            ("reports", "/reports"),
            ("what-if", "/stores/itis/what-if?repeat_window=30"),
        ):
            page.goto(url + path)
            shots.append(out / f"dashboard-{name}-{width}.png")
            page.screenshot(path=shots[-1])
        if width == WIDE[0]:
            page.goto(url + "/")
            shots.append(out / "dashboard-ranking.png")
            page.locator("table.ranking").first.screenshot(path=shots[-1])
            page.goto(url + "/stores/kamppi")
            for name, selector in (("heat-map", "section.two"), ("trend", "section:has(svg)")):
                shots.append(out / f"dashboard-{name}.png")
                page.locator(selector).first.screenshot(path=shots[-1])
        page.close()
    return shots


def shoot_kiosk(config: Path, size: str, out: Path) -> None:
    """The kiosk's screens at *size*, in this process's offscreen window."""
    from kiosk.ui import setup

    width, height = (int(n) for n in size.split("x"))
    setup.prepare(offscreen=True, size=(width, height))
    from gpiozero.pins.mock import MockFactory
    from kivy.app import App
    from kivy.base import EventLoop

    from hymio.run_kiosk import make_parts
    from kiosk.settings.load import load_settings
    from kiosk.settings.overlay import apply_overlay
    from kiosk.shopper import FOLLOWUP, THANKS, Step
    from kiosk.store.store import Store
    from kiosk.timekeeping.clock import ManualClock
    from kiosk.ui.app import KioskApp

    settings = apply_overlay(load_settings(config))
    with Store.from_settings(settings, readonly=True) as store:  # the last press in hours
        [(last,)] = store.read("SELECT max(recorded_at) FROM ratings WHERE flag IS NULL")
    clock = ManualClock(datetime.fromisoformat(last) + timedelta(minutes=5), synchronized=True)
    EventLoop.ensure_window()
    window = EventLoop.window
    factory = MockFactory()
    store = Store.from_settings(settings, clock=clock)
    parts = make_parts(settings, store, factory=factory, simulate=True)
    app = KioskApp(parts)
    App._running_app = app
    root = app.build()
    window.add_widget(root)
    conductor = app.conductor

    def shot(name: str) -> None:
        for _ in range(4):
            EventLoop.idle()
        wanted = out / f"kiosk-{name}-{size}.png"
        Path(window.screenshot(str(wanted))).replace(wanted)  # Kivy numbers the name

    conductor.choose_language("fi")
    shot("question-fi")
    conductor.choose_language("en")
    shot("question")
    conductor.show(Step(THANKS, 4, seconds=60))
    shot("thanks")
    conductor.show(Step(FOLLOWUP, 1, seconds=60, reasons=settings.survey.followup.reasons))
    shot("followup")
    conductor.back_to_question()
    conductor.open_staff()
    shot("staff")
    conductor.stop()
    app.release_window()
    parts.panel.close()
    factory.close()
    store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="where the PNGs go")
    parser.add_argument("--kiosk", nargs=2, metavar=("CONFIG", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.kiosk:
        shoot_kiosk(Path(args.kiosk[0]), args.kiosk[1], args.out)
        return 0
    from playwright.sync_api import sync_playwright

    from hymio.demo import free_port

    folder = Path(tempfile.mkdtemp(prefix="hymio-screenshots-"))
    try:
        chain = Chain(folder, free_port())
        hq = serve(chain)
        try:
            chain.set_up()
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
                )
                act(browser, chain.url)
                chain.sync()
                chain.hq("worker", "--once")
                for size in KIOSK_SIZES:
                    subprocess.run(  # noqa: S603 -- this Python, this script
                        [sys.executable, "-m", "docs.screenshots", "--out", str(args.out),
                         "--kiosk", str(chain.kiosk("kamppi")), size],
                        check=True, timeout=300, cwd=ROOT,
                    )  # fmt: skip
                shots = shoot_dashboard(browser, chain.url, args.out)
                browser.close()
        finally:
            hq.terminate()
            hq.wait(20)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"{len(shots)} dashboard and {5 * len(KIOSK_SIZES)} kiosk pictures in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
