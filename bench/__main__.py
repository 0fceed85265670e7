"""``python -m bench``: run every benchmark and print its figures."""

from bench import fleet, ingest, press, record, sync, tally

for module in (record, press, tally, ingest, sync, fleet):
    print()
    module.main()
