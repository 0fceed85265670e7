"""The comments page (issue 32): ``/comments``, shoppers' words from web answers with
their face, store, touchpoint and topics, filtered by store, touchpoint, face, topic and
period, and the form an analyst sets a comment's topics with (:mod:`.pages`). Reads
:mod:`hq.words`; access from :mod:`hq.people.access`; the store page's count of the
comments' topics is :mod:`hq.insight.comments`."""
