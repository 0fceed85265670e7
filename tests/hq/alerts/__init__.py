"""Tests of hq.alerts: rules, episodes, delivery and webhook targets."""
