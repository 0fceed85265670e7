"""The device's local store: the SQLite file (``database``, ``schema``), the ratings in it
(``store``), sync's bookkeeping (``ledger``) and the rescue of a damaged file
(``salvage``)."""
