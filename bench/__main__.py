"""``python -m bench``: run every benchmark and print its figures."""

from bench import (
    alerts,
    business,
    dashboard,
    exports,
    fleet,
    ingest,
    kiosk,
    press,
    record,
    rollout,
    sdcard,
    sizing,
    sync,
    tally,
    web_answers,
)

for module in (record, press, sdcard, tally, ingest, sync, fleet, rollout, dashboard, exports,
               alerts, kiosk, sizing, web_answers):  # fmt: skip
    print()
    module.main()
print()
business.main([])  # the short run; python -m bench.business --full for the size
