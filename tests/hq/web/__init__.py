"""Tests of hq.web: headers, errors, gzip bodies, client addresses."""
