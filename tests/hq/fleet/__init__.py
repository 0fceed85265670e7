"""Tests of hq.fleet: enrolment, device lists, releases, staff PINs, backups."""
