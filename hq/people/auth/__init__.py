"""Proving who someone is beyond the password form: one-time links that set a password
(an admin's invite or reset, a forgotten password; :mod:`.links`), the e-mail that carries
them (:mod:`.letters`), and deactivating and reactivating a user (:mod:`.status`).

Imports only :mod:`hq.core`, :mod:`hq.tables` and the modules of :mod:`hq.people` beside it.
"""
