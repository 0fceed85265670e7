"""``python -m bench``: run every benchmark and print its figures."""

from bench import fleet, ingest, press, record, tally

for module in (record, press, tally, ingest, fleet):
    print()
    module.main()
