"""The field rig: the kiosk installed and booted in a Debian bookworm guest under QEMU.

``make field`` (never ``make test``): see docs/build-a-kiosk/field-rig.md.
"""
