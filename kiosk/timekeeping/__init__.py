"""Time on a device without a real-time clock: the wall clock, the kernel's monotonic
clock and boot id, and the repair of a wrong time (:mod:`.clock`); a store's local day and
hour from UTC (:mod:`.localtime`); whether the store is open (:mod:`.hours`).

Imports nothing of the product but the settings' types; every other part of it asks here.
"""
