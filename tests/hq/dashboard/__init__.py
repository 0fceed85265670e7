"""Tests of hq.dashboard: the pages, in a test client and in Chromium."""
