"""What shoppers write beside a web answer, private by design (issue 32): personal data
removed before anything is kept (:mod:`.redact`, with the names of :mod:`.names`), the
store's reasons found in the words (:mod:`.topics`, word lists in ``topics.toml``),
keeping a comment with its rating and editing its topics (:mod:`.keep`), and reading the
comments a reader may see under a filter, with their topics' counts (:mod:`.read`).

Builds on :mod:`hq.people` (the audit log) and :mod:`hq.tables` (the ``comments``
table); the web survey above calls :func:`.keep.keep_comment`, the pages, exports and API
read the table. Nothing here ever logs or keeps a comment's original text.
"""
