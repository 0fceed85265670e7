"""Tests of hq.ingest: the wire format, batches, kept counts, health."""
