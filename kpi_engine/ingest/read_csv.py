"""Delimited text (CSV, TSV, TXT) -> RawSheet: encoding and delimiter sniffed, header found.

The records are parsed by Polars' CSV reader, every cell as text: a column that repeats a few
values in the first records is read as Categorical (each distinct text kept once), and a column
of ISO date-times is kept as Datetime when every value is one written in that format (so its
text is recovered exactly). Each record's fields are counted (for a file without quotes, from
the byte length of the cells; otherwise in a cheap pass over the physical lines), so that a
record with the wrong number of fields is marked unreadable instead of being silently padded or
cut. When the two disagree (odd quoting), Python's csv module reads the file instead.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import polars as pl

from kpi_engine.ingest.errors import UnusableFile
from kpi_engine.ingest.header import SCAN_ROWS, dedupe_headers, find_header
from kpi_engine.ingest.raw import (
    Plan,
    RawSheet,
    column_names,
    empty_sheet,
    filled_count,
    is_categorical,
    longest,
    new_categorical,
    plan_columns,
    to_text_expr,
    typed_dates,
)
from kpi_engine.ingest.sniff import (
    Decoded,
    decode,
    decode_head,
    looks_utf16_without_bom,
    sniff_delimiter,
)
from kpi_engine.ingest.warm import ahead_of_need

MAX_CSV_BYTES = 256 * 1024 * 1024
MAX_RECORDS = 3_000_000
MAX_COLUMNS = 1_000
MAX_CELL = 32_767
HEAD_CHARS = 256 * 1024
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")


def read_delimited(file: str, data: bytes, whole: Callable[[], bytes] | None = None,
                   size: int | None = None) -> RawSheet:
    """A delimited file's sheet. With `whole` (and the file's `size`), `data` is only the start
    of the file (over 1 MB) and `whole()` gives all of it: it is called once the header and
    the plan are found from the start, so that the caller can read the file meanwhile."""
    if (len(data) if size is None else size) > MAX_CSV_BYTES:
        raise UnusableFile(
            file, f"{file} is larger than 256 MB, the limit for a CSV file: split it or filter it."
        )
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or \
        looks_utf16_without_bom(data)
    if not utf16:
        data = _lone_cr_as_newline(data)
    decoded = decode_head(data)
    if whole is not None and not (decoded.partial and decoded.utf8 is data):
        return read_delimited(file, whole())  # not plain UTF-8 from the start: read it all
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
    if whole is not None and not has_body:
        return read_delimited(file, whole())  # nothing but the header in the start
    plan = column_plan(head, skip, delimiter, n) if has_body else {}
    if whole is not None:  # the same start (the file did not change meanwhile), then all
        start, data = data, whole()
        if not data.startswith(start):
            return read_delimited(file, data)
        utf8 = data
    with ThreadPoolExecutor(max_workers=1) as pool:  # made ready while Polars reads
        ready = pool.submit(ahead_of_need, header)
        parsed = _read_polars(utf8, skip, delimiter, n, plan) if has_body else None
        ready.exception()  # an error shows again when the table is recognised
    if parsed is None and decoded.partial:  # a bad byte after the head: decode it all
        decoded = decode(data)
        if decoded.bad_bytes:
            notes.append(_bad_bytes_note(decoded))
        utf8 = decoded.utf8 if decoded.utf8 is not None else decoded.text.encode("utf-8")
        parsed = _read_polars(utf8, skip, delimiter, n, plan) if has_body else None
    if parsed is None:
        parsed = _read_python(_body_bytes(utf8, skip).decode("utf-8"), delimiter, n)
    cells, first_line, fields, filled = parsed
    with ThreadPoolExecutor(max_workers=1) as pool:  # side by side: Polars frees the GIL
        dates = pool.submit(typed_dates, cells, plan)
        count = filled_count(cells)
        nonempty = (count > 0).arg_true()
        keep = int(nonempty[-1]) + 1 if nonempty.len() else 0
        cells, first_line, count = cells.head(keep), first_line.head(keep), count.head(keep)
        fields, filled = fields.head(keep), filled.head(keep)
        if cells.height > MAX_RECORDS:
            raise UnusableFile(
                file, f"{file} has more than {MAX_RECORDS:,} rows, the limit for one file: "
                "split it.")
        # too few fields, or more than the header with something in the extra ones
        unreadable = (((fields < n) | (filled > n)) & (count > 0)).alias("unreadable")
        cells, cut = _cut_long_cells(cells)
        typed, formats = dates.result()
    if cut:
        notes.append(f"{cut} cell(s) longer than {MAX_CELL:,} characters were cut to that length.")
    if formats:  # a date-time column has no long cell: it is as it was read
        cells = cells.with_columns(typed.select(list(formats)).head(keep))
    sheet = RawSheet(
        file=file,
        sheet=None,
        header=header,
        header_row=starts[found],
        store=cells,
        line=(first_line + ends[found] + 1).alias("line"),
        unreadable=unreadable,
        encoding=decoded.encoding,
        delimiter=delimiter,
        notes=notes,
        formats=formats,
    )
    if not cut:
        sheet._filled = count  # counted above, on the same cells
    return sheet


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

def column_plan(head: str, skip: int, delimiter: str, n: int) -> Plan:
    """Decide from the records in the head (the first 256 KB) how each column is read (see
    raw.plan_columns)."""
    lines = head.splitlines(keepends=True)
    if len(lines) > 1 and not lines[-1].endswith(("\n", "\r")):
        lines = lines[:-1]  # the head may end inside a record
    names = column_names(n)
    try:
        sample = pl.read_csv(
            "".join(lines).encode("utf-8"), skip_lines=skip, has_header=False,
            separator=delimiter, quote_char='"', schema=dict.fromkeys(names, pl.String),
            truncate_ragged_lines=True, empty_string_is_null=False, raise_if_empty=False,
            missing_columns="insert",
        )
    except Exception:  # noqa: BLE001 - the plan is only an optimisation
        return {}
    return plan_columns(sample)


def _read_polars(data: bytes, skip: int, delimiter: str, n: int, plan: Plan) -> Parsed | None:
    names = column_names(n + 1)  # one more: a longer record shows in the extra column
    options = dict(skip_lines=skip, has_header=False, separator=delimiter, quote_char='"',
                   truncate_ragged_lines=True, empty_string_is_null=False, raise_if_empty=False)

    def schema(small: bool) -> dict[str, pl.DataType]:
        return {c: new_categorical(small and plan[c] == "cat8") if plan.get(c, "").startswith("cat")
                else pl.String() for c in names}

    # meanwhile (Polars frees the GIL), look for what rules out the quick check of the fields
    with ThreadPoolExecutor(max_workers=1) as pool:
        marks = pool.submit(_quote_or_return, data, skip)
        cells = _parse(data, schema, options)
        quote_or_return = marks.result()
    if cells is None:
        return None
    extra = cells[names[-1]] if cells.width > n else pl.Series([None], dtype=pl.String)
    cells = cells.select(names[:-1])
    counted = _every_record_complete(data, skip, delimiter, n, cells, extra, quote_or_return)
    if counted is None:
        counted = _field_counts(data, skip, delimiter, n)
    if counted is None or counted[0].len() != cells.height:
        return None
    text = [c for c in cells.columns if cells.schema[c] == pl.String and cells[c].null_count()]
    if text:
        cells = cells.with_columns(pl.col(text).fill_null(""))
    return cells, *counted


def _quote_or_return(data: bytes, skip: int) -> tuple[bool, bool]:
    """Whether the body holds a quote character, and a carriage return."""
    start = _line_start(data, skip)
    return data.find(b'"', start) >= 0, data.find(b"\r", start) >= 0


def _parse(data: bytes, schema: Callable[[bool], dict[str, pl.DataType]],
           options: dict[str, Any]) -> pl.DataFrame | None:
    try:
        try:
            cells = pl.read_csv(data, schema=schema(True), missing_columns="insert", **options)  # type: ignore[arg-type]
        except pl.exceptions.ComputeError as exc:  # more distinct values than one byte holds
            if "categories" not in str(exc):
                raise
            cells = pl.read_csv(data, schema=schema(False), missing_columns="insert", **options)  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - any parser failure falls back to the csv module
        return None
    return cells


def _every_record_complete(
    data: bytes, skip: int, delimiter: str, n: int, cells: pl.DataFrame, extra: pl.Series,
    quote_or_return: tuple[bool, bool] | None = None,
) -> tuple[pl.Series, pl.Series, pl.Series] | None:
    """The common case, checked without a second parse: no quote anywhere (so one record per
    line), nothing beyond the header's width, and exactly n - 1 delimiters per record in all.
    With no longer record, that total leaves no room for a shorter one.

    Without a carriage return either, the delimiters are not even counted: every byte of the
    body is in a cell, a delimiter or a newline, so the cells' byte lengths and the number of
    records tell whether the total is right."""
    start = _line_start(data, skip)
    records = cells.height
    quote, carriage_return = quote_or_return or _quote_or_return(data, skip)
    if quote:
        return None
    if extra.dtype != pl.String or (extra.fill_null("").str.len_bytes() > 0).any():
        return None
    if carriage_return:
        if data.count(delimiter.encode(), start) != (n - 1) * records:
            return None
    else:
        def length(c: str) -> int:  # one column at a time (two side by side): little memory
            values = cells[c]
            lengths = values.cat.len_bytes() if is_categorical(values.dtype) \
                else values.str.len_bytes()
            return int(lengths.sum() or 0)

        with ThreadPoolExecutor(max_workers=2) as pool:
            total = sum(pool.map(length, cells.columns))
        newlines = records - (0 if data.endswith(b"\n") else 1)
        if total + (n - 1) * records + newlines != len(data) - start:
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
    if max(longest(cells[c]) for c in cells.columns) <= MAX_CELL:
        return cells, 0
    cells = cells.select(to_text_expr(c, dt) for c, dt in cells.schema.items())
    too_long = cells.select(
        pl.sum_horizontal([(pl.col(c).str.len_chars() > MAX_CELL).sum() for c in cells.columns])
    ).item()
    if not too_long:
        return cells, 0
    return cells.with_columns(pl.all().str.slice(0, MAX_CELL)), int(too_long)
