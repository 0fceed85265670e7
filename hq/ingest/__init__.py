"""Taking in what kiosks send: the wire format (:mod:`.wire`, :mod:`.json_depth`),
a device's request and its rate limit (:mod:`.device_calls`, :mod:`.ratelimit`), a batch of
ratings all or nothing (:mod:`.batches`, :mod:`.bulk`, with the figures' counts of
:mod:`hq.tables.rollups`), what HQ has received of each kiosk database
(:mod:`.received`), whether HQ has every rating of a device
(:mod:`.completeness`), and whether HQ can take ratings now (:mod:`.health`).

The data path: it builds on :mod:`hq.people` (device tokens) and the rooms below it, and
knows nothing of pages, reports or alerts.
"""
