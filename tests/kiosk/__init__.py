"""Tests of kiosk: the device's domain (settings, store, counting, time) and its app (ui/)."""
