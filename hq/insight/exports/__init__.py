"""HQ's exports: the ratings an analyst downloads, as CSV (:mod:`hq.insight.exports.csv_file`) or
as an Excel workbook (:mod:`hq.insight.exports.xlsx_file`), from the same rows
(:mod:`hq.insight.exports.rows`)."""
