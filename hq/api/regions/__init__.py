"""The API's region level: ``GET /api/v1/regions/{region_id}/figures``, the region page's
figures (:mod:`hq.insight.regions`) as JSON."""
