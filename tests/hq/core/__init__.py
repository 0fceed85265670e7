"""Tests of hq.core: names, mail, languages and number formats."""
