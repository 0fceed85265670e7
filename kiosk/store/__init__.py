"""The device's local store: the SQLite file (``database``, ``schema``), the ratings in it
(``store``, with its reads in ``reads``), sync's bookkeeping (``ledger``) and the rescue
of a damaged file (``salvage``)."""
