"""Tests of hq.insight.scheduled: report scopes, periods, mail."""
