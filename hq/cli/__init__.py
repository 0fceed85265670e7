"""``hymio hq …``: the commands, one module per topic (:mod:`.commands` builds the
parser and serves; :mod:`.people`, :mod:`.fleet`, :mod:`.releases`, :mod:`.alerts`,
:mod:`.reports`).

Each command calls the same functions as the pages and the API; this room only reads
arguments, calls them, and turns their errors into one line and an exit code.
"""
