"""Updating a kiosk from the releases HQ serves (issue 17): build and sign a release,
fetch and check one, install it beside the running one, switch, and roll back by itself."""

from kiosk.errors import HymioError


class UpdateError(HymioError):
    """An update could not be made; the kiosk goes on with the release it runs."""


class FetchError(UpdateError):
    """HQ could not be reached, or did not answer with the release (404, 5xx, HTML)."""


class InstallError(UpdateError):
    """The release could not be installed or did not pass its checks (pip, doctor)."""
