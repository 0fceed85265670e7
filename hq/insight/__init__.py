"""What the ratings say: figures from the kept counts (:mod:`.counts`, :mod:`.figures`,
:mod:`.chain`, :mod:`.chain_health`), the fair ranking (:mod:`.ranking`), a store's periods
and splits (:mod:`.period`, :mod:`.splits`), re-counting with another repeat window
(:mod:`.recount`), the charts as SVG (:mod:`.charts`), the exports (:mod:`.exports`) and
the scheduled reports (:mod:`.scheduled`).

Read-only over what :mod:`hq.ingest` keeps; the dashboard, the API and the reports all take
their numbers from here, so a figure is computed once.
"""
