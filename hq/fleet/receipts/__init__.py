"""Receipt links (issue 32): signed, expiring, single-use links to a web link's survey
(``/r/<code>?t=<token>``) that a POS prints on a receipt or an e-mail system sends after a
purchase; each answers once.

:mod:`.tokens` is the token's byte layout and its HMAC (no database); :mod:`.keys` the
secrets it is signed with, kept in HQ's ``meta`` table, and their rotation; :mod:`.links`
mints links in bulk and checks and uses one, the use written in the answer's own
transaction (table ``receipt_uses``, :mod:`hq.tables.receipts`). For the chain's IT and a
POS developer: docs/run-a-fleet/receipt-links.md.
"""
