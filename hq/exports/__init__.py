"""HQ's exports: the ratings an analyst downloads, as CSV (:mod:`hq.exports.csv_file`) or
as an Excel workbook (:mod:`hq.exports.xlsx_file`), from the same rows
(:mod:`hq.exports.rows`)."""
