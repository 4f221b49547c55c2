"""Where calamine puts a cell without a reference, followed by the guard across pieces.

calamine counts a row at every `</row>` (whatever tag it closes: it does not check end-tag
names), resets the column there, and puts a cell without `r` after the cell before. Generated
sheets of such tags, read by calamine and measured by the guard in pieces cut anywhere: the
guard's span is never smaller than calamine's grid. Two sheets found by a review that got past
the guard before, each small here and refused at full size."""

from __future__ import annotations

import fastexcel
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi_engine.ingest import sheet_guard
from kpi_engine.ingest.errors import UnusableFile
from kpi_engine.ingest.sheet_guard import check_zip
from tests.test_sheet_guard import _span, book

TAGS = ['<row r="3">', '<row r="1">', "<row>", "</row>", '<row r="6"/>', "<row/>", "<x>", "</x>",
        "<c><v>1</v></c>", '<c r="B2"><v>1</v></c>', '<c r="E1"><v>1</v></c>', "<c/>",
        '<c r="D4"/>', "<c></c>", '<c t="s"><v>0</v></c>', "<y:row>", "</y:row>",
        # a second review's: ends that are no row's end, prefixes of any kind, ends in a cell
        '</row x="">', "</row\t>", "<:c><v>1</v></:c>", "<:row>", "</:row>", "<c></row></c>",
        "<é:c><v>1</v></é:c>", "<x><c></row></c>"]


def calamine_shape(sheet_data: bytes) -> tuple[int, int] | None:
    try:
        frame = fastexcel.read_excel(book(sheet_data)).load_sheet(
            0, header_row=None, dtypes="string").to_polars()
    except Exception:  # noqa: BLE001 - not readable: nothing to compare
        return None
    return frame.shape


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TAGS), min_size=1, max_size=40), st.sampled_from([3, 17, 1 << 20]))
def test_the_guard_is_never_smaller_than_calamines_grid(tags, piece):
    sheet = "".join(tags).replace("<y:row>", '<y:row xmlns:y="urn:y">').encode()
    shape = calamine_shape(sheet)
    if shape is None or shape == (0, 0):
        return
    rows, cols = _span(sheet, piece)
    assert rows >= shape[0] and cols >= shape[1], (shape, (rows, cols))


def _ends_closing_other_tags(repeats: int, opened: int) -> bytes:
    """`<row>` + `<x>`×opened + `</row>`×(opened + 1), repeated: each `</row>` a row."""
    block = b"<row>" + b"<x>" * opened + b"</row>" * (opened + 1)
    return (b'<row r="1"><c r="A1"><v>1</v></c><c r="AD1"><v>1</v></c></row>'
            + block * repeats + b"<row><c><v>2</v></c></row>")


def _row_across_pieces(units: int, width: int, filler: int) -> bytes:
    """One row of cells without references, cut by long text between them."""
    unit = b"<c><v>1</v></c>" * width + b"<x>" + b"y" * filler + b"</x>"
    return b'<row r="3">' + unit * units + b"</row>"


def test_the_small_versions_are_measured_as_calamine_reads_them():
    for sheet in (_ends_closing_other_tags(30, 20), _row_across_pieces(3, 300, 5000)):
        shape = calamine_shape(sheet)
        assert shape is not None
        for piece in (7, 4096, 1 << 20):
            rows, cols = _span(sheet, piece)
            assert rows >= shape[0] and cols >= shape[1], (shape, rows, cols, piece)


@pytest.mark.parametrize("sheet", [
    _ends_closing_other_tags(4_990, 380),  # 1.9 M rows × 30 columns in calamine
    _row_across_pieces(55, 999, 2 << 20),  # 54,945 columns on one row
], ids=["ends of rows closing other tags", "a row across pieces"])
def test_what_got_past_the_guard_is_refused(sheet, monkeypatch):
    monkeypatch.setattr(sheet_guard, "_CHUNK", 1 << 16)
    with pytest.raises(UnusableFile, match="columns|cells"):
        check_zip("x.xlsx", book(sheet))


@pytest.mark.parametrize("hiding", [
    b"<!-- <row r='1'> -->", b"<t><![CDATA[</row>]]></t>", b"<?x </row> ?>"])
def test_tags_hidden_in_comments_among_cells_are_refused(hiding):
    """calamine skips what a comment, CDATA or instruction holds; a scan would not: among
    cells that take their place from the ones before, the workbook is refused."""
    sheet = (b'<row r="900"><c><v>1</v></c>' + hiding + b"<c><v>2</v></c></row>")
    with pytest.raises(UnusableFile, match="comment, CDATA or instruction"):
        check_zip("x.xlsx", book(sheet))


def test_comments_elsewhere_and_the_xml_declaration_are_fine():
    check_zip("x.xlsx", book(b'<row r="1"><c r="A1"><v>1</v></c></row>'))  # <?xml …?> first
    vml = b'<xml><!-- a note\'s shape --><v:shape id="1"><x:Row>3</x:Row></v:shape></xml>'
    data = book(b'<row r="1"><c r="A1"><v>1</v></c></row>')
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w") as z:
        for m in src.infolist():
            z.writestr(m.filename, src.read(m))
        z.writestr("xl/drawings/vmlDrawing1.vml", vml)
    check_zip("notes.xlsx", buf.getvalue())


@pytest.mark.parametrize("sheet", [
    b'<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><:c r="XFD1048576"><v>1</v>'
    b"</:c></row>",
    '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><é:c r="XFD1048576"><v>1</v>'
    "</é:c></row>".encode(),
    b'<row r="1"><c r="A1"><v>1</v></c><c r="ALL1"><v>1</v></c></row><:row r="1048576">'
    b"<c><v>1</v></c></:row>",
    b'<row r="1"><c><v>1</v></c></row x="">' + b'<row><c><v>1</v></c></row x="">' * 3000
    + b'<row r="200000"><c r="A200000"><v>2</v></c></row>',
    b'<row r="1">' + b"<x><c></row></c>" * 2000 + b"<c><v>1</v></c></row>"
    + b'<row r="100000"><c r="A100000"><v>2</v></c></row>',
], ids=["empty prefix", "non-ASCII prefix", "prefixed row", "an end with an attribute",
        "ends inside cells"])
def test_what_a_second_review_got_past_the_guard_is_refused(sheet):
    with pytest.raises(UnusableFile, match="columns|cells"):
        check_zip("x.xlsx", book(sheet))
