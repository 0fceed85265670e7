"""The web shell that the API and the dashboard share: FastAPI dependencies
(:mod:`.deps`: a session, HQ's clock, the reader), security headers (:mod:`.headers`), every
error in one JSON shape (:mod:`.errors_http`), Swagger UI served offline (:mod:`.docs`), the
documentation site at ``/help`` (:mod:`.help`, built into ``help/``), and the static files
(``static/``).

Below the routers and above the domain: nothing under it imports FastAPI's routes, and no
domain room imports it.
"""
