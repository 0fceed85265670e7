"""Tests of the dashboard's enrol codes (hq/dashboard/enrol)."""
