"""Tests of hardware: the pin factory, the buttons and LEDs, the hardware process."""
