"""``python -m bench``: run every benchmark and print its figures."""

from bench import fleet, ingest, kiosk, press, record, sdcard, sync, tally

for module in (record, press, sdcard, tally, ingest, sync, fleet, kiosk):
    print()
    module.main()
