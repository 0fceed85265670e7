"""How many database connections one HQ process may open: its connection budget.

Several HQ processes share one PostgreSQL, whose ``max_connections`` (100 by default) all of
them must fit in, with room for the worker, backups and people at ``psql``. So every process
states its budget up front and keeps to it:

* ``pool`` connections are kept open for the API, the dashboard and the kiosks;
* ``overflow`` more are opened in a burst and closed when it is over;
* of those, ``kiosks`` are the device path's share: at most that many device requests work at
  once (:class:`hq.ingest.device_calls.Admission`), and the dashboard and the API may hold at
  most ``pool + overflow - kiosks`` at once (:class:`Share`), so a busy dashboard never takes
  the connections the kiosks' uploads need;
* ``exports`` connections are a pool of their own for downloads
  (:func:`hq.tables.database.export_sessions`).

A process never holds more than :attr:`Budget.connections` = pool + overflow + exports.
``pooler`` says that the database URL points at PgBouncer in transaction mode, where a
server connection changes between transactions: psycopg must then never prepare a statement
on the server (``prepare_threshold=None``; a prepared statement lives in one server
connection, and the next transaction may get another).

Each value comes from ``hymio hq serve``'s option, else its environment variable
(:data:`ENV`), else the default for the database.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from hq.core.errors import HQError

KIOSKS = 4  # device requests at work at once (see hq.ingest.device_calls)
EXPORTS = 2  # exports at work at once, each a connection and a thread
ENV = {
    "pool": "HYMIO_HQ_DB_POOL",
    "overflow": "HYMIO_HQ_DB_OVERFLOW",
    "kiosks": "HYMIO_HQ_DB_KIOSKS",
    "exports": "HYMIO_HQ_DB_EXPORTS",
    "pooler": "HYMIO_HQ_DB_POOLER",
}
# pool, overflow: SQLite's threads wait on its one writer, so it keeps fewer and bursts more
DEFAULTS = {"sqlite": (10, 40), "postgresql": (15, 25)}


class BudgetError(HQError, ValueError):
    """The connection budget cannot be kept; the message names the value and the fix."""


@dataclass(frozen=True)
class Budget:
    """One process's database connections; see the module's docstring."""

    pool: int = DEFAULTS["postgresql"][0]
    overflow: int = DEFAULTS["postgresql"][1]
    kiosks: int = KIOSKS
    exports: int = EXPORTS
    pooler: bool = False

    def __post_init__(self) -> None:
        for name, least in (("pool", 1), ("overflow", 0), ("kiosks", 1), ("exports", 1)):
            value = getattr(self, name)
            if not isinstance(value, int) or value < least:
                raise BudgetError(
                    f"connection budget: {name} is {value!r}; it must be a whole number,"
                    f" {least} or more ({_option(name)})"
                )
        if self.kiosks >= self.pool:
            raise BudgetError(
                f"connection budget: the kiosks' share ({self.kiosks}, {_option('kiosks')})"
                f" must be less than the pool ({self.pool}, {_option('pool')}), so that the"
                " dashboard keeps a connection too; raise the pool or lower the share"
            )

    @property
    def connections(self) -> int:
        """The most connections the process ever holds at once."""
        return self.pool + self.overflow + self.exports

    @property
    def dashboard(self) -> int:
        """Connections the dashboard and the API may hold at once."""
        return self.pool + self.overflow - self.kiosks

    def described(self) -> str:
        """One line for people: the budget and how it is shared."""
        return (
            f"at most {self.connections} database connections ({self.pool} kept,"
            f" {self.overflow} in bursts, {self.exports} for exports; kiosks {self.kiosks},"
            f" dashboard and API {self.dashboard})" + (", through a pooler" if self.pooler else "")
        )


def budget_for(url: str, given: Mapping[str, object] | None = None,
               environ: Mapping[str, str] | None = None) -> Budget:  # fmt: skip
    """The budget for the database at *url*: each value from *given* (options, ``None`` when
    not given), else from *environ* (:data:`ENV`, default ``os.environ``), else the
    default for that database; a :class:`BudgetError` naming what cannot be kept."""
    given = given or {}
    environ = os.environ if environ is None else environ
    backend = "sqlite" if url.startswith("sqlite") else "postgresql"
    pool, overflow = DEFAULTS[backend]
    values: dict[str, object] = {
        "pool": pool, "overflow": overflow, "kiosks": KIOSKS, "exports": EXPORTS, "pooler": False
    }  # fmt: skip
    for name, var in ENV.items():
        if given.get(name) is not None:
            values[name] = given[name]
        elif environ.get(var, "").strip():
            values[name] = _read(name, var, environ[var].strip())
    return Budget(**values)  # type: ignore[arg-type]


def _read(name: str, var: str, text: str) -> int | bool:
    if name == "pooler":
        if text.lower() in ("1", "yes", "true", "on"):
            return True
        if text.lower() in ("0", "no", "false", "off"):
            return False
        raise BudgetError(f"${var} is {text!r}; say 1 (the URL points at PgBouncer) or 0")
    try:
        return int(text)
    except ValueError:
        raise BudgetError(f"${var} is {text!r}; it must be a whole number") from None


def environment(budget: Budget) -> dict[str, str]:
    """*budget* as the environment :func:`budget_for` reads (how ``hymio hq serve`` tells its
    worker processes)."""
    values = {name: getattr(budget, name) for name in ENV}
    values["pooler"] = int(budget.pooler)
    return {ENV[name]: str(value) for name, value in values.items()}


def _option(name: str) -> str:
    return f"--db-{name} or ${ENV[name]}"


class Share:
    """At most *size* sessions of the dashboard and the API at once; a request past it
    waits up to *wait* seconds for one, then gets ``False`` (and is answered 503)."""

    def __init__(self, size: int, wait: float):
        self.size, self.wait = size, wait
        self._slots = threading.BoundedSemaphore(size)

    def take(self) -> bool:
        return self._slots.acquire(timeout=self.wait)

    def give_back(self) -> None:
        self._slots.release()
