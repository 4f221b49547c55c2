"""Reading bytes into raw sheets: encodings, delimiters, header rows, records, workbooks."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from kpi_engine.ingest.errors import UnusableFile
from kpi_engine.ingest.read import read_any
from kpi_engine.ingest.sniff import decode, sniff_delimiter


def one(name: str, data: bytes):
    sheets = read_any(name, data)
    assert len(sheets) == 1
    return sheets[0]


def rows(sheet) -> list[tuple[str, ...]]:
    return sheet.cells.rows()


POLISH = "Data;Klient;Wartość netto\n01.02.2024;Łódź Sp. z o.o.;1 234,56 zł\n"


@pytest.mark.parametrize(
    ("codec", "prefix", "reported"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"),
        ("utf-16-le", b"\xff\xfe", "utf-16"),
        ("utf-16-be", b"\xfe\xff", "utf-16"),
        ("cp1250", b"", "cp1250"),
    ],
)
def test_encodings_are_detected(codec, prefix, reported):
    sheet = one("z.csv", prefix + POLISH.encode(codec))
    assert sheet.encoding == reported
    assert sheet.header == ["Data", "Klient", "Wartość netto"]
    assert rows(sheet) == [("01.02.2024", "Łódź Sp. z o.o.", "1 234,56 zł")]


def test_cp1251_russian_is_detected():
    text = "Дата;Клиент;Сумма\n01.02.2024;Иванов Пётр;1 234,56\n02.02.2024;Смирнова;99,00\n"
    sheet = one("r.csv", text.encode("cp1251"))
    assert sheet.encoding == "cp1251"
    assert sheet.header == ["Дата", "Клиент", "Сумма"]
    assert rows(sheet)[0][1] == "Иванов Пётр"


def test_latin1_spanish_is_not_mistaken_for_cp1250():
    text = "Etapa,Monto\nNegociación,100\nDiseño Propuesta,200\n"
    sheet = one("s.csv", text.encode("latin-1"))
    assert sheet.encoding == "iso-8859-1"
    assert [r[0] for r in rows(sheet)] == ["Negociación", "Diseño Propuesta"]


def test_mixed_encoding_is_read_with_bad_bytes_reported():
    data = "Date,Name\n2024-01-01,Zoë\n".encode() + b"2024-01-02,Jos\xe9\n"
    d = decode(data)
    assert d.encoding == "utf-8" and d.bad_bytes == 1
    sheet = one("m.csv", data)
    assert rows(sheet) == [("2024-01-01", "Zoë"), ("2024-01-02", "Jos\ufffd")]
    assert "could not be decoded" in sheet.notes[0]


@pytest.mark.parametrize("delim", [",", ";", "\t", "|"])
def test_delimiter_is_sniffed(delim):
    text = delim.join(["Date", "Amount", "Note"]) + "\n" + delim.join(["2024-01-01", "5", "x"])
    assert one("d.txt", text.encode()).delimiter == delim


def test_delimiter_ignores_commas_inside_numbers():
    lines = ["Datum;Belopp;Kund", "2024-01-01;1,5;A, B", "2024-01-02;2,25;C"]
    assert sniff_delimiter(lines) == ";"


def test_header_after_title_lines_comments_and_blank_rows():
    text = "Campaign report\nAll time\n\n# exported by tool\nCampaign,Cost,Clicks\nA,1.00,3\n"
    sheet = one("g.csv", text.encode())
    assert sheet.header_row == 5
    assert sheet.header == ["Campaign", "Cost", "Clicks"]
    assert sheet.line.to_list() == [6]


def test_quoted_multiline_field_is_one_record_and_lines_are_physical():
    text = 'Name,Notes,Total\n#1,"line one\n\nline three",10\n#2,,20\n'
    sheet = one("s.csv", text.encode())
    assert rows(sheet) == [("#1", "line one\n\nline three", "10"), ("#2", "", "20")]
    assert sheet.line.to_list() == [2, 5]
    assert sheet.unreadable.to_list() == [False, False]


def test_short_and_long_records_are_unreadable_but_trailing_empty_fields_are_not():
    text = "a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12,,\n\n13,14,15"
    sheet = one("r.csv", text.encode())
    assert sheet.rows_read == 6  # the blank line counts as a (blank) row
    assert sheet.unreadable.to_list() == [False, True, True, False, False, False]


def test_trailing_empty_lines_are_not_rows_and_crlf_is_handled():
    sheet = one("c.csv", b"a,b\r\n1,2\r\n3,4\r\n\r\n\r\n")
    assert rows(sheet) == [("1", "2"), ("3", "4")]


def test_quoted_empty_strings_and_nul_bytes_are_data():
    sheet = one("q.csv", b'"a","b","c"\n"","\x00x","1"\n')
    assert rows(sheet) == [("", "\x00x", "1")]
    assert not sheet.unreadable.any()


def test_repeated_and_empty_headers_get_report_names():
    sheet = one("h.csv", b"Amount,,Amount,Date\n1,2,3,2024-01-01\n")
    assert sheet.header == ["Amount", "Column 2", "Amount (2)", "Date"]


def _xlsx(build) -> bytes:
    wb = openpyxl.Workbook()
    build(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_every_sheet_with_real_row_numbers():
    def build(wb):
        ws = wb.active
        ws.title = "Summary"
        ws["A1"] = "Sales summary 2024"
        ws2 = wb.create_sheet("Orders")
        ws2["A2"] = "Orders export"
        ws2.append([])
        ws2.append(["Order ID", "Order Date", "Total"])
        ws2.append(["A-1", dt.datetime(2024, 1, 31, 10, 30), 12.5])
        ws2.append(["A-2", dt.date(2024, 2, 1), 7])

    sheets = read_any("book.xlsx", _xlsx(build))
    assert [s.sheet for s in sheets] == ["Summary", "Orders"]
    assert sheets[0].reason is not None and sheets[0].rows_read == 0
    orders = sheets[1]
    assert orders.header_row == 4
    assert orders.header == ["Order ID", "Order Date", "Total"]
    assert rows(orders) == [("A-1", "2024-01-31 10:30:00", "12.5"), ("A-2", "2024-02-01 00:00:00", "7")]
    assert orders.line.to_list() == [5, 6]


def test_xlsx_named_csv_is_read_as_a_workbook():
    data = _xlsx(lambda wb: (wb.active.append(["Date", "Cost"]), wb.active.append(["2024-01-01", 3])))
    sheet = one("spend.csv", data)
    assert sheet.sheet == "Sheet" and rows(sheet) == [("2024-01-01", "3")]


def test_html_table_saved_as_xls():
    html = (b"<html><body><table><tr><th>Date</th><th>Amount</th></tr>"
            b"<tr><td>2024-01-01</td><td>1 234,50</td></tr></table></body></html>")
    sheet = one("export.xls", html)
    assert sheet.header == ["Date", "Amount"] and rows(sheet) == [("2024-01-01", "1 234,50")]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "PNG image"),
        (b"%PDF-1.7\n", "PDF"),
        (b"PK\x03\x04garbage-zip", "could not be opened"),
        (bytes(range(256)) * 20, "not a spreadsheet"),
    ],
)
def test_unusable_files_get_a_friendly_message(data, words):
    with pytest.raises(UnusableFile) as err:
        read_any("upload.bin", data)
    assert words in err.value.message and "upload.bin" in err.value.message


def _zip(members: dict[str, bytes], compression=None) -> bytes:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression or zipfile.ZIP_DEFLATED) as z:
        for name, content in members.items():
            z.writestr(name, content)
    return buf.getvalue()


def test_zip_that_is_not_a_workbook_is_refused():
    with pytest.raises(UnusableFile) as err:
        read_any("photos.xlsx", _zip({"a.txt": b"hello"}))
    assert "not an Excel workbook" in err.value.message


def test_workbook_declaring_entities_is_refused():
    xml = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><workbook/>'
    with pytest.raises(UnusableFile) as err:
        read_any("bomb.xlsx", _zip({"xl/workbook.xml": xml}))
    assert "DTD" in err.value.message and "bomb.xlsx" in err.value.message


def test_sheet_inflating_past_the_limit_is_refused(monkeypatch):
    from kpi_engine.ingest import sheet_guard

    monkeypatch.setattr(sheet_guard, "MAX_SHEET_PART", 1000)
    data = _zip({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"<a/>" * 5000})
    assert len(data) < 1000  # the compressed size says nothing
    with pytest.raises(UnusableFile) as err:
        read_any("big.xlsx", data)
    assert "larger than 128 MB unpacked" in err.value.message


def test_damaged_workbook_with_a_bad_crc_is_refused():
    data = bytearray(_zip({"xl/workbook.xml": b"<workbook>" + b"x" * 200 + b"</workbook>"},
                          compression=0))
    i = data.find(b"xxxx")
    data[i] = ord("y")  # stored member: its content no longer matches its CRC
    with pytest.raises(UnusableFile) as err:
        read_any("broken.xlsx", bytes(data))
    assert "damaged" in err.value.message


def test_password_protected_workbook_is_refused():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100 + "EncryptionInfo".encode("utf-16-le")
    with pytest.raises(UnusableFile) as err:
        read_any("secret.xlsx", ole + b"\x00" * 100)
    assert "password" in err.value.message
