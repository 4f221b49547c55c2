"""Archive tricks against the workbook guard (found by a review): Python's zip reader (the
guard's) and calamine's need not see the same members in a crafted archive. `check_zip` now
hands calamine an archive it writes itself, of the XML parts it checked: whatever the trick,
calamine reads only checked parts, or the workbook is refused with a message.

Each evil workbook holds a cell at column 2,000 (BXX): small enough for calamine to read
here, over the 1,000-column limit."""

from __future__ import annotations

import io
import struct
import zipfile

import fastexcel
import pytest

from kpi_engine.ingest.errors import UnusableFile
from kpi_engine.ingest.sheet_guard import MAX_COLUMNS, check_zip
from tests.test_sheet_guard import NS, book
from tests.test_zip_members import _patch

EVIL = b'<row r="1"><c r="A1"><v>1</v></c></row><row r="5"><c r="BXX5"><v>2</v></c></row>'
GOOD = b'<row r="1"><c r="A1"><v>1</v></c></row>'
SHEET = (b'<?xml version="1.0"?><worksheet ' + NS + b"><sheetData>" + EVIL
         + b"</sheetData></worksheet>")


def calamine_widths(data: bytes) -> list[int]:
    book_ = fastexcel.read_excel(data)
    widths = []
    for i in range(len(book_.sheet_names)):
        try:
            widths.append(book_.load_sheet(i, header_row=None, dtypes="string").to_polars().width)
        except Exception:  # noqa: BLE001 - a sheet calamine cannot find reads as nothing
            widths.append(0)
    return widths


def refused_or_safe(data: bytes) -> str:
    """'refused', or 'read' when calamine, given what check_zip returns, stays in the limits."""
    try:
        out = check_zip("x.xlsx", data)
    except UnusableFile as exc:
        assert exc.message.startswith("x.xlsx"), exc.message
        return "refused"
    try:
        widths = calamine_widths(out)
    except Exception:  # noqa: BLE001 - not even a workbook to calamine: nothing is read
        return "read"
    assert all(w <= MAX_COLUMNS for w in widths), widths
    return "read"


def test_the_evil_sheet_is_refused_and_the_good_one_read():
    assert calamine_widths(book(EVIL)) == [2000]  # what the guard is there for
    assert refused_or_safe(book(EVIL)) == "refused"
    out = check_zip("x.xlsx", book(GOOD))
    assert calamine_widths(out) == [1]


def _with_blob(first: bool) -> bytearray:
    """The good workbook with the evil one inside it, stored as a member."""
    good = zipfile.ZipFile(io.BytesIO(book(GOOD)))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        if first:
            z.writestr(zipfile.ZipInfo("docProps/blob.bin"), book(EVIL), zipfile.ZIP_STORED)
        for m in good.infolist():
            z.writestr(m.filename, good.read(m.filename))
        if not first:
            z.writestr(zipfile.ZipInfo("docProps/blob.bin"), book(EVIL), zipfile.ZIP_STORED)
    return bytearray(buf.getvalue())


@pytest.mark.parametrize("first", [True, False])
@pytest.mark.parametrize("field,fmt,value", [
    (None, None, None), (4, "<H", 1), (6, "<H", 1), (8, "<H", 1), (10, "<H", 1),
    (8, "<HH", (0xFFFF, 0xFFFF)), (20, "<H", 100)])
def test_an_archive_inside_an_archive_with_a_bent_end_record(first, field, fmt, value):
    """calamine's zip reader rejects a bent end record of the outer archive and finds the
    inner one (the evil workbook); the guard read the outer one."""
    data = _with_blob(first)
    if field is not None:
        end = data.rfind(b"PK\x05\x06")
        struct.pack_into(fmt, data, end + field, *(value if isinstance(value, tuple) else (value,)))
    assert refused_or_safe(bytes(data)) in ("refused", "read")


@pytest.mark.parametrize("order", ["evil+good", "good+evil", "junk+evil"])
def test_archives_one_after_the_other(order):
    evil, good = book(EVIL), book(GOOD)
    data = {"evil+good": evil + good, "good+evil": good + evil, "junk+evil": b"x" * 1000 + evil}
    assert refused_or_safe(data[order]) in ("refused", "read")
    if order == "junk+evil":  # the evil archive is what both readers find: refused
        assert refused_or_safe(data[order]) == "refused"


def _stored_sheet_with_sizes(file_size: int, crc: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(book(b""))) as src, zipfile.ZipFile(buf, "w") as z:
        for m in src.infolist():
            body = SHEET if m.filename == "xl/worksheets/sheet1.xml" else src.read(m)
            z.writestr(m.filename, body, zipfile.ZIP_STORED)
    name = b"xl/worksheets/sheet1.xml"
    return _patch(_patch(buf.getvalue(), name, 22, file_size), name, 14, crc)


def test_a_stored_sheet_that_says_it_is_empty_is_refused():
    """Declared size 0 and CRC 0: zipfile reads nothing, calamine reads the compressed size's
    bytes and stops at `</sheetData>` before any CRC check."""
    data = _stored_sheet_with_sizes(0, 0)
    assert calamine_widths(data) == [2000]
    assert refused_or_safe(data) == "refused"


def _sheet_elsewhere(target: bytes, member: str, rels_pad: bytes = b"") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(book(b""))) as src, \
            zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for m in src.infolist():
            body = src.read(m)
            if m.filename == "xl/worksheets/sheet1.xml":
                continue
            if m.filename == "xl/_rels/workbook.xml.rels":
                body = body.replace(b'Target="worksheets/sheet1.xml"', b'Target="' + target + b'"')
                body = body.replace(b"<Relationship ", rels_pad + b"<Relationship ", 1)
            z.writestr(m.filename, body)
        z.writestr(member, SHEET)
    return buf.getvalue()


@pytest.mark.parametrize("target,member", [
    (b"/data.bin", "data.bin"), (b"../data.bin", "data.bin"), (b"data.bin", "xl/data.bin"),
    (b"./data.bin", "xl/data.bin"), (b"d&#97;ta.bin", "xl/data.bin"),
    (b"foo/../data.bin", "xl/data.bin"), (b"/data", "data"), (b"/data.xml", "data.xml")])
def test_a_sheet_wherever_the_workbook_points(target, member):
    """Paths the guard and calamine resolve differently, in a part whose name is not .xml: a
    part that is not measured as XML is not in the archive calamine gets."""
    assert refused_or_safe(_sheet_elsewhere(target, member)) in ("refused", "read")


def test_a_sheet_named_by_relationships_past_the_first_4_mib():
    data = _sheet_elsewhere(b"data.bin", "xl/data.bin", rels_pad=b"<x/>" * (1 << 20))
    assert refused_or_safe(data) in ("refused", "read")


def test_an_xlsb_is_refused_with_what_to_do():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", b"<Types/>")
        z.writestr("xl/workbook.bin", b"\x83\x01\x00")
        z.writestr("xl/worksheets/sheet1.bin", b"\x81\x01\x00")
    with pytest.raises(UnusableFile, match=r"\.xlsb.*save it as \.xlsx"):
        check_zip("binary.xlsb", buf.getvalue())


def test_two_members_of_one_name_are_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(book(GOOD))) as src, zipfile.ZipFile(buf, "w") as z:
        for m in src.infolist():
            z.writestr(m.filename, src.read(m))
        with pytest.warns(UserWarning):  # zipfile warns of the duplicate
            z.writestr("xl/worksheets/sheet1.xml", SHEET)
    with pytest.raises(UnusableFile, match="could not be opened"):
        check_zip("twice.xlsx", buf.getvalue())


@pytest.mark.parametrize("doctype", [b"<!doctype worksheet>", b"<!DocType worksheet>",
                                     b'<!entity a "b">'])
def test_a_dtd_in_any_case_is_refused(doctype):
    data = book(GOOD).replace(b"", b"")
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w") as z:
        for m in src.infolist():
            body = src.read(m)
            if m.filename == "xl/worksheets/sheet1.xml":
                body = body.replace(b"<worksheet", doctype + b"<worksheet", 1)
            z.writestr(m.filename, body)
    with pytest.raises(UnusableFile, match="DTD"):
        check_zip("dtd.xlsx", buf.getvalue())


@pytest.mark.parametrize("shift", [1, 100, 5000])
def test_a_directory_offset_past_its_place_is_a_message_not_a_crash(shift):
    data = bytearray(book(GOOD))
    end = data.rfind(b"PK\x05\x06")
    offset, = struct.unpack_from("<I", data, end + 16)
    struct.pack_into("<I", data, end + 16, offset + shift)
    assert refused_or_safe(bytes(data)) in ("refused", "read")


def test_the_rebuilt_workbook_reads_like_the_original():
    """Every sample workbook: the same sheets, the same cells."""
    from pathlib import Path

    for path in sorted(Path("sample_files").glob("*.xlsx")):
        data = path.read_bytes()
        original, rebuilt = fastexcel.read_excel(data), fastexcel.read_excel(check_zip("s", data))
        assert original.sheet_names == rebuilt.sheet_names, path
        for name in original.sheet_names:
            a = original.load_sheet(name, header_row=None, dtypes="string").to_polars()
            b = rebuilt.load_sheet(name, header_row=None, dtypes="string").to_polars()
            assert a.equals(b), (path, name)
