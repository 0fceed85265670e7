"""The one error of running the chain: what cannot be done, naming the field, with the
status a page or the API answers (400 bad input, 403 not yours to change, 404 no such
thing or not yours to see, 409 already there)."""

from __future__ import annotations

from hq.core.errors import InputError


class ChainError(InputError):
    """A change to a store, its hours or a kiosk that cannot be made; nothing changed.
    ``field`` names the field, ``status`` is the HTTP status to answer with, ``text``
    (marked ``N_``) and ``values`` say why, translated where it is shown."""

    def __init__(self, field: str, text: str, status: int = 400, **values: object):
        # without values the text is said as it is: it may quote what was typed ("{")
        super().__init__(f"{field}: {text.format(**values) if values else text}")
        self.field, self.text, self.status, self.values = field, text, status, values
