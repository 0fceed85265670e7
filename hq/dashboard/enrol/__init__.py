"""The dashboard's enrol codes (issue 29): the list with uses left and expiry, the form
that makes a code, revoking one, and the page printed for the installer with the code's
QR code. The domain is :mod:`hq.fleet.enrol_codes`."""
