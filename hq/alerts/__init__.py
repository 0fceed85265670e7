"""Alerts (issue 19): rules over a part of the chain, evaluated by ``hymio hq worker``;
each episode of a rule being true for a store or a kiosk is one alert, delivered once to
each of the rule's channels, acknowledged, commented on and closed in the dashboard (or
closed by itself when its figure is back to normal).

- :mod:`hq.tables.alerts`: the rules, channels, alerts, their history and the deliveries;
- :mod:`hq.alerts.kinds`: what each kind of rule finds, from the kept counts and heartbeats;
- :mod:`hq.alerts.episodes`: opening, keeping and closing alerts; one evaluation per rule
  and minute, whichever worker claims it;
- :mod:`hq.alerts.delivery`: e-mail and webhooks (signed JSON, Slack, Teams), retried with
  backoff, and the daily digest.
"""
