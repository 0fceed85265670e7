"""Regions as a level: a region's figures (the sum of its stores', shrunk and with n as a
store's are) and the ranking of regions. Built on :mod:`hq.insight.counts`,
:mod:`hq.insight.ranking` and :mod:`hq.insight.chain`; imports nothing above insight.

Every figure is computed over a fixed reference (the regions beside it, the stores of the
region), never over what a reader may see; pages cut the rows afterwards.
"""
