"""Legacy .xls (kpi_engine/ingest/read_xls.py): the same text as calamine gave, and far cells
refused before anything dense is built (a 5 KB .xls with one cell at row 60,000, column 3,000
made calamine ask for gigabytes and abort the process)."""

from __future__ import annotations

import datetime as dt
import io
import struct

import fastexcel
import pytest
import xlwt

from kpi_engine.ingest.dataset import load
from kpi_engine.ingest.errors import UnusableFile
from kpi_engine.ingest.read import read_any
from kpi_engine.ingest.read_xls import number_text, read_xls


def _xls(write) -> bytes:
    book = xlwt.Workbook()
    write(book.add_sheet("S"))
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _types(ws) -> None:
    numbers = [1.0, 1.5, 1e-7, 1e16, 123456789012.0, -0.5, 100.0, 0.0, 2.5e20]
    for i, v in enumerate(numbers):
        ws.write(i, 0, v)
    day, moment = xlwt.easyxf(num_format_str="yyyy-mm-dd"), \
        xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm:ss")
    clock = xlwt.easyxf(num_format_str="hh:mm")
    ws.write(0, 1, dt.date(2024, 1, 31), day)
    ws.write(1, 1, dt.datetime(2024, 1, 31, 13, 45, 30), moment)
    ws.write(2, 1, dt.time(12, 30), clock)
    ws.write(3, 1, 45000.25, day)
    ws.write(4, 1, 1.5, clock)
    ws.write(5, 1, 60.0, day)  # Excel's 29 February 1900
    ws.write(6, 1, 45000.999999, moment)
    ws.write(0, 2, True)
    ws.write(1, 2, False)
    ws.row(2).set_cell_error(2, "#DIV/0!")
    ws.write(3, 2, "zażółć")
    ws.write(4, 2, "  padded ")
    ws.write(5, 2, "line\nbreak")


def test_cells_read_as_calamine_read_them():
    data = _xls(_types)
    ours = read_xls("t.xls", data)[0].frame
    theirs = fastexcel.read_excel(data).load_sheet(0, header_row=None, dtypes="string").to_polars()
    assert ours.shape == theirs.shape == (9, 3)
    for col in range(3):
        for mine, calamine in zip(ours.to_series(col), theirs.to_series(col), strict=True):
            if col == 0:  # calamine rounds like Excel's General format; here: the exact value
                assert float(mine) == pytest.approx(float(calamine), rel=1e-9)
            else:
                assert mine == calamine
    assert ours.to_series(0).to_list()[:5] == ["1", "1.5", "0.0000001", "10000000000000000",
                                                "123456789012"]


def test_number_text():
    assert [number_text(x) for x in (12.0, 0.1, 0.1 + 0.2, -3.25, 1e-7, 5e-324)] == [
        "12", "0.1", "0.30000000000000004", "-3.25", "0.0000001", "0." + "0" * 323 + "5"]


def _far(row: int, col: int) -> bytes:
    """A small workbook, then its one number cell moved to (row, col) in the BIFF bytes."""
    data = bytearray(_xls(lambda ws: (ws.write(0, 0, "Order ID"), ws.write(0, 1, "Total"),
                                      ws.write(3, 1, 12345.5))))
    record = struct.pack("<HHHH", 0x027E, 10, 3, 1)  # RK: type, length, row 3, column 1
    at = data.find(record)
    assert at >= 0
    struct.pack_into("<HH", data, at + 4, row, col)
    return bytes(data)


def test_a_near_cell_moved_is_read():
    frame = read_xls("ok.xls", _far(300, 250))[0].frame
    assert frame.shape == (301, 251)


@pytest.mark.parametrize("row,col,what", [(3, 2000, "1,000 columns"), (60000, 3000, "columns"),
                                          (65535, 255, "cells")])
def test_far_cells_are_refused_before_anything_is_built(row, col, what):
    with pytest.raises(UnusableFile, match=what):
        read_any("far.xls", _far(row, col))


def test_many_rows_reaching_far_are_refused():
    """xlrd keeps each row as long as its last cell: 30,000 rows reaching column IV (256)
    would be 7.7 million cells."""
    def write(ws) -> None:
        for r in range(30_000):
            ws.write(r, 255 if r % 2 else 0, r)

    with pytest.raises(UnusableFile, match="cells"):
        read_any("wide.xls", _xls(write))


def test_a_far_cell_upload_keeps_the_other_files():
    good = b"Order ID;Order Date;Total\nA1;2024-01-05;10,50\n"
    ds = load([("far.xls", _far(60000, 3000)), ("orders.csv", good)])
    assert [p.file for p in ds.problems] == ["far.xls"]
    assert ds.tables["orders"].height == 1


def test_damaged_and_protected_workbooks_get_a_message():
    with pytest.raises(UnusableFile, match="could not be opened"):
        read_any("bad.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(UnusableFile, match="could not be opened"):
        read_any("bad.xls", b"\x09\x08\x10\x00" + b"\xff" * 200)


# -- bare BIFF8 streams written by hand (a second review's findings) ----------------------------
def _rec(kind: int, body: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def _bof(sheet_type: int) -> bytes:
    return _rec(0x0809, struct.pack("<HHHHII", 0x0600, sheet_type, 0x0DBB, 0x07CC, 0, 0x0206))


def _number(row: int, col: int) -> bytes:
    return _rec(0x0203, struct.pack("<HHHd", row, col, 0, 1.0))


def _dimensions() -> bytes:  # resets xlrd's row count: the next far cell grows it again
    return _rec(0x0200, struct.pack("<IIHHH", 0, 1, 0, 1, 0))


def _boundsheet(offset: int, name: bytes) -> bytes:
    return _rec(0x0085, struct.pack("<iBB", offset, 0, 0) + bytes([len(name), 0]) + name)


def _stream(bodies: list[bytes], offsets: list[int] | None = None) -> bytes:
    head = _bof(0x0005)
    size = len(head) + sum(len(_boundsheet(0, b"S%d" % i)) for i in range(len(bodies))) + 4
    sheets, at = [], size
    where = []
    for body in bodies:
        sheet = _bof(0x0010) + body + _rec(0x000A)
        where.append(at)
        sheets.append(sheet)
        at += len(sheet)
    where = offsets if offsets is not None else where
    book = head + b"".join(_boundsheet(o, b"S%d" % i) for i, o in enumerate(where)) + _rec(0x000A)
    return book + b"".join(sheets)


def _from_the_end(body: bytes) -> bytes:
    """A sheet found by an offset counted back from the end of the stream (xlrd reads the
    offset as signed)."""
    tail = _bof(0x0010) + body + _rec(0x000A) + b"\0" * 8
    return _bof(0x0005) + _boundsheet(-len(tail), b"S") + _rec(0x000A) + tail


def test_a_hand_written_stream_is_read():
    sheets = read_xls("hand.xls", _stream([_number(0, 0) + _number(2, 3)]))
    assert sheets[0].frame.shape == (3, 4)


@pytest.mark.parametrize("case", ["dimensions reset", "same offset twice", "negative offset"])
def test_what_xlrd_would_grow_is_stopped_inside_it(case):
    """A DIMENSIONS record resets xlrd's row count, so each far cell after one grows the sheet
    by 65,536 rows (6.5 KB reached 2 GB); sheets at one offset, or counted from the end of
    the stream, are read again and again. The limits are kept inside xlrd."""
    far = _number(0, 0) + (_number(65_535, 0) + _dimensions()) * 200
    data = {"dimensions reset": _stream([far]),
            "same offset twice": _stream([_number(0, 0)] * 3, offsets=[40, 40, 40]),
            "negative offset": _from_the_end(_number(0, 0) + _number(65_535, 255))}[case]
    with pytest.raises(UnusableFile, match="cells|columns|could not be opened"):
        read_any("evil.xls", data)
