"""Who may see and do what, and proving who someone is: roles over a part of the
chain and the one decision over them (:mod:`.access`), the admin's users, tokens, stores and
devices (:mod:`.admin`), the chain's regions and people's roles (:mod:`.roles`), secrets
(:mod:`.credentials`), dashboard sessions (:mod:`.sessions`) and the login check with its
throttle (:mod:`.login`).

Every other room asks this one before it shows or changes anything; it imports only
:mod:`hq.core` and :mod:`hq.tables`.
"""
