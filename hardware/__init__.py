"""The buttons and LEDs of a kiosk, on gpiozero (SPEC §1): from a pin edge to a committed
rating and a lit LED, with no UI in it. ``lgpio`` is imported only on a real Pi."""
