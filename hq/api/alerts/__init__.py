"""The alert API: rules and channels set up by admin and manager tokens
(:mod:`hq.api.alerts.setup`)."""
