"""Tests of hq.insight.exports: CSV and Excel, streamed and abandoned."""
