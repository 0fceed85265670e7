"""Sync: uploads the kiosk's ratings to HQ, a separate process sharing the store file."""
