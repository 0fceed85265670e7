"""Tests of hq.server: the processes under load, slow clients, outages."""
