"""The chain end to end (issue 29): HQ, a real kiosk process and sync, from the browser and
through the API alone."""
