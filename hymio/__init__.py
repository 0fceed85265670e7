"""The ``hymio`` command on top of everything: its subcommands, the demo, doctor's checks
of the machine, and the kiosk's entry point that wires the buttons to the window."""
