"""``python -m bench``: run every benchmark and print its figures."""

from bench import fleet, ingest, kiosk, press, record, sync, tally

for module in (record, press, tally, ingest, sync, fleet, kiosk):
    print()
    module.main()
