"""Tests of the API as a whole: its served OpenAPI schema fuzzed."""
