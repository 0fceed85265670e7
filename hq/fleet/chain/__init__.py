"""Running the chain from the browser (issue 29): stores (:mod:`.stores`), their weekly
opening hours and exceptions (:mod:`.hours`) and kiosks (:mod:`.kiosks`), as the pages,
the API and the ``hymio hq`` commands change them.

Every function takes who does it (an :class:`hq.people.access.Access`, or ``None`` for
the command line's operator on HQ's server), asks :mod:`hq.people.access` whether they
may, checks everything before it changes anything (a :class:`.errors.ChainError` naming
the field), and writes the change and its line of the audit log
(:mod:`hq.people.audit`) in one transaction."""
