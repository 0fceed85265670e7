"""The store files sync sends from: the kiosk's own, and the salvaged ones beside it.

A damaged store file is moved aside by the kiosk and its readable ratings are salvaged
into ``<file>.salvaged-<database id>`` (:mod:`kiosk.store.salvage`); sync looks for those at
every round and sends them under their own database id, like the live file.
"""

from __future__ import annotations

import logging
import threading

from kiosk.errors import StoreError
from kiosk.store.ledger import Ledger
from kiosk.store.salvage import archives
from kiosk.store.store import Store

log = logging.getLogger(__name__)


class Databases:
    """The live store and the salvaged stores beside it, opened as they are found."""

    def __init__(self, store: Store, *, readonly: bool = False):
        self.store = store
        self.readonly = readonly
        self._salvaged: dict[str, Store] = {}
        self._unreadable: set[str] = set()
        self._lock = threading.Lock()  # the upload and heartbeat jobs ask at once

    def all(self) -> list[Store]:
        """The live store first, then each salvaged one (a damaged one is logged, left out)."""
        with self._lock:
            return self._find()

    def _find(self) -> list[Store]:
        for path in archives(self.store.path):
            if str(path) in self._salvaged or str(path) in self._unreadable:
                continue
            try:
                self._salvaged[str(path)] = Store(
                    path,
                    self.store.context,
                    clock=self.store.clock,
                    recover=False,
                    readonly=self.readonly,
                )
            except StoreError as exc:
                self._unreadable.add(str(path))
                log.error("cannot open the salvaged ratings in %s: %s", path, exc)
        return [self.store, *self._salvaged.values()]

    def report(self) -> list[dict]:
        """Every database of every store file here, as the heartbeat reports each to HQ
        (``kiosk.store.ledger.Ledger.databases``)."""
        return [d for store in self.all() for d in Ledger(store).databases()]

    def close(self) -> None:
        """Close the salvaged stores (the live one belongs to the caller)."""
        with self._lock:
            for store in self._salvaged.values():
                store.close()
            self._salvaged.clear()
