"""The CSV export written in Python at the speed of the database (SQLite, and any database
without PostgreSQL's ``COPY``): the same bytes as
:func:`hq.insight.exports.csv_file.python_chunks` writes row by row (a test compares them).

The rows come from the driver as plain tuples, :data:`CHUNK` at a time, and each chunk is
written by the csv module into a buffer in one call. What a row needs from its store
is worked out once per store and UTC hour, not per row: the store's offset from UTC is
one for the whole hour (checked at its first and last microsecond), so where it is a whole
number of hours the local date and time are the hour's local text and the row's minutes
and seconds; any other hour (an offset such as +05:45, an hour the clocks change in, the
last hours of year 9999) is converted row by row as before. Text cells are guarded as
:mod:`hq.insight.exports.pg_csv` guards them: the store's name, the reason's label and why
a day may lack ratings (ids, keys and the fixed words start with a letter or digit).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import suppress
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from hq.insight.exports.columns import FORMULA_START, HEADER, cell
from hq.insight.exports.rows import Export, StoreInfo, offset_text, topics_text

CHUNK = 5000  # rows fetched and written at a time
_HOUR = timedelta(hours=1) - timedelta(microseconds=1)


def fast_chunks(session: Session, export: Export) -> Iterator[str]:
    """The CSV text of *export*, a chunk of rows at a time."""
    header = io.StringIO()
    csv.writer(header, lineterminator="\r\n").writerow(HEADER)
    yield header.getvalue()
    if not export.stores:
        return
    query = export.query().compile(
        bind=session.get_bind(), compile_kwargs={"render_postcompile": True}
    )
    params = (
        [query.params[k] for k in query.positiontup]
        if query.positional and query.positiontup is not None
        else query.params
    )
    cursor = session.connection().connection.dbapi_connection.cursor()
    try:
        cursor.execute(str(query), params)
        rows = _Rows(export)
        while chunk := cursor.fetchmany(CHUNK):
            yield rows.text(chunk)
    finally:
        cursor.close()


def quoted(text: str) -> str:
    """*text* as the csv module writes a cell of it (quoted if it holds a comma, a quote
    or a line end)."""
    if any(c in text for c in SPECIAL):
        return '"' + text.replace('"', '""') + '"'
    return text


SPECIAL = (",", '"', "\r", "\n")
# A cell that starts as a formula would (after a comma or at a line's start) is counted on
# the text's UTF-8 bytes with each byte marked: where a cell starts ("," or a line feed)
# "A", a character a formula starts with "B", any other "x"; such a cell is then "AB",
# and bytes.count finds every one in one pass in C (a regular expression over a chunk of
# 5 000 lines took 40 % of writing it).
_MARKS = bytes(
    ord("A") if chr(b) in ",\n" else ord("B") if chr(b) in FORMULA_START else ord("x")
    for b in range(256)
)


def formula_starts(text: str) -> int:
    """How often a comma or a line feed in *text* is followed by a character a formula
    starts with: the cells of CSV lines that start as a formula, but the first."""
    return text.encode("utf-8", "surrogatepass").translate(_MARKS).count(b"AB")


_NONE = (0, 0, 0, 0, 0)
_UNSEEN = object()  # an hour not yet worked out (None: one converted row by row)
Counts = tuple[int, int, int, int, int]


def _counts(text: str) -> Counts:
    """How many commas, quotes, CRs, LFs and formula starts *text* holds; :data:`_NONE`
    itself if none."""
    counts = (*(text.count(c) for c in SPECIAL), formula_starts(text))
    return _NONE if counts == _NONE else counts  # type: ignore[return-value]


class _Rows:
    """The lines of the export's rows; what a store, a zone's hour or a label share, kept.

    Cells that hold free text are written quoted as the csv module would; the others (ids,
    keys, numbers, times) are written as they are, and each chunk's commas, quotes and
    line ends are counted to prove that none of those held a character that needs quoting:
    a chunk where one did is written again by the csv module."""

    def __init__(self, export: Export) -> None:
        self.export = export
        self.store: StoreInfo | None = None
        self.store_id: str | None = None
        self.name = ""
        self.name_counts = _NONE
        self.incomplete: dict[str, tuple[str, Counts]] = {}
        self.zone_hours: dict[str, dict[str, tuple[str, str, str] | None]] = {}
        self.hours: dict[str, tuple[str, str, str] | None] = {}
        self.labels: dict[tuple[str, str], tuple[str, Counts]] = {}
        self.offsets: dict[timedelta | None, str] = {}

    def _enter(self, store_id: str) -> None:
        store = self.export.stores.get(store_id)
        self.store, self.store_id = store, store_id
        self.labels = {}
        if store is not None:
            self.name = quoted(cell(store.name))
            self.name_counts = _counts(self.name)
            self.incomplete = {}
            for d, w in store.incomplete.items():
                why = quoted(cell(w))
                self.incomplete[d.isoformat()] = (why, _counts(why))
            self.hours = self.zone_hours.setdefault(store.timezone, {})

    def _hour(self, recorded_at: str) -> tuple[str, str, str] | None:
        """(local date, local hour's text "YYYY-MM-DD HH", offset) of the UTC hour of
        *recorded_at*; None when the hour must be converted row by row."""
        start = datetime.fromisoformat(recorded_at[:13] + ":00:00+00:00")
        zone = self.store.zone  # type: ignore[union-attr]
        try:
            offset = start.astimezone(zone).utcoffset()
            if (start + _HOUR).astimezone(zone).utcoffset() != offset:
                return None
        except OverflowError:
            return None
        if offset is None or offset.total_seconds() % 3600:
            return None
        try:
            local = start + offset
        except OverflowError:
            return None
        text = local.isoformat(sep=" ")
        return text[:10], text[:13], self._offset(offset)

    def _offset(self, offset: timedelta | None) -> str:
        if offset not in self.offsets:
            self.offsets[offset] = offset_text(offset or timedelta())
        return self.offsets[offset]

    def _label(self, device_id: str, reason: str) -> tuple[str, Counts]:
        at = (device_id, reason)
        if at not in self.labels:
            label = quoted(cell(self.export.labels(self.store_id, device_id, reason)))
            self.labels[at] = (label, _counts(label))
        return self.labels[at]

    def _slow(self, recorded_at: str) -> tuple[str, str, str]:
        """The local date, time and offset of *recorded_at*, as :meth:`Export.rows` works
        them out."""
        local = datetime.fromisoformat(recorded_at)
        with suppress(OverflowError):  # year 9999's last hours: left in UTC
            local = local.astimezone(self.store.zone)  # type: ignore[union-attr]
        offset = self._offset(local.utcoffset())
        return (
            local.date().isoformat(),
            local.replace(tzinfo=None, microsecond=0).isoformat(sep=" "),
            offset,
        )

    def text(self, chunk: list[tuple]) -> str:
        """The CSV lines of *chunk*, proven to be what the csv module writes."""
        seen = _NONE
        lines = []
        bare = 0  # lines whose last cell (the comment's topics) is empty: they end ",\r\n"
        add = lines.append
        # What a store shares is kept in locals, and taken again where the store changes.
        current, store = self.store_id, self.store
        hours, incomplete, labels = self.hours, self.incomplete, self.labels
        name, name_counts = self.name, self.name_counts
        start, end = (store.start, store.end) if store is not None else (None, None)
        for (
            rating_id, store_id, device_id, survey_id, question_id, config_version,
            scale, score, source, reason, recorded_at, flag, suspect, received_at,
            comment, topics,
        ) in chunk:  # fmt: skip
            if store_id != current:
                self._enter(store_id)
                current, store = store_id, self.store
                hours, incomplete, labels = self.hours, self.incomplete, self.labels
                name, name_counts = self.name, self.name_counts
                start, end = (store.start, store.end) if store is not None else (None, None)
            if store is None:  # a store added after the export began
                continue
            if (start and recorded_at < start) or (end and recorded_at >= end):
                continue
            hour = hours.get(recorded_at[:13], _UNSEEN)
            if hour is _UNSEEN:
                hour = hours[recorded_at[:13]] = self._hour(recorded_at)
            if hour is None:
                day, local_time, offset = self._slow(recorded_at)
            else:
                day, local_hour, offset = hour
                local_time = local_hour + recorded_at[13:19]
            if name_counts is not _NONE:
                seen = _add(seen, name_counts)
            label = ""
            if reason:
                label, counts = labels.get((device_id, reason)) or self._label(device_id, reason)
                if counts is not _NONE:
                    seen = _add(seen, counts)
            why = incomplete.get(day)
            if why is None:
                complete, why_text = "yes", ""
            else:
                complete, (why_text, counts) = "no", why
                if counts is not _NONE:
                    seen = _add(seen, counts)
            words = ""
            if comment:  # a web answer's words: free text, guarded and counted
                words = quoted(cell(comment))
                counts = _counts(words)
                if counts is not _NONE:
                    seen = _add(seen, counts)
            add(
                f"{rating_id},{store_id},{name},{day},{local_time},{offset},{recorded_at},"
                f"{device_id},{survey_id},{question_id},{config_version},{scale},{score},"
                f"{source},{reason or ''},{label},{flag or ''},{'yes' if suspect else 'no'},"
                f"{'no' if flag is not None or suspect else 'yes'},{complete},{why_text},"
                f"{received_at},{words},{(tags := topics_text(topics) if topics else '')}\r\n"
            )
            if not tags:
                bare += 1
        text = "".join(lines)
        n = len(lines)
        # Each line has 23 commas, a CR and an LF, and one cell that starts with a sign
        # (its offset), and one more ",\r" where its last cell is empty; any more are the
        # free text's, counted as it was written.
        expected = (seen[0] + 23 * n, seen[1], seen[2] + n, seen[3] + n, seen[4] + n + bare)
        if _counts(text) != expected or text[:1] in FORMULA_START:
            return self._by_csv_module(chunk)
        return text

    def _by_csv_module(self, chunk: list[tuple]) -> str:
        """*chunk* written cell by cell by the csv module (a cell held a comma, a quote or
        a line end where none was expected)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        labels = self.export.labels
        for (
            rating_id, store_id, device_id, survey_id, question_id, config_version,
            scale, score, source, reason, recorded_at, flag, suspect, received_at,
            comment, topics,
        ) in chunk:  # fmt: skip
            store = self.export.stores.get(store_id)
            if (
                store is None
                or (store.start and recorded_at < store.start)
                or (store.end and recorded_at >= store.end)
            ):
                continue
            self.hours = self.zone_hours.setdefault(store.timezone, {})
            self.store = store
            day, local_time, offset = self._slow(recorded_at)
            why = store.incomplete.get(date.fromisoformat(day))
            writer.writerow((
                cell(rating_id), cell(store_id), cell(store.name), day, local_time, offset,
                recorded_at, cell(device_id), cell(survey_id), cell(question_id),
                config_version, cell(scale), score, cell(source), cell(reason),
                cell(labels(store_id, device_id, reason)), cell(flag),
                "yes" if suspect else "no", "no" if flag is not None or suspect else "yes",
                "no" if why is not None else "yes", cell(why), received_at, cell(comment),
                topics_text(topics),
            ))  # fmt: skip
        self._enter(self.store_id)  # type: ignore[arg-type]
        return buffer.getvalue()


def _add(a: Counts, b: Counts) -> Counts:
    return a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3], a[4] + b[4]
