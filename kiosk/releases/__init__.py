"""Releases of Hymiö as HQ serves them and a kiosk installs them (issue 17): the signed
manifest that names every file by its SHA-256, and the kiosk's record of its updates."""
