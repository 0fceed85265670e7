"""Tests of hq.people: access, its property test, logins."""
