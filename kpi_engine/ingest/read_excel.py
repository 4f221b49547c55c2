"""Workbooks (XLSX, XLSM, XLS, ODS) -> one RawSheet per sheet, read by calamine through fastexcel.

Cells come as text (dates as "2024-01-31 00:00:00", numbers as "1234.5"), so one cleaning path
serves CSV and Excel alike. calamine starts a sheet at its first non-empty row; that row's
number is read from the sheet XML (cheap: it is near the start) so header_row is the real one.
"""

from __future__ import annotations

import io
import re
import zipfile
from concurrent.futures import ThreadPoolExecutor
from zlib import error as zlib_error

import polars as pl

from kpi_engine.ingest.errors import UnusableFile
from kpi_engine.ingest.header import SCAN_ROWS, dedupe_headers, find_header
from kpi_engine.ingest.raw import (
    RawSheet,
    column_names,
    compact,
    empty_sheet,
    filled_count,
    longest,
    plan_columns,
)
from kpi_engine.ingest.synonyms import prepare

MAX_SHEETS = 1_000
MAX_COLUMNS = 1_000
MAX_CELL = 32_767
NO_HEADER = "no header row with recognisable columns"


MAX_SHEET_PART = 128 * 1024 * 1024
MAX_UNCOMPRESSED = 512 * 1024 * 1024
# The grid calamine builds for a sheet spans its first to its last cell holding a value, ~32
# bytes a cell even when empty: one value at XFD1048576 would ask for 512 GiB. Above this many
# cells (rows x columns of that span) the sheet is refused before calamine sees it.
MAX_SHEET_CELLS = 5_000_000
_CHUNK = 1 << 20


def check_zip(file: str, data: bytes) -> None:
    """Refuse a workbook zip that inflates past the limits, is damaged, declares a DTD, or has a
    sheet whose cells span more columns or cells than can be read.

    The sizes a zip declares are never trusted: every member is inflated and counted (in
    chunks, nothing kept), and its CRC checked by zipfile at the end of the member. Every XML
    part is searched whole for a DTD, and every sheet part measured for its cells' span.
    """
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        members = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UnusableFile(file, _open_message(file, "bad zip")) from None
    names = {m.filename for m in members}
    if not any(n.startswith("xl/") for n in names) and "content.xml" not in names:
        raise UnusableFile(
            file, f"{file} is a zip archive, not an Excel workbook: unzip it and upload the "
            "spreadsheets inside.")
    sheets = _sheet_paths(z)
    total = 0
    for m in members:
        sheet = m.filename.startswith("xl/worksheets/") or m.filename in sheets
        xml = m.filename.endswith((".xml", ".rels", ".vml")) or sheet
        extent = _Extent(file, sheets.get(m.filename), quick=True) if sheet else None
        exact = False
        size = 0
        tail = b""
        try:
            with z.open(m) as fh:
                for chunk in iter(lambda: fh.read(_CHUNK), b""):
                    edge = tail + chunk[:16]  # a word cut between two chunks
                    # (a sheet being given the quick bound is searched for a DTD with it)
                    if xml and (extent is None or not extent.quick) and (
                            _declares_dtd(chunk) or _declares_dtd(edge)):
                        raise _dtd_refused(file)
                    tail = chunk[-16:]
                    size += len(chunk)
                    total += len(chunk)
                    if sheet and size > MAX_SHEET_PART:
                        raise UnusableFile(
                            file, f"{file}: a sheet is larger than 128 MB unpacked, the limit "
                            "for one sheet: split it or export it as CSV.")
                    if total > MAX_UNCOMPRESSED:
                        raise UnusableFile(
                            file, f"{file} is larger than 512 MB unpacked, the limit for a "
                            "workbook: split it or export the sheets as CSV.")
                    if extent is not None:
                        try:
                            extent.feed(chunk)
                        except _NeedExact:  # the rest searched for a DTD here, piece by piece
                            if _declares_dtd(extent.carry):
                                raise _dtd_refused(file) from None
                            extent, exact = None, True
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError,
                zlib_error):
            raise UnusableFile(file, _open_message(file, "damaged")) from None
        if extent is not None:
            try:
                extent.feed(b"")
            except _NeedExact:
                exact = True
        if exact:  # the quick bound did not fit: measure the sheet exactly, a second pass
            _measure(z, m, file, sheets.get(m.filename))


_CELL_REF = re.compile(rb'<(?:[\w.-]+:)?c\s[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"[^>]*(?<!/)>')
_CELL_ANY = re.compile(rb"<(?:[\w.-]+:)?c[\s>]")
_ROW_START = re.compile(rb"<(?:[\w.-]+:)?row[\s>/]")
_ROW_REF = re.compile(rb'<(?:[\w.-]+:)?row\s[^>]*?\br="([0-9]{1,9})"')
_PLAIN_REF = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')
_BATCH = 8 * _CHUNK  # bytes of sheet XML given the quick bound at once


# `<c` not followed by ` r="` + a column A..Z + a row of 1 to 5 digits + `"`
_OUT_OF_BOX = ('<c(?:$|[^ ]| [^r]| r[^=]| r=[^"]| r="[^A-Z]| r="[A-Z][^0-9]| r="[A-Z][0-9]{6}'
               '| r="[A-Z][0-9]{1,5}[^0-9"])')


def _boxed(pieces: list[bytes]) -> tuple[list[bool], bool]:
    """Per piece of sheet XML: every cell tag in it is written `<c r="…"` with a reference
    within columns A..Z and rows 1..99,999 (an upper bound of the span it adds; a tag such as
    `<cols>` or a namespaced `<x:c>` sends the piece to the exact scan); and whether any piece
    declares a DTD. Counted by Polars' string kernels, several pieces and patterns at once: a
    few times faster than bytes searches in Python over a large sheet."""
    if not pieces:
        return [], False
    # a piece that is not UTF-8 is null: not boxed, and searched for a DTD in Python
    text = _utf8(pl.Series("x", pieces, dtype=pl.Binary))
    x = pl.col("x")
    boxed = (x.str.contains('<c r="', literal=True) & ~x.str.contains(_OUT_OF_BOX)
             & ~x.str.contains(":c", literal=True))
    dtd = x.str.contains("<!DOCTYPE", literal=True) | x.str.contains("<!ENTITY", literal=True)
    got = pl.DataFrame([text]).select(boxed=boxed.fill_null(False), dtd=dtd.fill_null(True))
    flagged = got["dtd"].to_list()
    declares = any(_declares_dtd(p) for p, f in zip(pieces, flagged, strict=True) if f)
    return got["boxed"].to_list(), declares


def _utf8(pieces: pl.Series) -> pl.Series:
    """Binary pieces as text, null where one is not UTF-8 (Polars refuses the whole cast)."""
    try:
        return pieces.cast(pl.String)
    except pl.exceptions.ComputeError:
        out = []
        for i in range(pieces.len()):
            try:
                out.append(pieces.slice(i, 1).cast(pl.String))
            except pl.exceptions.ComputeError:
                out.append(pl.Series(pieces.name, [None], dtype=pl.String))
        return pl.concat(out)


def _declares_dtd(xml: bytes) -> bool:
    return b"<!DOCTYPE" in xml or b"<!ENTITY" in xml


def _dtd_refused(file: str) -> UnusableFile:
    return UnusableFile(file, f"{file} declares XML entities (a DTD), which could be used to "
                        "attack the reader: it is refused. Save it again from Excel.")
_LONG_ROW = 7 * 1_000  # bytes: a valued cell takes at least 7 (<c></c>)


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


class _NeedExact(Exception):  # noqa: N818 - a signal, not an error
    """The quick bound of a sheet's span does not fit the limits: measure it exactly."""


def _measure(z: zipfile.ZipFile, member: zipfile.ZipInfo, file: str, sheet: str | None) -> None:
    """The exact span of a sheet's cells, on a second inflation (its size and DTD were checked
    on the first); refuses the workbook when the span is over a limit."""
    extent = _Extent(file, sheet)
    try:
        with z.open(member) as fh:
            chunk = fh.read(_CHUNK)
            while chunk:
                extent.feed(chunk)
                chunk = fh.read(_CHUNK)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError,
            zlib_error):
        raise UnusableFile(file, _open_message(file, "damaged")) from None
    extent.feed(b"")


class _Extent:
    """The span of a sheet's cells that hold something (calamine skips `<c .../>`), measured
    on the XML as it inflates, and checked after every chunk so that a bomb stops early.

    Cells without an `r` reference are allowed (each follows the one before): their columns
    are bounded by the longest row (a valued cell takes at least 7 bytes; rows long enough to
    pass 1,000 cells are counted), their rows by the number of <row> tags.
    """

    def __init__(self, file: str, sheet: str | None, quick: bool = False) -> None:
        self.file, self.sheet = file, sheet
        self.quick = quick  # pieces within A..Z and rows < 100,000 are only bounded (_boxed)
        self.widened = False
        self.col_lo = self.row_lo = 1 << 40
        self.col_hi = self.row_hi = 0
        self.unreferenced = False
        self.widest = 0
        self.row_tags = 0
        self.last_row_ref = 0
        self.carry = b""  # the end of the last chunk, from its last `<`: fed with the next
        self._pending: list[bytes] = []
        self._pending_size = 0

    def feed(self, chunk: bytes) -> None:
        """The next chunk of the sheet's XML (b"": the end)."""
        buf = self.carry + chunk
        cut = buf.rfind(b"<")
        cut = len(buf) if cut <= 0 or len(buf) - cut > 4096 or not chunk else cut
        buf, self.carry = buf[:cut], buf[cut:]
        if not self.quick:
            self._scan(buf)
            return
        if buf:
            self._pending.append(buf)
            self._pending_size += len(buf)
        if self._pending_size >= _BATCH or not chunk:
            self._flush()

    def _flush(self) -> None:
        """The quick bound of the pending pieces: a piece whose cells all lie in the box
        (`_boxed`) widens the span to it, any other is measured exactly."""
        bufs, self._pending, self._pending_size = self._pending, [], 0
        in_box, dtd = _boxed(bufs)
        if dtd:
            raise _dtd_refused(self.file)
        for buf, boxed in zip(bufs, in_box, strict=True):
            if boxed:
                self.col_lo, self.col_hi = 1, max(self.col_hi, 26)
                self.row_lo, self.row_hi = 1, max(self.row_hi, 99_999)
                self.widened = True
            else:
                self._scan(buf)
        self.check()

    def _scan(self, buf: bytes) -> None:
        """The exact span of the cells in buf (pieces end before a `<`: no tag is cut)."""
        if self._plain(buf):
            self.check()
            return
        refs = _CELL_REF.findall(buf)
        if refs:
            cols = {c for c, _ in refs}
            rows = [int(r) for r in {r for _, r in refs}]
            self.col_lo = min(self.col_lo, *map(_column_number, cols))
            self.col_hi = max(self.col_hi, *map(_column_number, cols))
            self.row_lo, self.row_hi = min(self.row_lo, *rows), max(self.row_hi, *rows)
        namespaced = b":c" in buf or b":row" in buf
        cells = len(_CELL_ANY.findall(buf)) if namespaced else buf.count(b"<c ") + buf.count(b"<c>")
        self.row_tags += len(_ROW_START.findall(buf)) if namespaced else buf.count(b"<row")
        row_refs = _ROW_REF.findall(buf)
        if row_refs:
            self.last_row_ref = max(self.last_row_ref, *map(int, row_refs))
        if cells > buf.count(b' r="') - len(row_refs):  # some cells carry no reference
            self.unreferenced = True
            pieces = _ROW_START.split(buf) if namespaced else buf.split(b"<row")
            longest = max(map(len, pieces))
            width = min(longest, _LONG_ROW - 1) // 7
            if longest >= _LONG_ROW:
                width = max(width, *(len(_CELL_ANY.findall(p)) for p in pieces
                                     if len(p) >= _LONG_ROW))
            self.widest = max(self.widest, width)
        self.check()

    def _plain(self, buf: bytes) -> bool:
        """The common case measured with one simpler scan and the same result: no namespace
        prefix, no self-closing tag (so every cell holds something) and every cell written
        `<c r="…"`. False: not this case (the general scan runs)."""
        if b"/>" in buf or b":c" in buf or b"<c>" in buf:
            return False
        if buf.count(b"<c ") != buf.count(b'<c r="'):
            return False
        refs = _PLAIN_REF.findall(buf)
        if refs:
            cols = [_column_number(c) for c in {c for c, _ in refs}]
            rows = [int(r) for r in {r for _, r in refs}]
            self.col_lo, self.col_hi = min(self.col_lo, *cols), max(self.col_hi, *cols)
            self.row_lo, self.row_hi = min(self.row_lo, *rows), max(self.row_hi, *rows)
        return True

    def span(self) -> tuple[int, int]:
        """(rows, columns) of the grid a reader builds for this sheet (so far)."""
        if self.unreferenced:
            return max(self.row_hi, self.last_row_ref) + self.row_tags, max(self.col_hi,
                                                                             self.widest)
        if not self.col_hi:
            return 0, 0
        return self.row_hi - self.row_lo + 1, self.col_hi - self.col_lo + 1

    def check(self) -> None:
        rows, cols = self.span()
        if self.widened and (cols > MAX_COLUMNS or rows * cols > MAX_SHEET_CELLS):
            raise _NeedExact
        where = f"{self.file}, sheet {self.sheet}" if self.sheet else f"{self.file}: a sheet"
        if cols > MAX_COLUMNS:
            raise UnusableFile(
                self.file, f"{where} has at least {cols:,} columns; at most {MAX_COLUMNS:,} "
                "can be read. Delete the columns (or stray cells) to the right of the data, or export "
                "the sheet as CSV.")
        if rows * cols > MAX_SHEET_CELLS:
            raise UnusableFile(
                self.file, f"{where} spans at least {rows:,} rows × {cols:,} columns "
                f"({rows * cols:,} cells); at most {MAX_SHEET_CELLS:,} cells can be read from "
                "one sheet. Delete stray cells far below or to the right of the data, or "
                "export the sheet as CSV.")


def _sheet_paths(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet part path -> sheet name, from the workbook and its relationships (regex only, on
    at most their first 4 MiB: no XML parser ever sees a part before it is checked)."""
    try:
        with z.open("xl/workbook.xml") as fh:
            book = fh.read(4 << 20)
        with z.open("xl/_rels/workbook.xml.rels") as fh:
            rels = fh.read(4 << 20)
    except (KeyError, zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError,
            zlib_error):
        return {}
    return {path: name for name, path in _sheet_targets(book, rels).items()}


def _sheet_targets(book: bytes, rels: bytes) -> dict[str, str]:
    """Sheet name -> its part's path, from xl/workbook.xml and its relationships (regex)."""
    targets = {
        m.group(1): m.group(2)
        for m in re.finditer(rb'<Relationship\b[^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"', rels)
    }
    targets |= {
        m.group(2): m.group(1)
        for m in re.finditer(rb'<Relationship\b[^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)
    }
    out: dict[str, str] = {}
    for m in re.finditer(rb"<(?:\w+:)?sheet\b([^>]*)/?>", book):
        attrs = m.group(1)
        name = re.search(rb'\bname="([^"]*)"', attrs)
        rid = re.search(rb'\br:id="([^"]*)"|\b\w+:id="([^"]*)"', attrs)
        target = targets.get(rid.group(1) or rid.group(2)) if rid else None
        if not name or not target:
            continue
        path = target.decode("utf-8", "replace").lstrip("/")
        path = path if path.startswith("xl/") else f"xl/{path}"
        out[_unescape(name.group(1).decode("utf-8", "replace"))] = path
    return out


def read_workbook(file: str, data: bytes) -> list[RawSheet]:
    import fastexcel

    if data[:2] == b"PK":
        check_zip(file, data)

    try:
        book = fastexcel.read_excel(data)
    except Exception as exc:  # noqa: BLE001 - calamine's errors are not typed for us
        raise UnusableFile(file, _open_message(file, str(exc))) from None
    names = list(book.sheet_names)
    if len(names) > MAX_SHEETS:
        raise UnusableFile(file, f"{file} has {len(names):,} sheets; at most {MAX_SHEETS:,} can be "
                                 "read: split the workbook.")
    first_rows = _first_rows(data)
    sheets: list[RawSheet] = []
    with ThreadPoolExecutor(max_workers=1) as pool:  # recognition's tables, while calamine reads
        ready = pool.submit(prepare)
        for name in names:
            try:
                frame = book.load_sheet(name, header_row=None, dtypes="string").to_polars()
            except Exception as exc:  # noqa: BLE001
                sheet = empty_sheet(file, name, f"this sheet could not be read ({exc})")
                sheets.append(sheet)
                continue
            offset = first_rows.get(name)
            if offset is None:
                offset = _first_row_calamine(data, name)
            sheets.append(_sheet(file, name, frame, offset))
        ready.exception()  # an error shows again when a table is recognised
    return sheets


def _open_message(file: str, detail: str) -> str:
    low = detail.lower()
    if "password" in low or "encrypt" in low:
        return f"{file} is protected with a password: save it without a password and upload it again."
    return (
        f"{file} could not be opened as a workbook (it may be damaged): open it in Excel or "
        "LibreOffice, save it again as .xlsx, and upload that file."
    )


def _sheet(file: str, name: str, frame: pl.DataFrame, offset: int) -> RawSheet:
    if frame.width > MAX_COLUMNS:
        raise UnusableFile(
            file, f"{file}, sheet {name} has {frame.width:,} columns; at most {MAX_COLUMNS:,} "
            "can be read."
        )
    if frame.height == 0 or frame.width == 0:
        return empty_sheet(file, name, "the sheet is empty")
    frame = frame.rename(dict(zip(frame.columns, column_names(frame.width), strict=True)))
    frame = frame.with_columns(pl.all().cast(pl.String).fill_null(""))
    head = [list(r) for r in frame.head(SCAN_ROWS + 10).iter_rows()]
    found = find_header(head)
    if found is None:
        return empty_sheet(file, name, NO_HEADER)
    header = dedupe_headers(head[found])
    cells = frame.slice(found + 1)
    notes: list[str] = []
    # (a cell of more bytes than MAX_CELL may still have fewer characters)
    too_long = cells.select(
        pl.sum_horizontal([(pl.col(c).str.len_chars() > MAX_CELL).sum() for c in cells.columns])
    ).item() if cells.height and max(longest(cells[c]) for c in cells.columns) > MAX_CELL else 0
    if too_long:
        cells = cells.with_columns(pl.all().str.slice(0, MAX_CELL))
        notes.append(f"{too_long} cell(s) longer than {MAX_CELL:,} characters were cut.")
    # held compactly (raw.py): a column repeating a few values as Categorical, ISO date-times
    # as Datetime; every cell's text stays exactly what the sheet gave
    cells, formats = compact(cells, plan_columns(cells.head(2000)))
    count = filled_count(cells, formats)  # trailing empty records are not rows
    filled = (count > 0).arg_true()
    keep = int(filled[-1]) + 1 if filled.len() else 0
    cells, count = cells.head(keep), count.head(keep)
    first = offset + found + 2  # 1-based row of the first record below the header
    sheet = RawSheet(
        file=file,
        sheet=name,
        header=header,
        header_row=offset + found + 1,
        store=cells,
        line=pl.int_range(first, first + cells.height, dtype=pl.Int64, eager=True).alias("line"),
        unreadable=pl.repeat(False, cells.height, eager=True).alias("unreadable"),
        notes=notes,
        formats=formats,
    )
    sheet._filled = count
    return sheet


_ROW = re.compile(rb"<(?:\w+:)?row\b([^>]*?)(/?)>(.*?)(?=<(?:\w+:)?row\b|</(?:\w+:)?sheetData>)", re.S)
_R_ATTR = re.compile(rb'\br="(\d+)"')
_HAS_VALUE = re.compile(rb"<(?:\w+:)?v>[^<]|<(?:\w+:)?is>")


def _first_rows(data: bytes) -> dict[str, int]:
    """sheet name -> 0-based index of its first row holding a value (XLSX/XLSM only)."""
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        book = z.read("xl/workbook.xml")
        rels = z.read("xl/_rels/workbook.xml.rels")
    except (KeyError, zipfile.BadZipFile, OSError):
        return {}
    out: dict[str, int] = {}
    for name, path in _sheet_targets(book, rels).items():
        row = _first_value_row(z, path)
        if row is not None:
            out[name] = row
    return out


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


def _first_value_row(z: zipfile.ZipFile, path: str) -> int | None:
    try:
        with z.open(path) as fh:
            chunk = b""
            while len(chunk) < 64 * 1024 * 1024:
                more = fh.read(256 * 1024)
                chunk += more
                counted = 0
                for m in _ROW.finditer(chunk):
                    r = _R_ATTR.search(m.group(1))
                    counted = int(r.group(1)) if r else counted + 1
                    if m.group(2) != b"/" and _HAS_VALUE.search(m.group(3)):
                        return counted - 1
                if not more:
                    return None
    except (KeyError, OSError, zipfile.BadZipFile):
        return None
    return None


def _first_row_calamine(data: bytes, name: str) -> int:
    try:
        from python_calamine import CalamineWorkbook

        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(name)
        return int(sheet.start[0]) if sheet.start else 0
    except Exception:  # noqa: BLE001
        return 0
