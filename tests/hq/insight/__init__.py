"""Tests of hq.insight: figures, ranking, periods, splits, what-if."""
