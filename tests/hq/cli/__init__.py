"""Tests of hq.cli: the hymio hq commands."""
