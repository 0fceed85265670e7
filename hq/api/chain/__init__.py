"""The API twins of running the chain from the browser (issue 29): the audit log
(:mod:`.audit`); who may call them (:mod:`.guard`). An admin token (or an admin's
session) may do all; a manager's session only within their part; anyone else a 403."""
