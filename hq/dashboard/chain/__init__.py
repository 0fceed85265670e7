"""The dashboard's pages for running the chain from the browser (issue 29): the audit
log (:mod:`.audit_page`), stores with their hours (:mod:`.stores_page`). Admins do all;
a manager only within their part, as :mod:`hq.people.access` decides."""
