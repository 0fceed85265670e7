"""The settings pull: HQ's survey settings for this device, fetched with an ETag."""

from __future__ import annotations

import logging

import requests

from kiosk.errors import SettingsError
from kiosk.settings.model import Settings
from kiosk.settings.overlay import (
    hq_messages,
    hq_pin_hash,
    merge,
    moved,
    overlay_body,
    overlay_path,
    write_overlay,
)
from kiosk.store.ledger import Ledger
from sync.client import HQClient

log = logging.getLogger(__name__)


def pull_config(settings: Settings, ledger: Ledger, client: HQClient) -> str:
    """Fetch the survey settings; write them for the kiosk when they changed and fit.

    Returns what happened: ``unchanged``, ``updated``, ``none`` (HQ has none),
    ``refused`` (they do not fit this kiosk: kept out, error noted) or ``unreachable``.
    """
    etag = ledger.notes()["config_etag"]
    try:
        answer = client.config(etag)
    except requests.RequestException as exc:
        log.info("settings not pulled: %s", type(exc).__name__)
        return "unreachable"
    if answer.status == 304:
        return "unchanged"
    if not answer.ok:
        log.warning("HQ refused the settings pull: %s %s", answer.status, answer.error_message)
        return "unreachable"
    body = answer.body
    path = overlay_path(settings)
    surveyed = isinstance(body.get("version"), int) and body["version"] >= 1
    kept = hq_pin_hash(body) or hq_messages(body) or moved(settings, body)
    if not surveyed and not kept:
        path.unlink(missing_ok=True)
        ledger.note(config_etag=answer.etag)
        return "none"
    try:
        merge(settings, body)
    except SettingsError as exc:
        ledger.note(last_error=f"HQ's survey settings version {body['version']} do not fit: {exc}")
        return "refused"
    write_overlay(path, overlay_body(body))
    ledger.note(config_etag=answer.etag)
    log.info("survey settings version %s from HQ written to %s", body["version"], path)
    if moved(settings, body):
        log.info("HQ moved this kiosk to store %s: new ratings name it", body["store_id"])
    return "updated"
