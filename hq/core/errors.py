"""HQ's exception tree: one error class per way a request or a command can go wrong."""

from __future__ import annotations

from kiosk.errors import HymioError


def N_(text: str) -> str:
    """Mark *text* for the dashboard's catalogues; it is translated where it is shown
    (:mod:`hq.core.language`). Here, below everything, so that any module may."""
    return text


class HQError(HymioError):
    """Something HQ was asked to do cannot be done; the message says why."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class InputError(HQError, ValueError):
    """What someone typed or posted cannot be used (a scope, a name, a role); nothing was
    changed. The command line answers it with exit code 2, a page with a 400."""


class UnknownStoreError(HQError, KeyError):
    """No store has that id."""


class UnknownDeviceError(HQError, KeyError):
    """No device has that id."""


class DuplicateError(HQError, ValueError):
    """A store, device or user with that id or name already exists."""


class DatabaseURLError(HQError, ValueError):
    """The database URL cannot be used."""


class ApiError(HQError):
    """An HTTP error answered with SPEC §5's JSON error shape."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: dict | None = None,
        *,
        rating_id: str | None = None,
    ):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}
        self.rating_id = rating_id


class PeriodError(HQError, ValueError):
    """A store page's ``from``, ``to``, ``compare``, ``kiosk`` or ``asked`` cannot be shown;
    the message says why.

    ``text`` is the English message with ``{name}`` fields and ``values`` fills them, so the
    dashboard can show it translated.
    """

    def __init__(self, text: str, **values: object):
        super().__init__(text.format(**values))
        self.text, self.values = text, values


class LanguageError(HQError, ValueError):
    """The dashboard does not speak that language."""


class ActionError(HQError, ValueError):
    """A store action or kiosk message cannot be kept as given; ``field`` names the form
    field, and nothing was changed.

    ``text`` is the English message with ``{name}`` fields and ``values`` fills them (as
    :class:`PeriodError`), so the dashboard can show it translated.
    """

    def __init__(self, field: str, text: str, **values: object):
        super().__init__(text.format(**values))
        self.field, self.text, self.values = field, text, values
