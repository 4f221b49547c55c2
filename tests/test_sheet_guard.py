"""The sheet-span guard (kpi_engine/ingest/sheet_guard.py) reads cells as calamine does.

Each crafted sheet is small enough for calamine to read here: the guard's span must never be
smaller than the grid calamine builds, whatever the spelling of the references; and the same
spellings far away must refuse the workbook before calamine sees it."""

from __future__ import annotations

import io
import zipfile

import pytest

from kpi_engine.ingest import sheet_guard
from kpi_engine.ingest.errors import UnusableFile
from kpi_engine.ingest.sheet_guard import _Extent, check_zip

NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def book(sheet_data: bytes, target: bytes = b'Target="worksheets/sheet1.xml"',
         path: str = "xl/worksheets/sheet1.xml") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", b'<?xml version="1.0"?><Types xmlns="http://schemas'
                   b'.openxmlformats.org/package/2006/content-types"><Default Extension="rels" '
                   b'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   b'<Default Extension="xml" ContentType="application/xml"/><Override PartName='
                   b'"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocume'
                   b'nt.spreadsheetml.sheet.main+xml"/><Override PartName="/' + path.encode()
                   + b'" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetm'
                   b'l.worksheet+xml"/></Types>')
        z.writestr("_rels/.rels", b'<?xml version="1.0"?><Relationships xmlns="http://schemas'
                   b'.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
                   b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                   b'officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", b'<?xml version="1.0"?><workbook ' + NS + b' xmlns:r="'
                   b'http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                   b'<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", b'<?xml version="1.0"?><Relationships xmlns='
                   b'"http://schemas.openxmlformats.org/package/2006/relationships">'
                   b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/office'
                   b'Document/2006/relationships/worksheet" ' + target + b"/></Relationships>")
        z.writestr(path, b'<?xml version="1.0"?><worksheet ' + NS + b"><sheetData>" + sheet_data
                   + b"</sheetData></worksheet>")
    return buf.getvalue()


FIRST = b'<row r="1"><c r="A1"><v>1</v></c></row>'
# spellings of the cell at Z30 (or of row 30) that calamine honours
SPELLINGS = {
    "excel": b'<row r="30"><c r="Z30"><v>2</v></c></row>',
    "lower case": b'<row r="30"><c r="z30"><v>2</v></c></row>',
    "single quotes": b"<row r='30'><c r='Z30'><v>2</v></c></row>",
    "spaces around =": b'<row r="30"><c r = "Z30"><v>2</v></c></row>',
    "tab before r": b'<row r="30"><c\tr="Z30"><v>2</v></c></row>',
    "leading zeros": b'<row r="30"><c r="Z0030"><v>2</v></c></row>',
    "> in a value": b'<row r="30"><c s="a>b" r="Z30"><v>2</v></c></row>',
    "style first": b'<row r="30"><c s="1" t="n" r="Z30"><v>2</v></c></row>',
    "prefixed": b'<x:row xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                b'r="30"><x:c r="Z30"><x:v>2</x:v></x:c></x:row>',
    "row then no reference": b'<row r="30"><c><v>2</v></c><c><v>3</v></c></row>',
    "row in single quotes": b"<row r = '30'><c><v>2</v></c></row>",
    "prefixed r is no reference": b'<row r="30"><c x:r="Z30" xmlns:x="urn:x"><v>2</v></c></row>',
}


def _span(sheet_data: bytes, piece: int) -> tuple[int, int]:
    extent = _Extent("x.xlsx", "S")
    xml = b"<worksheet><sheetData>" + sheet_data + b"</sheetData></worksheet>"
    for i in range(0, len(xml), piece):
        extent.feed(xml[i:i + piece])
    extent.feed(b"")
    return extent.span()


@pytest.mark.parametrize("name", list(SPELLINGS))
def test_the_span_is_never_smaller_than_calamines_grid(name):
    import fastexcel

    data = FIRST + SPELLINGS[name]
    frame = fastexcel.read_excel(book(data)).load_sheet(
        0, header_row=None, dtypes="string").to_polars()
    for piece in (7, 64, 1 << 20):  # pieces cut anywhere
        rows, cols = _span(data, piece)
        assert rows >= frame.height and cols >= frame.width, (name, piece, frame.shape)


FAR = {  # the same spellings far away: 26 columns × 300,000 rows = 7.8 M cells
    "lower case": b'<row r="300000"><c r="z300000"><v>2</v></c></row>',
    "single quotes": b"<row r='300000'><c r='Z300000'><v>2</v></c></row>",
    "spaces around =": b'<row r="300000"><c r = "Z300000"><v>2</v></c></row>',
    "tab before r": b'<row r="300000"><c\tr="Z300000"><v>2</v></c></row>',
    "> in a value": b'<row r="300000"><c s="a>b" r="Z300000"><v>2</v></c></row>',
    "eight-digit row": b'<row r="10000000"><c r="A10000000"><v>2</v></c></row>',
    "four letters": b'<row r="2"><c r="AAAA2"><v>2</v></c></row>',
    "row tag far, cells without reference": b'<row r="1000000000">' + b" " * 5000
    + b"<c><v>1</v></c><c><v>2</v></c></row>",
    "a tag cut by 5,000 spaces": b'<row r="1"><c' + b" " * 5000
    + b'r="XFD1048576"><v>1</v></c></row>',
}


@pytest.mark.parametrize("name", list(FAR))
def test_far_cells_in_any_spelling_are_refused(name, monkeypatch):
    monkeypatch.setattr(sheet_guard, "_CHUNK", 4096)  # tags and rows cut between chunks
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (r, r) for r in range(1, 400))
    with pytest.raises(UnusableFile, match="columns|cells"):
        check_zip("far.xlsx", book(rows + FAR[name]))


@pytest.mark.parametrize("tag", [
    b'<c r="A1" r="Z300000"><v>1</v></c>',  # calamine takes the last r
    b'<c r="$Z$3"><v>1</v></c>',
    b'<c r="Z3 "><v>1</v></c>',
    b'<c foo r="Z3"><v>1</v></c>',  # an attribute without a value
])
def test_what_excel_never_writes_is_refused(tag):
    with pytest.raises(UnusableFile, match="Excel never writes"):
        check_zip("odd.xlsx", book(FIRST + b'<row r="3">' + tag + b"</row>"))


def test_a_sheet_at_an_unexpected_path_is_measured_too():
    far = b'<row r="300000"><c r="Z300000"><v>2</v></c></row>'
    with pytest.raises(UnusableFile, match="cells"):
        check_zip("evil.xlsx", book(FIRST + far, target=b"Target='/xl/evil.xml'",
                                    path="xl/evil.xml"))
    check_zip("fine.xlsx", book(FIRST, target=b"Target='/xl/evil.xml'", path="xl/evil.xml"))


def test_excel_style_sheets_pass():
    wide = b"".join(b'<row r="%d" spans="1:30">' % r + b"".join(
        b'<c r="%s%d" s="1" t="s"><v>%d</v></c>' % (c, r, r) for c in (b"A", b"AB", b"AD"))
        + b"</row>" for r in range(1, 3000))
    formatted = b'<row r="1048576"><c r="XFD1048576" s="3"/></row>'  # formatting, no value
    check_zip("ok.xlsx", book(wide + formatted))
    check_zip("ok.xlsx", book(wide + b"<row><c><v>1</v></c></row>"))  # no references at all


@pytest.mark.parametrize("where", ["in the batch after the bound stops fitting",
                                   "in the last batch", "at the very end, left open"])
def test_a_dtd_is_found_in_every_batch_while_batches_are_searched_ahead(where, monkeypatch):
    """A batch is searched in a thread while the next one inflates: when the bound of one
    batch stops fitting (the part is then measured exactly), the batch already waiting must
    still be searched for a DTD, and so must the end of the part."""
    monkeypatch.setattr(sheet_guard, "_CHUNK", 4096)
    monkeypatch.setattr(sheet_guard, "_BATCH", 16384)
    boxed = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c><c r="Z%d"><v>2</v></c></row>'
                     % (r, r, r) for r in range(1, 600))  # ~ 40 KB: batches 1 and 2
    wide = b'<row r="600"><c r="BA600"><v>3</v></c></row>'  # the box × 53 columns: exact
    dtd = b'<!DOCTYPE x [<!ENTITY a "b">]>'
    filler = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (r, r)
                      for r in range(601, 1400))
    # the first batch is chunks 1-5 (20,480 bytes); `wide` near its end stops the bound
    # fitting when it is searched, while the DTD waits in chunk 6, of the batch after
    start = len(b'<?xml version="1.0"?><worksheet ' + NS + b"><sheetData>")
    rows = iter(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (r, r) for r in range(1, 2000))
    before = after = b""
    while start + len(before) < 20_200:
        before += next(rows)
    while start + len(before + wide + after) < 20_600:
        after += next(rows)
    assert start + len(before) < 20_300 < 20_480 < start + len(before + wide + after) < 20_900
    sheet = {"in the batch after the bound stops fitting": before + wide + after + dtd + filler,
             "in the last batch": boxed + filler + dtd,
             "at the very end, left open": boxed + filler + b'</sheetData><!ENTITY a "b"'}
    xml = sheet[where]
    if where == "at the very end, left open":  # not the book() ending: the part ends open
        data = book(b"")
        buf = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w") as z:
            for m in src.infolist():
                z.writestr(m, src.read(m) if m.filename != "xl/worksheets/sheet1.xml"
                           else b"<worksheet><sheetData>" + xml)
        data = buf.getvalue()
    else:
        data = book(xml)
    with pytest.raises(UnusableFile, match="DTD"):
        check_zip("dtd.xlsx", data)
    check_zip("fine.xlsx", book(sheet["in the last batch"].replace(dtd, b"")))
