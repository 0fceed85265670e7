"""Tests of hq.actions: the actions log and the kiosk message."""
