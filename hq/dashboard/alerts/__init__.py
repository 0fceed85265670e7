"""The alert pages: the alerts themselves (:mod:`hq.dashboard.alerts.pages`) and setting
them up, rules and channels with "test this channel" (:mod:`hq.dashboard.alerts.setup_pages`)."""
