"""What every room of HQ stands on, and nothing else: the exception tree
(:mod:`.errors`), the one-line check of names and ids (:mod:`.names`), the three
languages and their dates and numbers (:mod:`.language`, with the gettext catalogues in
``locale/``), sending mail (:mod:`.mail`), which address a request came from behind the
proxies HQ trusts (:mod:`.client_address`), and log lines summed up under a flood
(:mod:`.summed`).

The bottom room: it imports no other room of HQ (only the device's domain, ``kiosk``), so
any room may use it.
"""
