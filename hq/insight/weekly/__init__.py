"""What changed this week, and where: a store's (or a region's, its stores pooled) last
complete local week against its own norm, the eight weeks before, from the kept counts
alone (:mod:`hq.tables.rollups`; hour × weekday × reason × kiosk × busyness, never a
shopper's text). :mod:`.slices` cuts the counts into slices, :mod:`.noise` says which
changes are more than the usual week-to-week variation, :mod:`.summary` reads the counts
and keeps the three largest, :mod:`.words` says them in fi, sv and en. Built on
:mod:`hq.insight.business.busyness` and the rooms below insight.
"""
