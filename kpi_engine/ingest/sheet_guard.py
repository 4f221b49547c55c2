"""What a workbook must pass before calamine sees it (`check_zip`).

calamine builds each sheet as a dense grid from its first to its last cell holding a value,
~32 bytes a cell even when empty: one value at XFD1048576 would ask for 512 GiB and abort the
server. So every XML part of the zip is inflated here first (nothing kept), counted against the
size limits, searched for a DTD, and measured for the span of its cells; a part over a limit
refuses the workbook with a message saying what to do.

The span is measured as calamine reads cells (checked on crafted sheets): a reference in any
case (`z30`), single or double quotes, spaces around `=`, the last `r` of a tag, leading zeros;
a cell without a reference follows the one before, on the row its `<row r>` says (or the next);
an `r` with a namespace prefix is not a reference. What this module cannot read the way
calamine would — a cell or row tag it cannot parse, two `r` in one tag, a reference that is not
letters then digits, a tag longer than 1 MiB — refuses the workbook: Excel never writes them.

The XML is cut into pieces just before a `<` (no tag is ever split between two pieces). Most
pieces get a quick bound (`_boxed`, Polars' string kernels over 8 MiB at a time, searched in a
worker thread while the next 8 MiB inflate): when no cell or row tag in a piece leaves the
shape `<c r="…"` with a reference within A..Z × 1..99,999 / `<row r="…"` within 1..99,999 (and
no tag runs past its end), the piece adds at most that box (26 × 99,999 cells fit the limits).
Any other piece is measured exactly: a simple scan when every tag is written the way Excel
writes it (`_plain`), else a tag-by-tag parse (`_parse`). A bound that does not fit the limits
sends the part to an exact second pass, so a refusal is always on the exact span.
"""

from __future__ import annotations

import io
import re
import zipfile
from concurrent.futures import Future, ThreadPoolExecutor
from typing import NamedTuple
from zlib import error as zlib_error

import polars as pl

from kpi_engine.ingest.errors import UnusableFile
from kpi_engine.ingest.zip_members import member_pieces, rebuild

MAX_COLUMNS = 1_000
MAX_SHEETS = 1_000
MAX_SHEET_PART = 128 * 1024 * 1024
MAX_UNCOMPRESSED = 512 * 1024 * 1024
MAX_SHEET_CELLS = 5_000_000  # cells of a sheet's span (rows × columns) calamine may build
MAX_TAG = 1 << 20  # bytes from a `<` to the next `<`: longer refuses the workbook
_CHUNK = 1 << 20
_BATCH = 8 * _CHUNK  # bytes of XML given the quick bound at once
_DAMAGED = (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError, ValueError,
            zlib_error)


def check_zip(file: str, data: bytes) -> bytes:
    """Refuse a workbook zip that inflates past the limits, is damaged, declares a DTD, or has a
    part whose cells span more columns or cells than can be read; else the workbook to give
    calamine: a new archive of the XML parts checked here and nothing else (zip_members.
    rebuild), so that no trick of the archive's directory shows calamine another part.

    The sizes a zip declares are never trusted: every member is inflated and counted (in
    chunks, nothing kept), and its CRC checked by zipfile at the end of the member. Every XML
    part is searched whole for a DTD and measured for its cells' span, whatever its path (a
    workbook may point its sheets anywhere)."""
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        members = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UnusableFile(file, open_message(file, "bad zip")) from None
    names = {m.filename for m in members}
    if not any(n.startswith("xl/") for n in names) and "content.xml" not in names:
        raise UnusableFile(
            file, f"{file} is a zip archive, not an Excel workbook: unzip it and upload the "
            "spreadsheets inside.")
    if "xl/workbook.bin" in names:
        raise UnusableFile(
            file, f"{file} is an Excel binary workbook (.xlsb), which is not read here: open it "
            "in Excel, save it as .xlsx (Excel Workbook), and upload that file.")
    if len(names) != len(members):  # two members of one name: readers differ on which counts
        raise UnusableFile(file, open_message(file, "damaged"))
    sheets = sheet_paths(z)
    with ThreadPoolExecutor(max_workers=1) as searching:
        parts = _check_members(file, data, z, members, sheets, searching)
    try:
        return rebuild(data, parts)
    except _DAMAGED:
        raise UnusableFile(file, open_message(file, "damaged")) from None


def _check_members(file: str, data: bytes, z: zipfile.ZipFile, members: list[zipfile.ZipInfo],
                   sheets: dict[str, str], searching: ThreadPoolExecutor,
                   ) -> list[tuple[zipfile.ZipInfo, int]]:
    """Every member inflated and checked; the XML parts (measured), with their sizes."""
    total = 0
    parts: list[tuple[zipfile.ZipInfo, int]] = []
    for m in members:
        sheet = m.filename.startswith("xl/worksheets/") or m.filename in sheets
        xml = sheet or m.filename.endswith((".xml", ".rels", ".vml")) or "." not in \
            m.filename.rsplit("/", 1)[-1]
        extent = _Extent(file, sheets.get(m.filename), quick=searching) if xml else None
        exact = False
        size = 0
        tail = b""
        try:
            for chunk in member_pieces(data, z, m, _CHUNK):
                edge = tail + chunk[:16]  # a word cut between two chunks
                # (a part being given the quick bound is searched for a DTD with it)
                if xml and extent is None and (_declares_dtd(chunk) or _declares_dtd(edge)):
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
                        if any(_declares_dtd(p) for p in extent.unsearched()):
                            raise _dtd_refused(file) from None
                        extent, exact = None, True
        except _DAMAGED:
            raise UnusableFile(file, open_message(file, "damaged")) from None
        if extent is not None:
            try:
                extent.feed(b"")
            except _NeedExact:
                if any(_declares_dtd(p) for p in extent.unsearched()):
                    raise _dtd_refused(file) from None
                exact = True
        if exact:  # the quick bound did not fit: measure the part exactly, a second pass
            _measure(data, z, m, file, sheets.get(m.filename))
        if xml:
            parts.append((m, size))
    return parts


def open_message(file: str, detail: str) -> str:
    low = detail.lower()
    if "password" in low or "encrypt" in low:
        return f"{file} is protected with a password: save it without a password and upload it again."
    return (
        f"{file} could not be opened as a workbook (it may be damaged): open it in Excel or "
        "LibreOffice, save it again as .xlsx, and upload that file."
    )


_DTD = rb"<!(?i:doctype|entity)"  # in any case: the XML reader takes `<!doctype` too


def _declares_dtd(xml: bytes) -> bool:
    return re.search(_DTD, xml) is not None


def _dtd_refused(file: str) -> UnusableFile:
    return UnusableFile(file, f"{file} declares XML entities (a DTD), which could be used to "
                        "attack the reader: it is refused. Save it again from Excel.")


# -- the quick bound -----------------------------------------------------------------------------
# an attribute other than `r` (names of one letter but r, or of two or more characters)
_NAME = r"(?:[A-Za-z_][\w.:-]+|[A-Za-qs-z_])"
_OTHER_ATTR = r"\s+" + _NAME + r'="[^"<]*"'
# A boxed tag, as Excel writes it: `<c r="` + A..Z + 1 to 5 digits + `"`, other attributes,
# `>` or `/>` (`<row r="` + 1 to 5 digits alike). Every way a tag starting `<c` / `<row` can
# leave that shape is one of these deviations (a tag cut by the end of a piece aside: the end
# of a piece is checked apart). Searching for a deviation is a few times faster than counting
# the boxed tags, and a piece without one has every tag boxed.
_AFTER_VALUE = (r"(?:[^\s/>]|\s+(?:[^\sA-Za-z_/>]|r[^\w.:-]|[A-Za-z_][\w.:-]*[^\w.:=-]|"
                + _NAME + r'=[^"]|' + _NAME + r'="[^"<]*<)|\s*/[^>])')
_ATTRS = r"(?:" + _OTHER_ATTR + r")*"
_NOT_BOXED_CELL = (r'<c(?:[^ ]| [^r]| r[^=]| r=[^"]| r="[^A-Z]| r="[A-Z][^0-9]'
                   r'| r="[A-Z][0-9]{6}| r="[A-Z][0-9]{1,5}[^0-9"]| r="[A-Z][0-9]{1,5}"'
                   + _ATTRS + _AFTER_VALUE + ")")
_NOT_BOXED_ROW = (r'<row(?:[^ ]| [^r]| r[^=]| r=[^"]| r="[^0-9]| r="[0-9]{6}'
                  r'| r="[0-9]{1,5}[^0-9"]| r="[0-9]{1,5}"' + _ATTRS + _AFTER_VALUE + ")")


class Search(NamedTuple):
    """What the quick bound found in a batch of pieces (see _boxed)."""

    kinds: list[bool | None]
    declares: bool  # a DTD in some piece
    ends: list[int]  # ends of rows (`</row>`) in each piece
    hidden: list[bool]  # each piece: a comment, CDATA or instruction (`<!`, `<?`) perhaps


def _boxed(pieces: list[bytes]) -> Search:
    """Per piece of XML: None when it has no cell or row tag at all (it adds nothing); True
    when every cell tag is `<c r="…"` with a reference within A..Z × 1..99,999 and every row
    tag `<row r="…"` within 1..99,999 (an upper bound of what it adds), with no other `r`;
    False otherwise (measured exactly). And whether any piece declares a DTD, how many ends
    of rows (`</row>`) each piece has, and which may hide tags in comments. Searched by
    Polars' string kernels: a few times faster than bytes searches in Python over a large
    sheet. Polars runs each expression on one thread, so the pieces are dealt into one column
    per thread (piece i in column i % k, row i // k)."""
    if not pieces:
        return Search([], False, [], [])
    k = max(1, min(len(pieces), pl.thread_pool_size()))
    height = -(-len(pieces) // k)
    # a piece that is not UTF-8 is null: measured exactly, and searched for a DTD in Python
    columns = [_utf8(pl.Series(f"x{j}", pieces[j::k] + [b""] * (height - len(pieces[j::k])),
                               dtype=pl.Binary)) for j in range(k)]
    found = pl.DataFrame(columns).select(
        e for j in range(k) for e in _piece_search(pl.col(f"x{j}"), str(j))
    ).to_dict(as_series=False)
    kinds: list[bool | None] = []
    flagged: list[bool] = []
    ends: list[int] = []
    hidden: list[bool] = []
    for i, piece in enumerate(pieces):
        j, row = str(i % k), i // k
        cells, rows = found["cells" + j][row], found["rows" + j][row]
        odd, prefixed = found["odd" + j][row], found["prefixed" + j][row]
        if cells is None:  # not UTF-8
            kinds.append(False)
        elif not (cells or rows or prefixed):
            kinds.append(None)
        else:  # (a tag left open at the end of the piece is not boxed)
            kinds.append(bool(cells and not odd and not prefixed and _ends_whole(piece)))
        bang, query = found["bang" + j][row], found["query" + j][row]
        flagged.append(bang is not False)
        ends.append(found["ends" + j][row] or 0)
        hidden.append(bang is not False or query is not False)
    declares = any(_declares_dtd(p) for p, f in zip(pieces, flagged, strict=True) if f)
    return Search(kinds, declares, ends, hidden)


def _piece_search(x: pl.Expr, suffix: str) -> list[pl.Expr]:
    """What _boxed needs to know of each piece of column x (null when it is not UTF-8)."""
    return [
        x.str.contains("<c", literal=True).alias("cells" + suffix),
        x.str.contains("<row", literal=True).alias("rows" + suffix),
        (x.str.contains(_NOT_BOXED_CELL) | x.str.contains(_NOT_BOXED_ROW)).alias("odd" + suffix),
        (x.str.contains(":c", literal=True) | x.str.contains(":row", literal=True))
        .alias("prefixed" + suffix),
        # (a DTD starts `<!`: the few pieces with one are searched in Python, in any case;
        # literal searches here, a regex starting `<` would stop at every tag)
        x.str.contains("<!", literal=True).alias("bang" + suffix),
        x.str.contains("<?", literal=True).alias("query" + suffix),
        x.str.count_matches(r"</row[\s>]").alias("ends" + suffix),
    ]


def _ends_whole(piece: bytes) -> bool:
    """Whether the last tag of the piece is closed (no tag runs on past its end)."""
    last = piece.rfind(b"<")
    return last < 0 or _WHOLE_TAG.match(piece, last) is not None


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


# -- the exact measure ------------------------------------------------------------------------
# a namespace prefix as the XML reader takes it: whatever comes before the first `:` of a name
_PREFIX = rb"(?:[^\s/>:]*:)?"
_QUOTED = rb"(?:\"[^\"]*\"|'[^']*')"
# a cell or row tag: its name, its attributes (values quoted, may hold `>`), `/` if empty
_TAG = re.compile(rb"<" + _PREFIX + rb"(c|row)((?:\s+[^\s=<>/\"']+\s*=\s*" + _QUOTED
                  + rb")*)\s*(/?)>")
_WHOLE_TAG = re.compile(rb"</?[^\s<>\"'/=]+(?:\s+[^\s=<>/\"']+\s*=\s*" + _QUOTED
                        + rb")*\s*/?>")
_TAG_START = re.compile(rb"<" + _PREFIX + rb"(?:c|row)(?=[\s/>])")
_R_ATTR = re.compile(rb"(?:^|\s)r\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_CELL_NAME = re.compile(rb"([A-Za-z]{1,10})([0-9]{1,12})")
_ROW_NUMBER = re.compile(rb"[0-9]{1,12}")
# Excel's own way: `<c r="B7" s="1" t="s">` / `<row r="7" spans="1:3">`, double quotes, r first
_PLAIN_CELL = re.compile(rb'<c r="([A-Za-z]{1,10})([0-9]{1,12})"(?:'
                         + _OTHER_ATTR.encode() + rb")*\s*(/?)>")
_PLAIN_ROW = re.compile(rb'<row r="([0-9]{1,12})"(?:' + _OTHER_ATTR.encode() + rb")*\s*/?>")
# the end of a row (any prefix): calamine counts a row at each, whatever tag it closes
# (an end tag's name is all up to `>`, trailing XML spaces aside: `</row x="">` ends no row)
_ROW_END = re.compile(rb"</" + _PREFIX + rb"row[ \t\r\n]*>")
_CELL_END = re.compile(rb"</" + _PREFIX + rb"c[ \t\r\n]*>")
# comments, CDATA, processing instructions: calamine skips what they hold, a scan would not
_HIDDEN = re.compile(rb"<[!?]")
_ROW, _CELL = 1, 2  # ends of a row, of a cell (events of _Extent._track)
_BOX_ROWS, _BOX_COLUMNS = 99_999, 26


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


class _NeedExact(Exception):  # noqa: N818 - a signal, not an error
    """The quick bound of a part's span does not fit the limits: measure it exactly."""


def _measure(data: bytes, z: zipfile.ZipFile, member: zipfile.ZipInfo, file: str,
             sheet: str | None) -> None:
    """The exact span of a part's cells, on a second inflation (its size and DTD were checked
    on the first); refuses the workbook when the span is over a limit."""
    extent = _Extent(file, sheet)
    try:
        for chunk in member_pieces(data, z, member, _CHUNK):
            extent.feed(chunk)
    except _DAMAGED:
        raise UnusableFile(file, open_message(file, "damaged")) from None
    extent.feed(b"")


class _Extent:
    """The span of a part's cells that hold something (calamine skips `<c .../>`), measured on
    the XML as it inflates, and checked after every piece (quick: every batch of pieces) so
    that a bomb stops early.

    A cell without an `r` reference is where calamine puts it: on the row of the last
    `<row r>` plus the rows ended since (calamine counts a row at every `</row>`, whatever tag
    it closes), in the column after the cell before (0 after a row's end). That position is
    followed across pieces (`row_index`, `col_index`, 0-based as calamine's; after a piece
    only bounded, an upper bound).
    """

    def __init__(self, file: str, sheet: str | None,
                 quick: ThreadPoolExecutor | None = None) -> None:
        self.file, self.sheet = file, sheet
        # quick: pieces within A..Z × 1..99,999 are only bounded (_boxed), one batch searched
        # by Polars in this thread while the next batch inflates
        self.quick = quick
        self._searching: tuple[list[bytes], Future[Search]] | None = None
        self.widened = False
        self.col_lo = self.row_lo = 1 << 40
        self.col_hi = self.row_hi = 0
        self.row_index = self.col_index = 0  # where a cell without a reference goes
        self.in_cell = False  # between a cell's start and its end (calamine then skips ends)
        self.first_piece = True
        self.carry = b""  # the end of the last chunk, from its last `<`: fed with the next
        self._pending: list[bytes] = []
        self._pending_size = 0

    @property
    def where(self) -> str:
        return f"{self.file}, sheet {self.sheet}" if self.sheet else f"{self.file}: a sheet"

    def feed(self, chunk: bytes) -> None:
        """The next chunk of the part's XML (b"": the end). Cut just before its last `<`
        (unless that tag is whole: then after the text that follows), so that no tag is split
        between two pieces."""
        cut = chunk.rfind(b"<")
        if cut < 0:  # the carry's tag (or text) goes on
            buf = self.carry + chunk
            cut = buf.rfind(b"<")
            if cut < 0 or _WHOLE_TAG.match(buf, cut):  # the last tag is whole: the rest is text
                cut = len(buf)
            buf, self.carry = buf[:cut], buf[cut:]
        elif _WHOLE_TAG.match(chunk, cut):  # the last tag is whole: the rest is text
            buf, self.carry = self.carry + chunk if self.carry else chunk, b""
        else:  # (one copy of the chunk: this runs over every byte of every sheet)
            buf = b"".join((self.carry, memoryview(chunk)[:cut]))
            self.carry = chunk[cut:]
        if not chunk:  # the end: a tag never closed makes the XML unreadable, not a cell
            if self.quick is not None and _declares_dtd(self.carry):
                raise _dtd_refused(self.file)
            self.carry = b""
        if len(self.carry) > MAX_TAG:
            raise self._refused("has a tag (or text) longer than 1 MB")
        if not self.quick:
            self._scan(buf)
            return
        if buf:
            self._pending.append(buf)
            self._pending_size += len(buf)
        if self._pending_size >= _BATCH or not chunk:
            self._settle()  # the batch before (first: an error leaves this one pending)
            bufs, self._pending, self._pending_size = self._pending, [], 0
            self._searching = bufs, self.quick.submit(_boxed, bufs)
        if not chunk:
            self._settle()

    def unsearched(self) -> list[bytes]:
        """The pieces not yet searched for a DTD (after _NeedExact)."""
        return [*self._pending, self.carry]

    def _settle(self) -> None:
        """The quick bound of the batch searched: a piece within the box widens the span to
        it, a piece without cells or rows adds nothing, any other is measured exactly."""
        if self._searching is None:
            return
        bufs, searching = self._searching
        self._searching = None
        found = searching.result()
        if found.declares:
            raise _dtd_refused(self.file)
        for buf, boxed, ended, hidden in zip(bufs, found.kinds, found.ends, found.hidden,
                                             strict=True):
            if self.in_cell:  # a cell left open: its end is looked for, tag by tag
                self._scan(buf, hidden)
            elif boxed:
                self.col_lo, self.col_hi = 1, max(self.col_hi, _BOX_COLUMNS)
                self.row_lo, self.row_hi = 1, max(self.row_hi, _BOX_ROWS)
                self.widened = True
                # (rows start within the box; then each end of a row counts one)
                self.row_index = max(self.row_index, _BOX_ROWS - 1) + ended
                self.col_index = max(self.col_index, _BOX_COLUMNS)
            elif boxed is None:  # no cell, no row: only ends of rows, perhaps
                self.row_index += ended
            else:
                self._scan(buf, hidden)
            self.first_piece = False
        self.check()

    def _scan(self, buf: bytes, hidden: bool = True) -> None:
        """The exact span of the cells in buf (`hidden`: it may have a comment, CDATA or
        instruction; False when a search found none)."""
        if not self._plain(buf, hidden):
            self._parse(buf, hidden)
        self.first_piece = False
        self.check()

    def _cell(self, letters: bytes, digits: bytes) -> None:
        col, row = _column_number(letters), int(digits)
        self.col_lo, self.col_hi = min(self.col_lo, col), max(self.col_hi, col)
        self.row_lo, self.row_hi = min(self.row_lo, row), max(self.row_hi, row)

    def _plain(self, buf: bytes, hidden: bool = True) -> bool:
        """The common case in one simpler scan: no namespace prefix, no comment, CDATA or
        instruction, and every cell and row tag written as Excel does (`_PLAIN_CELL`,
        `_PLAIN_ROW`: each with its reference). False: not this case."""
        if b":c" in buf or b":row" in buf or (hidden and self._hides(buf)):
            return False
        cells = _PLAIN_CELL.findall(buf)
        if len(cells) != buf.count(b"<c"):
            return False
        rows = _PLAIN_ROW.findall(buf)
        if len(rows) != buf.count(b"<row"):
            return False
        for letters, digits in {(c, r) for c, r, empty in cells if not empty}:
            self._cell(letters, digits)
        # where a cell without a reference would go after this piece: followed tag by tag
        # from the last row tag (which sets the row), the column before it bounded by the
        # widest cell of the piece
        last_row = buf.rfind(b'<row r="')
        if last_row >= 0:
            widest = max((_column_number(c) for c in {c for c, _, _ in cells}), default=0)
            self.col_index = max(self.col_index, widest)
            self.in_cell = False
        self._track(buf, max(last_row, 0), record=False)
        return True

    def _hides(self, buf: bytes) -> bool:
        """Whether the piece has a comment, CDATA or a processing instruction (but the XML
        declaration that opens a part): what they hold is not read, a scan would read it."""
        found = _HIDDEN.search(buf)
        if found is None:
            return False
        if self.first_piece and buf[found.start():found.start() + 5] == b"<?xml" \
                and found.start() < 8:  # (after a byte-order mark, perhaps)
            return _HIDDEN.search(buf, found.end()) is not None
        return True

    def _parse(self, buf: bytes, hidden: bool = True) -> None:
        """Every cell and row tag and every end of a row, in order, read as calamine reads
        them; what cannot be refuses."""
        if len(_TAG.findall(buf)) != len(_TAG_START.findall(buf)):
            raise self._refused("has a cell or row tag the reader cannot read safely")
        if hidden and self._hides(buf) and (_TAG_START.search(buf) or _ROW_END.search(buf)
                                            or _CELL_END.search(buf)):
            raise self._refused("has a comment, CDATA or instruction among its cells")
        self._track(buf, 0, record=True)

    def _track(self, buf: bytes, start: int, record: bool) -> None:
        """Cell and row tags, ends of rows and of cells from `start`, in order, as calamine
        follows them: an end of a row counts unless a cell is open (calamine reads a cell up
        to its end and skips the other ends in it). `record`: cells go into the span."""
        events: list[tuple[int, re.Match[bytes] | int]] = [
            (t.start(), t) for t in _TAG.finditer(buf, start)]
        events += [(m.start(), _ROW) for m in _ROW_END.finditer(buf, start)]
        events += [(m.start(), _CELL) for m in _CELL_END.finditer(buf, start)]
        events.sort(key=lambda event: event[0])
        inside = -1  # the end of the last tag (an end tag inside a value is text)
        for at, event in events:
            if isinstance(event, int):
                if at < inside:
                    continue
                if event == _CELL:
                    self.in_cell = False
                elif not self.in_cell:
                    self.row_index += 1
                    self.col_index = 0
                continue
            inside = event.end()
            self._tag(*event.groups(), record=record)

    def _tag(self, name: bytes, attrs: bytes, empty: bytes, record: bool = True) -> None:
        """One cell or row tag (an empty one `<…/>` opens and closes)."""
        refs = _R_ATTR.findall(attrs)
        if len(refs) > 1:
            raise self._refused("has a cell or row with two references")
        ref = (refs[0][0] or refs[0][1]) if refs else None
        if name == b"row":
            if ref is not None:
                if not _ROW_NUMBER.fullmatch(ref):
                    raise self._refused(f"has a row numbered {ref[:20]!r}")
                self.row_index = int(ref) - 1
            if empty:
                self.row_index += 1
                self.col_index = 0
            return
        self.in_cell = not empty
        if ref is None:  # where calamine puts it (held something or not: counted)
            row, col = self.row_index + 1, self.col_index + 1
            if record:
                self.col_lo, self.col_hi = min(self.col_lo, col), max(self.col_hi, col)
                self.row_lo, self.row_hi = min(self.row_lo, row), max(self.row_hi, row)
            self.col_index += 1
            return
        m = _CELL_NAME.fullmatch(ref)
        if m is None:
            raise self._refused(f"has a cell reference {ref[:20]!r}")
        if not empty and record:
            self._cell(m.group(1), m.group(2))
        self.col_index = _column_number(m.group(1))

    def _refused(self, what: str) -> UnusableFile:
        return UnusableFile(self.file, f"{self.where} {what}, which Excel never writes: it is "
                            "refused. Open it in Excel or LibreOffice, save it again as .xlsx, "
                            "and upload that file.")

    def span(self) -> tuple[int, int]:
        """(rows, columns) of the grid a reader builds for this part (so far)."""
        if not self.col_hi:
            return 0, 0
        return self.row_hi - self.row_lo + 1, self.col_hi - self.col_lo + 1

    def check(self) -> None:
        rows, cols = self.span()
        if self.widened and (cols > MAX_COLUMNS or rows * cols > MAX_SHEET_CELLS):
            raise _NeedExact
        if cols > MAX_COLUMNS:
            raise UnusableFile(self.file, too_wide(self.where, f"at least {cols:,}"))
        if rows * cols > MAX_SHEET_CELLS:
            raise UnusableFile(self.file, too_many_cells(
                self.where, f"at least {rows:,} rows × {cols:,} columns ({rows * cols:,} cells)"))


def too_many_sheets(file: str, sheets: int) -> str:
    return (f"{file} has {sheets:,} sheets; at most {MAX_SHEETS:,} can be read: split the "
            "workbook.")


def too_wide(where: str, columns: str) -> str:
    """The message for a sheet (`where`: file and sheet) of too many columns."""
    return (f"{where} has {columns} columns; at most {MAX_COLUMNS:,} can be read. Delete the "
            "columns (or stray cells) to the right of the data, or export the sheet as CSV.")


def too_many_cells(where: str, span: str) -> str:
    """The message for a sheet whose grid (`span`) is over the cells that can be read."""
    return (f"{where} spans {span}; at most {MAX_SHEET_CELLS:,} cells can be read from one "
            "sheet. Delete stray cells far below or to the right of the data, or export the "
            "sheet as CSV.")


# -- where the sheets are -----------------------------------------------------------------------
_ATTR_VALUE = rb"\s*=\s*(?:\"([^\"]*)\"|'([^']*)')"


def sheet_paths(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet part path -> sheet name, from the workbook and its relationships (regex only, on
    at most their first 4 MiB: no XML parser ever sees a part before it is checked). Only for
    naming the sheet in a message: every XML part is measured, whatever reads it as a sheet."""
    try:
        with z.open("xl/workbook.xml") as fh:
            book = fh.read(4 << 20)
        with z.open("xl/_rels/workbook.xml.rels") as fh:
            rels = fh.read(4 << 20)
    except (KeyError, ValueError, *_DAMAGED):
        return {}
    return {path: name for name, path in sheet_targets(book, rels).items()}


def _attr(attrs: bytes, name: bytes) -> bytes | None:
    m = re.search(rb"(?:^|\s)" + name + _ATTR_VALUE, attrs)
    return None if m is None else (m.group(1) if m.group(1) is not None else m.group(2))


def sheet_targets(book: bytes, rels: bytes) -> dict[str, str]:
    """Sheet name -> its part's path, from xl/workbook.xml and its relationships (regex)."""
    targets: dict[bytes, bytes] = {}
    for m in re.finditer(rb"<(?:\w+:)?Relationship\b([^>]*)>", rels):
        rid, target = _attr(m.group(1), rb"Id"), _attr(m.group(1), rb"Target")
        if rid is not None and target is not None:
            targets[rid] = target
    out: dict[str, str] = {}
    for m in re.finditer(rb"<(?:\w+:)?sheet\b([^>]*)/?>", book):
        attrs = m.group(1)
        name = _attr(attrs, rb"name")
        rid = _attr(attrs, rb"[\w.-]+:id")
        target = targets.get(rid) if rid is not None else None
        if name is None or target is None:
            continue
        path = target.decode("utf-8", "replace").lstrip("/")
        path = path if path.startswith("xl/") else f"xl/{path}"
        out[unescape(name.decode("utf-8", "replace"))] = path
    return out


def unescape(text: str) -> str:
    import html

    return html.unescape(text)
