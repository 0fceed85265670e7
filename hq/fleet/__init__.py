"""Running the kiosks: enrolment codes (:mod:`.enrolment`), many devices from a list
(:mod:`.device_list`), how each device joined (:mod:`.added`), the survey and opening hours
each kiosk pulls (:mod:`.surveys`), staff PINs set at HQ (:mod:`.staff_pins`), releases,
rollouts and their signed metadata (:mod:`.releases`, :mod:`.rollouts`,
:mod:`.release_metadata`), and HQ's own backup (:mod:`.backup`).

What the chain's IT does to the fleet; it builds on :mod:`hq.actions` (the kiosk message
goes out with the survey) and the rooms below.
"""
