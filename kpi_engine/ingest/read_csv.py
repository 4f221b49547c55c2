"""Delimited text (CSV, TSV, TXT) -> RawSheet: encoding and delimiter sniffed, header found.

The records are parsed by Polars' CSV reader (all cells as text). A second, cheap pass over the
physical lines counts each record's fields, so that a record with the wrong number of fields is
marked unreadable instead of being silently padded or cut. When the two passes disagree (odd
quoting), Python's csv module reads the file instead.
"""

from __future__ import annotations

import codecs
import csv
import io
import re

import polars as pl

from kpi_engine.ingest.errors import UnusableFile
from kpi_engine.ingest.header import SCAN_ROWS, dedupe_headers, find_header
from kpi_engine.ingest.raw import RawSheet, column_names, empty_sheet, filled_count
from kpi_engine.ingest.sniff import (
    Decoded,
    decode,
    decode_head,
    looks_utf16_without_bom,
    sniff_delimiter,
)

MAX_CSV_BYTES = 256 * 1024 * 1024
MAX_RECORDS = 3_000_000
MAX_COLUMNS = 1_000
MAX_CELL = 32_767
HEAD_CHARS = 256 * 1024
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")


def read_delimited(file: str, data: bytes) -> RawSheet:
    if len(data) > MAX_CSV_BYTES:
        raise UnusableFile(
            file, f"{file} is larger than 256 MB, the limit for a CSV file: split it or filter it."
        )
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or \
        looks_utf16_without_bom(data)
    if not utf16:
        data = _lone_cr_as_newline(data)
    decoded = decode_head(data)
    text = decoded.text
    if utf16 and "\r" in text:
        text = re.sub(r"\r(?!\n)", "\n", text)
    if not text.strip():
        raise UnusableFile(file, f"{file} is empty: there is nothing to read.")
    head = text[:HEAD_CHARS]
    if len(_CONTROL.findall(head)) > max(20, len(head) // 50):
        raise UnusableFile(file, f"{file} is not a spreadsheet or text file (it holds binary data).")
    notes: list[str] = [_bad_bytes_note(decoded)] if decoded.bad_bytes else []
    head_lines = head.splitlines()[:200]
    delimiter = sniff_delimiter(head_lines)
    records, starts, ends = _head_records(head, delimiter)
    found = find_header(records)
    if found is None:
        return empty_sheet(
            file, None, "no header row with recognisable columns",
            encoding=decoded.encoding, delimiter=delimiter, notes=notes,
        )
    header_cells = records[found]
    if len(header_cells) > MAX_COLUMNS:
        raise UnusableFile(
            file, f"{file} has {len(header_cells):,} columns; at most {MAX_COLUMNS:,} can be "
            "read: remove the columns you do not need, or split the file."
        )
    header = dedupe_headers(header_cells)
    n = len(header)
    skip = ends[found]  # physical lines up to the header's end
    utf8 = decoded.utf8 if decoded.utf8 is not None else text.encode("utf-8")
    has_body = _has_body(utf8, skip)
    parsed = _read_polars(utf8, skip, delimiter, n) if has_body else None
    if parsed is None and decoded.partial:  # a bad byte after the head: decode it all
        decoded = decode(data)
        if decoded.bad_bytes:
            notes.append(_bad_bytes_note(decoded))
        utf8 = decoded.utf8 if decoded.utf8 is not None else decoded.text.encode("utf-8")
        parsed = _read_polars(utf8, skip, delimiter, n) if has_body else None
    if parsed is None:
        parsed = _read_python(_body_bytes(utf8, skip).decode("utf-8"), delimiter, n)
    cells, first_line, fields, filled = parsed
    count = filled_count(cells)
    nonempty = (count > 0).arg_true()
    keep = int(nonempty[-1]) + 1 if nonempty.len() else 0
    cells, first_line, count = cells.head(keep), first_line.head(keep), count.head(keep)
    fields, filled = fields.head(keep), filled.head(keep)
    if cells.height > MAX_RECORDS:
        raise UnusableFile(
            file, f"{file} has more than {MAX_RECORDS:,} rows, the limit for one file: split it."
        )
    # too few fields, or more than the header with something in the extra ones
    unreadable = (((fields < n) | (filled > n)) & (count > 0)).alias("unreadable")
    cells, cut = _cut_long_cells(cells)
    if cut:
        notes.append(f"{cut} cell(s) longer than {MAX_CELL:,} characters were cut to that length.")
    return RawSheet(
        file=file,
        sheet=None,
        header=header,
        header_row=starts[found],
        cells=cells,
        line=(first_line + ends[found] + 1).alias("line"),
        unreadable=unreadable,
        encoding=decoded.encoding,
        delimiter=delimiter,
        notes=notes,
    )


def _lone_cr_as_newline(data: bytes) -> bytes:
    """Old Mac files end lines with CR alone, and some exports mix CR into LF files: the
    parsers split records on LF only, so a lone CR becomes LF (a CR inside a quoted field too,
    which is the same line break to a reader)."""
    cr = data.count(b"\r")
    if cr == 0 or cr == data.count(b"\r\n"):
        return data
    return re.sub(rb"\r(?!\n)", b"\n", data)


def _bad_bytes_note(decoded: Decoded) -> str:
    return (
        f"{decoded.bad_bytes} character(s) could not be decoded as {decoded.encoding} and were "
        "replaced with �: check accented letters in those rows."
    )


def _head_records(head: str, delimiter: str) -> tuple[list[list[str]], list[int], list[int]]:
    """The first records with their first and last physical line numbers (1-based)."""
    lines = head.splitlines(keepends=True)
    if len(lines) > 1 and not lines[-1].endswith(("\n", "\r")):
        lines = lines[:-1]  # the head may end inside a record
    reader = csv.reader(io.StringIO("".join(lines)), delimiter=delimiter)
    records: list[list[str]] = []
    starts: list[int] = []
    ends: list[int] = []
    previous = 0
    try:
        for row in reader:
            records.append(row)
            starts.append(previous + 1)
            ends.append(reader.line_num)
            previous = reader.line_num
            if len(records) >= SCAN_ROWS + 10:
                break
    except csv.Error:
        pass
    return records, starts, ends


_NON_SPACE = re.compile(rb"[^\s,;|\"]")


def _line_start(data: bytes, lines: int) -> int:
    """Byte offset of the start of physical line `lines` + 1 (len(data) when there is none)."""
    pos = 0
    for _ in range(lines):
        nl = data.find(b"\n", pos)
        if nl < 0:
            return len(data)
        pos = nl + 1
    return pos


def _has_body(data: bytes, header_end_line: int) -> bool:
    return _NON_SPACE.search(data, _line_start(data, header_end_line)) is not None


def _body_bytes(data: bytes, header_end_line: int) -> bytes:
    """The UTF-8 bytes after the header record's last line (the csv-module fallback only)."""
    pos = 0
    for _ in range(header_end_line):
        nl = data.find(b"\n", pos)
        if nl < 0:
            return b""
        pos = nl + 1
    return data[pos:]


Parsed = tuple[pl.DataFrame, pl.Series, pl.Series, pl.Series]  # cells, first line, fields, filled


def _read_polars(data: bytes, skip: int, delimiter: str, n: int) -> Parsed | None:
    names = column_names(n + 1)  # one more: a longer record shows in the extra column
    options = dict(skip_lines=skip, has_header=False, separator=delimiter, quote_char='"',
                   truncate_ragged_lines=True, empty_string_is_null=False, raise_if_empty=False)
    try:
        try:
            cells = pl.read_csv(data, schema=dict.fromkeys(names, pl.String),
                                missing_columns="insert", **options)  # type: ignore[arg-type]
        except TypeError:  # a Polars without missing_columns: no extra column
            cells = pl.read_csv(data, schema=dict.fromkeys(names[:-1], pl.String), **options)  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - any parser failure falls back to the csv module
        return None
    extra = cells[names[-1]] if cells.width > n else pl.Series([None], dtype=pl.String)
    cells = cells.select(names[:-1])
    counted = _every_record_complete(data, skip, delimiter, n, cells.height, extra)
    if counted is None:
        counted = _field_counts(data, skip, delimiter, n)
    if counted is None or counted[0].len() != cells.height:
        return None
    if any(cells[c].null_count() for c in cells.columns):
        cells = cells.with_columns(pl.all().fill_null(""))
    return cells, *counted


def _every_record_complete(
    data: bytes, skip: int, delimiter: str, n: int, records: int, extra: pl.Series
) -> tuple[pl.Series, pl.Series, pl.Series] | None:
    """The common case, checked without a second parse: no quote anywhere (so one record per
    line), nothing beyond the header's width, and exactly n - 1 delimiters per record in all.
    With no longer record, that total leaves no room for a shorter one."""
    start = _line_start(data, skip)
    if data.find(b'"', start) >= 0 or (extra.str.len_bytes() > 0).any():
        return None
    if data.count(delimiter.encode(), start) != (n - 1) * records:
        return None
    index = pl.int_range(0, records, dtype=pl.Int64, eager=True)
    full = pl.repeat(n, records, dtype=pl.Int64, eager=True)
    return index.alias("first_line"), full.alias("fields"), full.alias("filled")


def _field_counts(data: bytes, skip: int, delimiter: str, n: int) -> tuple[pl.Series, pl.Series, pl.Series] | None:
    """Per record: its first line (0-based, relative to the body), its number of fields, and
    that number without trailing empty fields (extra empty fields after the last are harmless).

    Lines are grouped into records by the parity of the quote characters before them; a
    record's fields are its delimiters outside quotes + 1.
    """
    sep = next((s for s in ("\x1f", "\x1e", "\x1d", "\x1c") if s.encode() not in data), None)
    if sep is None:
        return None
    try:
        lines = pl.read_csv(
            data, skip_lines=skip, has_header=False, separator=sep, quote_char=None,
            schema={"l": pl.String}, empty_string_is_null=False, raise_if_empty=False,
        )
    except Exception:  # noqa: BLE001
        return None
    d = re.escape(delimiter)
    line = pl.col("l").fill_null("")
    frame = (
        lines.lazy()
        .with_row_index("i")
        .with_columns(
            l=line,
            q=line.str.count_matches('"', literal=True),
            fields=(line.str.count_matches(delimiter, literal=True) + 1).cast(pl.Int64),
        )
        .with_columns(start=((pl.col("q").cum_sum() - pl.col("q")) % 2 == 0))
        .collect()
    )
    if frame.height and frame["q"].sum() % 2:
        return None
    if frame.height != int(frame["start"].sum()):  # multi-line records: join their lines
        frame = (
            frame.with_columns(record=pl.col("start").cum_sum() - 1)
            .group_by("record", maintain_order=True)
            .agg(pl.col("i").first(), pl.col("l").str.join("\n"))
            .with_columns(
                fields=(pl.col("l").str.count_matches(delimiter, literal=True) + 1)
                .cast(pl.Int64)
            )
        )
    quoted = (frame["q"] > 0 if "q" in frame.columns
              else frame["l"].str.contains('"', literal=True)).arg_true()
    counts = frame.select(pl.col("i").cast(pl.Int64).alias("first_line"), "fields", "l")
    if quoted.len():  # delimiters inside quotes are not field breaks
        unquoted = counts[quoted].select(
            (pl.col("l").str.replace_all(r'"(?:[^"]|"")*"', "Q").str.count_matches(d) + 1)
            .cast(pl.Int64).alias("f")
        )["f"]
        counts = counts.with_columns(counts["fields"].scatter(quoted, unquoted))
    return counts["first_line"], counts["fields"], _filled(counts, delimiter, n)


def _filled(counts: pl.DataFrame, delimiter: str, n: int) -> pl.Series:
    """Fields up to the last non-empty one; only records longer than the header need a look."""
    long_rows = counts.with_row_index("k").filter(pl.col("fields") > n)
    if long_rows.height == 0:
        return counts["fields"].alias("filled")
    filled = counts["fields"].to_list()
    for k, text in zip(long_rows["k"], long_rows["l"], strict=True):
        try:
            row = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [""])
        except csv.Error:  # a stray CR or quote: count its fields as they stand
            continue
        filled[k] = max((i + 1 for i, c in enumerate(row) if c.strip()), default=1)
    return pl.Series("filled", filled, dtype=pl.Int64)


def _read_python(text: str, delimiter: str, n: int) -> Parsed:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows: list[list[str]] = []
    first: list[int] = []
    widths: list[int] = []
    filled: list[int] = []
    previous = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error:
            row = [""]
        first.append(previous)
        previous = reader.line_num
        widths.append(len(row))
        filled.append(max(1, max((i + 1 for i, c in enumerate(row) if c.strip()), default=1)))
        rows.append((row + [""] * n)[:n])
    names = column_names(n)
    cells = pl.DataFrame(
        {name: [r[i] for r in rows] for i, name in enumerate(names)},
        schema=dict.fromkeys(names, pl.String),
    )
    return (
        cells,
        pl.Series("first_line", first, dtype=pl.Int64),
        pl.Series(widths, dtype=pl.Int64),
        pl.Series(filled, dtype=pl.Int64),
    )


def _cut_long_cells(cells: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    if cells.height == 0:
        return cells, 0
    longest = cells.select(pl.max_horizontal(pl.all().str.len_bytes().max())).item()
    if not longest or longest <= MAX_CELL:
        return cells, 0
    too_long = cells.select(
        pl.sum_horizontal([(pl.col(c).str.len_chars() > MAX_CELL).sum() for c in cells.columns])
    ).item()
    if not too_long:
        return cells, 0
    return cells.with_columns(pl.all().str.slice(0, MAX_CELL)), int(too_long)
