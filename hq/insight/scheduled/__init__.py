"""Scheduled reports (issue 19): a store's or a region's figures of every finished day,
week or month, e-mailed as HTML with a PDF attached, in the recipient's language.

- :mod:`.periods`: which days a report covers and when they have finished;
- :mod:`.subscriptions`: who gets which report (checked before anything is stored);
- :mod:`.content`: the figures, from the dashboard's own functions (never counted again);
- :mod:`.render`: the HTML e-mail, its plain-text twin and the PDF (WeasyPrint);
- :mod:`.sending`: :func:`~.sending.send_due_reports`, once per period, with any number
  of workers.
"""
