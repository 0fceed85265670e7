"""``python -m bench``: run every benchmark and print its figures."""

from bench import ingest, record, tally

for module in (record, tally, ingest):
    print()
    module.main()
