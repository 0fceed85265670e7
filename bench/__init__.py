"""Benchmarks: each prints measured figures and ratios against a bare baseline measured
in the same run (SPEC §8). They assert nothing; ``make bench`` runs them all."""
