"""Tests of hq.tables: the database and its migrations."""
