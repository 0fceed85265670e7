"""Tests of hymio: the command, the demo, the install script, doctor, updates."""
