"""The comments of web answers through the API (issue 32): ``GET /api/v1/comments``
with the comments page's filters, and ``PUT /api/v1/comments/{rating_id}/topics`` to set
a comment's topics by hand (:mod:`.routes`). Both read :mod:`hq.words`."""
