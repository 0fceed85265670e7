"""The dashboard's pages for people's sign-in: the login side (a forgotten password, the
page a mailed link opens to set a password; :mod:`.links_pages`) and the admin's invites,
reset links and deactivation (:mod:`.admin_people`). Each calls :mod:`hq.people.auth`."""

from __future__ import annotations

from fastapi import Request

from hq.core.mail import MailSettings


def mail_settings(request: Request) -> MailSettings | None:
    """The SMTP settings of this HQ: the app's (tests set them), else the environment's."""
    settings = getattr(request.app.state, "mail", None)
    return settings if settings is not None else MailSettings.from_env()
