"""``python -m bench``: run every benchmark and print its figures."""

from bench import record, tally

for module in (record, tally):
    print()
    module.main()
