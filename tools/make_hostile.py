"""A corpus of hostile and broken uploads (issue 8), generated, never committed as binaries.

    python tools/make_hostile.py DIR        # writes DIR/<case>/<file name> and DIR/manifest.json

Each case says what must happen to it: `refused` (a problem naming the file, with the words in
`says`) or `read` (rows read = used + set aside; `says` words, when given, are in a problem or
note about the file). Every byte is deterministic (fixed seeds and zip timestamps), except the
password-protected workbook, whose salt the encryption library draws.
"""

from __future__ import annotations

import io
import json
import random
import struct
import sys
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from xml.sax.saxutils import escape

Expect = Literal["refused", "read"]
GOOD_FILE = "good_leads.csv"
_DATE = (2024, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Case:
    name: str  # the case id (also its folder)
    file: str  # the uploaded file's name
    make: Callable[[], bytes]
    expect: Expect
    says: tuple[str, ...] = ()  # words (case-insensitive) in a message about the file
    heavy: bool = False  # slow to make or to read: tests run it once, in a subprocess
    about: str = ""
    rows: int | None = None  # rows read, when the case pins them


# -- building blocks -----------------------------------------------------------------------------
def good_file() -> bytes:
    """The good file uploaded beside every bad one: 12 leads that must always be used."""
    lines = ["Lead ID,Created Date,Lead Source,Lead Status"]
    lines += [f"L-{i:03d},2024-0{1 + i % 6}-1{i % 9},Web,Open" for i in range(12)]
    return ("\n".join(lines) + "\n").encode()


def csv_bytes(rows: Iterable[Iterable[str]], sep: str = ",", end: str = "\n") -> bytes:
    out = io.StringIO()
    for row in rows:
        out.write(sep.join(_quote(c, sep) for c in row) + end)
    return out.getvalue().encode("utf-8")


def _quote(cell: str, sep: str) -> str:
    if any(ch in cell for ch in (sep, '"', "\n", "\r")):
        return '"' + cell.replace('"', '""') + '"'
    return cell


ORDERS_HEAD = ["Order ID", "Order Date", "Customer", "Total", "Currency"]


def orders(rows: list[list[str]], head: list[str] | None = None) -> list[list[str]]:
    return [head or ORDERS_HEAD, *rows]


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, content in members.items():
            info = zipfile.ZipInfo(name, date_time=_DATE)
            info.compress_type = method
            z.writestr(info, content)
    return buf.getvalue()


_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL_NS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _col(i: int) -> str:
    name = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        name = chr(65 + r) + name
    return name


def _cell(ref: str, value: str) -> str:
    try:
        number = float(value)
        if value.strip() and number == number and abs(number) != float("inf") and "_" not in value:
            return f'<c r="{ref}"><v>{value.strip()}</v></c>'
    except ValueError:
        pass
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'


def sheet_xml(rows: Iterable[Iterable[str]], prolog: str = "") -> bytes:
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet {_NS}><sheetData>']
    for r, row in enumerate(rows, start=1):
        cells = "".join(_cell(f"{_col(c)}{r}", v) for c, v in enumerate(row) if v != "")
        parts.append(f'<row r="{r}">{cells}</row>')
    parts.append("</sheetData></worksheet>")
    return "".join(parts).encode("utf-8")


def xlsx(sheets: dict[str, bytes], extra: dict[str, bytes] | None = None,
         workbook_prolog: str = "") -> bytes:
    """A minimal, valid workbook from ready sheet parts (inline strings, no styles)."""
    n = len(sheets)
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for i in range(1, n + 1))
    members = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{overrides}</Types>").encode(),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}"><Relationship '
            f'Id="rId1" Type="{_OFFICE}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>").encode(),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?>{workbook_prolog}<workbook {_NS} {_REL_NS}>'
            "<sheets>" + "".join(
                f'<sheet name="{escape(name, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
                for i, name in enumerate(sheets, start=1)) + "</sheets></workbook>").encode(),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}">' + "".join(
                f'<Relationship Id="rId{i}" Type="{_OFFICE}/worksheet" '
                f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, n + 1))
            + "</Relationships>").encode(),
    }
    for i, part in enumerate(sheets.values(), start=1):
        members[f"xl/worksheets/sheet{i}.xml"] = part
    members |= extra or {}
    return _zip(members)


def xlsx_rows(rows: list[list[str]], sheet: str = "Sheet1") -> bytes:
    return xlsx({sheet: sheet_xml(rows)})


SAMPLE_ORDERS = orders([[f"A-{i}", f"2024-02-{1 + i:02d}", f"c{i}@x.com", f"{10 + i}.50", "EUR"]
                        for i in range(8)])


def _bomb_xlsx(part_bytes: int, parts: int = 1) -> bytes:
    """Sheet parts that inflate to `part_bytes` each from a few hundred KB (deflate ~1000:1)."""
    buf = io.BytesIO()
    base = xlsx({f"S{i}": b"" for i in range(1, parts + 1)})
    src = zipfile.ZipFile(io.BytesIO(base))
    filler = b" " * (1 << 20)  # whitespace between elements: the part's size is the attack
    with zipfile.ZipFile(buf, "w") as z:
        for info in src.infolist():
            if not info.filename.startswith("xl/worksheets/"):
                z.writestr(info, src.read(info))
                continue
            target = zipfile.ZipInfo(info.filename, date_time=_DATE)
            target.compress_type = zipfile.ZIP_DEFLATED
            with z.open(target, "w", force_zip64=True) as fh:
                fh.write(f'<?xml version="1.0"?><worksheet {_NS}><sheetData>'.encode())
                written = 0
                while written < part_bytes:
                    fh.write(filler)
                    written += len(filler)
                fh.write(b"</sheetData></worksheet>")
    return buf.getvalue()


_LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol">'
           + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
                     for i in range(1, 10)) + "]>")


def _laughs_sheet() -> bytes:
    return xlsx({"Sheet1": sheet_xml([["Date", "Total"], ["2024-01-01", "5"]], _LAUGHS)
                 .replace(b"<t xml:space=\"preserve\">Date", b"<t>&lol9;Date")})


def _laughs_shared_strings() -> bytes:
    shared = (f'<?xml version="1.0"?>{_LAUGHS}<sst {_NS} count="1" uniqueCount="1"><si><t>&lol9;'
              "</t></si></sst>").encode()
    part = (f'<?xml version="1.0"?><worksheet {_NS}><sheetData><row r="1"><c r="A1" t="s"><v>0'
            '</v></c><c r="B1" t="inlineStr"><is><t>Total</t></is></c></row></sheetData>'
            "</worksheet>").encode()
    return xlsx({"Sheet1": part}, {"xl/sharedStrings.xml": shared})


def _xxe() -> bytes:
    prolog = '<!DOCTYPE w [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    return xlsx({"Sheet1": sheet_xml([["Date", "Total"], ["2024-01-01", "5"]], prolog)})


def _dtd_after_padding() -> bytes:
    """The DTD behind 2 MiB of comment: a reader that only looks at the head misses it."""
    prolog = "<!--" + "x" * (2 << 20) + "-->" + _LAUGHS
    return xlsx({"Sheet1": sheet_xml([["Date", "Total"], ["2024-01-01", "5"]], prolog)})


def _sparse_far_cell(ref: str) -> bytes:
    """Two real rows and one cell far away: a reader building a dense grid allocates it all."""
    part = sheet_xml([["Order Date", "Total"], ["2024-01-01", "5"]]).replace(
        b"</sheetData>", f'<row r="{ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}"><c r="{ref}">'
        "<v>1</v></c></row></sheetData>".encode())
    return xlsx({"Sheet1": part})


def _wide_row_without_refs(width: int) -> bytes:
    cells = "<c><v>1</v></c>" * width
    part = (f'<?xml version="1.0"?><worksheet {_NS}><sheetData><row><c t="inlineStr"><is><t>Date'
            '</t></is></c><c t="inlineStr"><is><t>Total</t></is></c></row>'
            f"<row>{cells}</row>" + "<row><c><v>2</v></c></row>" * 2000
            + "</sheetData></worksheet>").encode()
    return xlsx({"Sheet1": part})


def _encrypted_xlsx() -> bytes:
    plain = xlsx_rows(SAMPLE_ORDERS)
    try:
        from msoffcrypto.format.ooxml import OOXMLFile
    except ImportError:
        return _ole_with_encryption_info()
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(plain)).encrypt("secret", out)
    return out.getvalue()


def _ole_with_encryption_info() -> bytes:
    """An OLE2 compound file whose directory names an EncryptionInfo and an EncryptedPackage
    stream, as Excel writes a password-protected workbook (the fallback without msoffcrypto)."""
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHH", header, 24, 0x3E, 3, 0xFFFE, 9)
    struct.pack_into("<I", header, 44, 1)  # one FAT sector
    struct.pack_into("<I", header, 48, 1)  # directory at sector 1
    struct.pack_into("<I", header, 60, 0xFFFFFFFE)
    struct.pack_into("<I", header, 68, 0xFFFFFFFE)
    struct.pack_into("<I", header, 76, 0)  # FAT at sector 0
    header[80:512] = b"\xff" * 432
    fat = struct.pack("<4I", 0xFFFFFFFD, 0xFFFFFFFE, 0xFFFFFFFE, 0xFFFFFFFE) + b"\xff" * 496
    entries = b""
    for name, kind in (("Root Entry", 5), ("EncryptionInfo", 2), ("EncryptedPackage", 2)):
        raw = name.encode("utf-16-le") + b"\x00\x00"
        entry = bytearray(128)
        entry[: len(raw)] = raw
        struct.pack_into("<HBB", entry, 64, len(raw), kind, 1)
        struct.pack_into("<III", entry, 68, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
        struct.pack_into("<I", entry, 116, 0xFFFFFFFE)
        entries += bytes(entry)
    return bytes(header) + fat + entries.ljust(512, b"\x00") + b"\x00" * 512


def _docx() -> bytes:
    return _zip({
        "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
        "word/document.xml": b'<?xml version="1.0"?><w:document xmlns:w="w"><w:body><w:p>'
                             b"<w:r><w:t>Quarterly report</w:t></w:r></w:p></w:body></w:document>",
    })


def _png() -> bytes:
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    raw = b"".join(b"\x00" + bytes([i % 256, 0, 0] * 16) for i in range(16))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 16, 16, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _noise(n: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(n)


def _records(n: int) -> bytes:
    """n tiny order records (13-14 bytes each), built without a Python loop per record."""
    block = b"".join(b"2024-03-%02d,%d\n" % (1 + i % 28, i % 7) for i in range(1000))
    full, rest = divmod(n, 1000)
    return b"Order Date,Total\n" + block * full + b"".join(block.splitlines(True)[:rest])


def _wide(n: int, rows: int = 3) -> list[list[str]]:
    head = ["Order Date", "Total"] + [f"Extra {i}" for i in range(n - 2)]
    return [head] + [["2024-01-01", "5"] + [str(i)] * (n - 2) for i in range(rows)]


def _html_table(rows: list[list[str]], before: str = "", cell_tag: str = "td") -> bytes:
    body = "".join("<tr>" + "".join(f"<{cell_tag}>{escape(c)}</{cell_tag}>" for c in r) + "</tr>"
                   for r in rows)
    return f"<html><head>{before}</head><body><table>{body}</table></body></html>".encode()


# -- the cases -----------------------------------------------------------------------------------
HOSTILE_TEXT = [
    '<script>alert("x")</script>', "<img src=x onerror=alert(1)>", "[click](javascript:alert(1))",
    "![pixel](http://example.invalid/p.png)", "**bold** _it_ `code` # heading", "<b>bold</b>",
    "$\\frac{1}{0}$ :red[red] :material/warning:", "<iframe src=//example.invalid></iframe>",
]
FORMULAS = ["=1+1", '=HYPERLINK("http://example.invalid","x")', "+1+1", "-1+1", "@SUM(1,1)",
            "=cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]
AMOUNTS = ["-5", "1e308", "-1e308", "NaN", "inf", "-inf", "Infinity", "1e309", "-0", "0",
           "99999999999999999999999999999999999999", "1,000,000,000,000,000.55", "(12.50)",
           "12.50-", "€ -3,5", "1.2.3.4", "--5", "5e-400", "0x1F", "١٢٣"]
DATES = ["1900-01-01", "1900-02-29", "9999-12-31", "0001-01-01", "0000-00-00", "2024-13-45",
         "99999-01-01", "-0001-01-01", "31/12/9999", "1/1/1900", "2958466", "0", "-1", "1e10",
         "2024-02-30", "tomorrow", "2024-01-01T25:61:61", "9999-12-31 23:59:59.999999999"]


def _csv_cases() -> list[Case]:
    head3 = "Order Date,Total,Customer\n"
    c = [
        Case("empty_file", "empty.csv", lambda: b"", "refused", ("empty",)),
        Case("bom_only", "bom.csv", lambda: b"\xef\xbb\xbf", "refused", ("empty",)),
        Case("whitespace_only", "spaces.csv", lambda: b" \t\r\n\n   \n", "refused", ("empty",)),
        Case("header_only", "header_only.csv", lambda: head3.encode(), "read", rows=0),
        Case("header_only_no_newline", "header_only2.csv", lambda: head3.strip().encode(), "read"),
        Case("one_column", "one_column.csv", lambda: b"Total\n1\n2\n3\n", "read"),
        Case("one_cell", "one_cell.csv", lambda: b"x", "read"),
        Case("only_delimiters", "delims.csv", lambda: b",,,,\n;;;;\n,,,,\n||||\n", "read"),
        Case("columns_20000", "wide20000.csv", lambda: csv_bytes(_wide(20_000)), "refused",
             ("20,000 columns", "1,000")),
        Case("columns_1001", "wide1001.csv", lambda: csv_bytes(_wide(1001)), "refused",
             ("1,001 columns", "1,000")),
        Case("columns_1000", "wide1000.csv", lambda: csv_bytes(_wide(1000, rows=50)), "read"),
        Case("wide_header_after_title", "wide_title.csv",
             lambda: b"Report\n\n" + csv_bytes(_wide(1500)), "refused", ("1,500 columns",)),
        Case("one_record_50000_fields", "long_record.csv",
             lambda: head3.encode() + b"2024-01-01,5,a\n" + b"1," * 50_000 + b"\n2024-01-02,6,b\n",
             "read"),
        Case("rows_2000000", "two_million.csv", lambda: _records(2_000_000), "read",
             rows=2_000_000, heavy=True),
        Case("records_3000001", "too_many.csv", lambda: _records(3_000_001), "refused",
             ("3,000,000",), heavy=True),
        Case("garbage_csv", "garbage.csv", lambda: _noise(200_000, 1), "refused",
             ("not a spreadsheet",)),
        Case("garbage_txt_small", "noise.txt", lambda: _noise(64, 2), "read",
             about="too short to tell from text: read, no header found"),
        Case("malformed_utf8", "bad_utf8.csv", lambda: head3.encode()
             + b"2024-01-01,5,Zo\xc3\n2024-01-02,6,\xff\xfeJos\xe9\n2024-01-03,7,\xed\xa0\x80\n",
             "read"),
        Case("mixed_encodings", "mixed.csv", lambda: head3.encode() + "2024-01-01,5,Łódź\n".encode()
             + "2024-01-02,6,Łódź\n".encode("cp1250") + "2024-01-03,7,Zoë\n".encode("cp1252"),
             "read", ("could not be decoded",)),
        Case("nul_bytes", "nul.csv", lambda: head3.encode() + b"2024-01-01,5,a\x00b\n"
             b"2024-01-02,\x006,\x00\x00\n\x00\n2024-01-03,7,c\n", "read"),
        Case("nul_flood", "nul_flood.csv", lambda: head3.encode() + b"\x00" * 100_000, "refused",
             ("binary",)),
        Case("unbalanced_quotes", "quotes.csv", lambda: head3.encode()
             + b'2024-01-01,5,"open\n2024-01-02,6,b\n2024-01-03,7,c\n', "read"),
        Case("unbalanced_quote_midfile", "quotes2.csv", lambda: head3.encode()
             + b'2024-01-01,5,a\n2024-01-02,6,b"c\n2024-01-03,"7,c\n2024-01-04,8,d\n', "read"),
        Case("deeply_quoted", "deep_quotes.csv", lambda: head3.encode() + b'2024-01-01,5,"'
             + b'""' * 5000 + b'"\n"2024-01-02","""6""","""""""x"""""""\n'
             + b'2024-01-03,7,"a\n' * 3 + b'"\n', "read"),
        Case("duplicated_headers", "dup_headers.csv", lambda: csv_bytes(
            [["Total", "Order Date", "Total", "total", "Order Date"],
             ["5", "2024-01-01", "6", "7", "2024-01-02"]]), "read"),
        Case("empty_headers", "empty_headers.csv", lambda: csv_bytes(
            [["Order Date", "", "Total", "", ""], ["2024-01-01", "x", "5", "", "y"]]), "read"),
        Case("all_empty_columns", "empty_columns.csv", lambda: csv_bytes(
            [["Order Date", "Total", "Region", "Rep", "Channel"]]
            + [[f"2024-01-{1 + i:02d}", str(i), "", "", ""] for i in range(20)]), "read"),
        Case("dates_extreme", "dates.csv", lambda: csv_bytes(
            [["Order ID", "Order Date", "Total"]]
            + [[f"D{i}", d, "10"] for i, d in enumerate(DATES)]), "read"),
        Case("amounts_absurd", "amounts.csv", lambda: csv_bytes(
            [["Order ID", "Order Date", "Total"]]
            + [[f"M{i}", "2024-01-05", a] for i, a in enumerate(AMOUNTS)]), "read"),
        Case("mixed_currencies", "currencies.csv", lambda: csv_bytes(orders(
            [[f"C{i}", "2024-01-02", "c@x.com", v, cur] for i, (v, cur) in enumerate(
                [("10", "EUR"), ("11", "EUR"), ("12", "USD"), ("13 zł", ""), ("$14", ""),
                 ("15", "BTC"), ("16", "€"), ("17", "")])])), "read", ("exchange rate",)),
        Case("html_js_markdown_cells", "markup.csv", lambda: csv_bytes(orders(
            [[f"H{i}", "2024-01-03", t, "5", "EUR"] for i, t in enumerate(HOSTILE_TEXT)],
            ["Order ID", "Order Date", "Customer", "Total", "Currency"])), "read"),
        Case("markup_in_headers", "markup_headers.csv", lambda: csv_bytes(
            [["<script>alert(1)</script>Order Date", "**Total**", "[x](javascript:alert(1))"],
             ["2024-01-01", "5", "a"]]), "read"),
        Case("formula_injection", "formulas.csv", lambda: csv_bytes(
            [["Order ID", "Order Date", "Customer", "Total", "Product"]]
            + [[f, "2024-01-04", f, "5", f] for f in FORMULAS]), "read"),
        Case("control_and_bidi", "controls.csv", lambda: csv_bytes(orders(
            [["B1", "2024-01-01", "\x1b[31mred\x1b[0m", "5", ""],
             ["B2", "2024-01-01", "abc\u202edcba", "6", ""],
             ["B3", "2024-01-01", "e\u0301\u0301\u0301\U0001f600", "7", ""]])), "read"),
        Case("long_cell", "long_cell.csv", lambda: csv_bytes(orders(
            [["L1", "2024-01-01", "x" * 40_000, "5", ""], ["L2", "2024-01-02", "y", "6", ""]])),
             "read", ("32,767",)),
        Case("cr_only_line_endings", "mac.csv", lambda: csv_bytes(
            SAMPLE_ORDERS, end="\r"), "read", rows=8),
        Case("crlf_mixed_endings", "mixed_endings.csv", lambda: b"Order Date,Total\r\n"
             b"2024-01-01,1\n2024-01-02,2\r2024-01-03,3\r\n2024-01-04,4\n", "read", rows=4),
        Case("utf16_le_no_bom", "utf16.csv", lambda: "\n".join(
            ",".join(r) for r in SAMPLE_ORDERS).encode("utf-16-le"), "read", rows=8),
        Case("utf16_be_no_bom", "utf16be.csv", lambda: "\n".join(
            ",".join(r) for r in SAMPLE_ORDERS).encode("utf-16-be"), "read", rows=8),
        Case("utf16_odd_length", "utf16_odd.csv", lambda: "\n".join(
            ",".join(r) for r in SAMPLE_ORDERS).encode("utf-16") + b"\x41", "read"),
        Case("blank_lines_million", "blank_lines.csv",
             lambda: b"Order Date,Total\n2024-01-01,5\n" + b"\n" * 1_000_000 + b"2024-01-02,6\n",
             "read"),
        Case("delimiter_rows_million", "commas.csv",
             lambda: b"Order Date,Total\n" + b",\n" * 500_000 + b"2024-01-02,6\n", "read"),
        Case("one_huge_line", "huge_line.csv", lambda: b"a" * 20_000_000, "read"),
        Case("huge_integers", "big_numbers.csv", lambda: csv_bytes(
            [["Order ID", "Order Date", "Total", "Quantity"]]
            + [[f"N{i}", "2024-01-01", "9" * n, "9" * n] for i, n in enumerate((19, 20, 40, 400))]),
             "read"),
        Case("csv_named_xlsx", "really_csv.xlsx", lambda: csv_bytes(SAMPLE_ORDERS), "read"),
        Case("repeated_headers_and_totals", "repeats.csv", lambda: csv_bytes(
            SAMPLE_ORDERS + [ORDERS_HEAD] + SAMPLE_ORDERS[1:3] + [["Total", "", "", "999", ""]]),
             "read"),
        Case("tab_in_semicolon", "tabs.txt", lambda: csv_bytes(
            [["Datum", "Belopp", "Kund\tnamn"], ["2024-01-01", "1\t5", "A\tB"]], sep=";"), "read"),
        Case("name_with_markup", "<img src=x onerror=alert(1)>**bold**[a](javascript:alert(1)).csv",
             lambda: b"", "refused", ("empty",)),
    ]
    return c


def _excel_cases() -> list[Case]:
    def crc_broken() -> bytes:
        data = bytearray(_zip({"xl/workbook.xml": b"<workbook>" + b"x" * 300 + b"</workbook>"},
                              method=zipfile.ZIP_STORED))
        i = data.find(b"xxxx")
        data[i] = ord("y")
        return bytes(data)

    def lying_size() -> bytes:
        """A member whose header and directory declare 10 bytes for a 5 MiB part."""
        data = bytearray(_bomb_xlsx(5 << 20))
        target = b"xl/worksheets/sheet1.xml"
        for sig, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
            pos = data.find(sig + b"")
            while pos >= 0:
                name_len = struct.unpack_from("<H", data, pos + (26 if sig == b"PK\x03\x04" else 28))[0]
                name_at = pos + (30 if sig == b"PK\x03\x04" else 46)
                if data[name_at:name_at + name_len] == target and \
                        struct.unpack_from("<I", data, pos + size_at)[0] != 0xFFFFFFFF:
                    struct.pack_into("<I", data, pos + size_at, 10)
                pos = data.find(sig, pos + 4)
        return bytes(data)

    return [
        Case("garbage_xlsx", "garbage.xlsx", lambda: _noise(100_000, 3), "refused"),
        Case("garbage_with_zip_magic", "magic.xlsx", lambda: b"PK\x03\x04" + _noise(50_000, 4),
             "refused", ("could not be opened",)),
        Case("image_named_xlsx", "photo.xlsx", _png, "refused", ("PNG",)),
        Case("pdf_named_xlsx", "report.xlsx", lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"0" * 500,
             "refused", ("PDF",)),
        Case("password_protected_xlsx", "secret.xlsx", _encrypted_xlsx, "refused",
             ("without a password",)),
        Case("ole_encryption_info", "secret_ole.xlsx", _ole_with_encryption_info, "refused",
             ("without a password",)),
        Case("ole_garbage_xls", "old.xls", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
             + _noise(4000, 5), "refused", ("could not be opened",)),
        Case("truncated_xlsx", "cut.xlsx", lambda: xlsx_rows(SAMPLE_ORDERS)[:700], "refused",
             ("could not be opened",)),
        Case("truncated_xlsx_tail", "cut_tail.xlsx", lambda: xlsx_rows(SAMPLE_ORDERS)[:-30],
             "refused", ("could not be opened",)),
        Case("bad_crc_xlsx", "crc.xlsx", crc_broken, "refused", ("damaged",)),
        Case("zip_bomb_sheet", "bomb.xlsx", lambda: _bomb_xlsx(140 << 20), "refused",
             ("128 MB",), heavy=True),
        Case("zip_bomb_workbook", "bomb_book.xlsx", lambda: _bomb_xlsx(110 << 20, parts=5),
             "refused", ("512 MB",), heavy=True),
        Case("zip_lying_sizes", "lying.xlsx", lying_size, "refused", ("could not be opened",)),
        Case("billion_laughs_sheet", "laughs.xlsx", _laughs_sheet, "refused", ("DTD",)),
        Case("billion_laughs_shared_strings", "laughs_sst.xlsx", _laughs_shared_strings,
             "refused", ("DTD",)),
        Case("billion_laughs_workbook", "laughs_book.xlsx", lambda: xlsx(
            {"Sheet1": sheet_xml(SAMPLE_ORDERS)}, workbook_prolog=_LAUGHS), "refused", ("DTD",)),
        Case("xxe_external_entity", "xxe.xlsx", _xxe, "refused", ("DTD",)),
        Case("dtd_after_padding", "padded_dtd.xlsx", _dtd_after_padding, "refused", ("DTD",)),
        Case("docx_named_xlsx", "letter.xlsx", _docx, "refused", ("not an Excel workbook",)),
        Case("zip_named_xlsx", "archive.xlsx", lambda: _zip({"a.csv": csv_bytes(SAMPLE_ORDERS)}),
             "refused", ("not an Excel workbook",)),
        Case("xlsx_named_csv", "really_xlsx.csv", lambda: xlsx_rows(SAMPLE_ORDERS), "read"),
        Case("xlsx_empty_workbook", "blank.xlsx", lambda: xlsx({"Sheet1": sheet_xml([])}), "read"),
        Case("xlsx_header_only", "header_only.xlsx", lambda: xlsx_rows([ORDERS_HEAD]), "read"),
        Case("xlsx_columns_1001", "wide.xlsx", lambda: xlsx_rows(_wide(1001)), "refused",
             ("1,001 columns", "at most 1,000")),
        Case("xlsx_columns_16384", "widest.xlsx", lambda: xlsx_rows(_wide(16_384, rows=1)),
             "refused", ("columns", "at most 1,000")),
        Case("xlsx_sheets_1001", "many_sheets.xlsx", lambda: xlsx(
            {f"S{i}": sheet_xml([["Order Date", "Total"], ["2024-01-01", str(i)]])
             for i in range(1001)}), "refused", ("1,001 sheets",)),
        Case("xlsx_far_cell", "far_cell.xlsx", lambda: _sparse_far_cell("XFD1048576"), "refused",
             ("columns",)),
        Case("xlsx_far_cell_in_range", "far_row.xlsx", lambda: _sparse_far_cell("ALL1048576"),
             "refused", ("cells",)),
        Case("xlsx_far_row", "far_row_b.xlsx", lambda: _sparse_far_cell("B1048576"), "read"),
        Case("xlsx_wide_row_without_refs", "no_refs.xlsx", lambda: _wide_row_without_refs(20_000),
             "refused", ("columns",)),
        Case("xlsx_long_cell", "long_cell.xlsx", lambda: xlsx_rows(orders(
            [["L1", "2024-01-01", "z" * 40_000, "5", ""]])), "read", ("32,767",)),
        Case("xlsx_markup_and_formulas", "markup.xlsx", lambda: xlsx_rows(orders(
            [[f"X{i}", "2024-01-03", t, "5", "EUR"] for i, t in enumerate(HOSTILE_TEXT + FORMULAS)])),
             "read"),
        Case("xlsx_amounts_and_dates", "extremes.xlsx", lambda: xlsx_rows(
            [["Order ID", "Order Date", "Total"]]
            + [[f"E{i}", d, a] for i, (d, a) in enumerate(zip(DATES, AMOUNTS, strict=False))]),
             "read"),
        Case("xlsx_sheet_name_markup", "names.xlsx", lambda: xlsx(
            {"<b>x</b> **y** [z](javascript:1)": sheet_xml(SAMPLE_ORDERS)}), "read"),
        Case("xlsx_missing_shared_strings", "no_sst.xlsx", lambda: xlsx({"Sheet1": (
            f'<?xml version="1.0"?><worksheet {_NS}><sheetData><row r="1"><c r="A1" t="s"><v>7</v>'
            '</c><c r="B1" t="s"><v>99999999</v></c></row></sheetData></worksheet>').encode()}),
             "read"),
        Case("xlsx_broken_xml", "broken_xml.xlsx", lambda: xlsx(
            {"Sheet1": b'<?xml version="1.0"?><worksheet><sheetData><row r="1"><c r="A1"'}),
             "read"),
        Case("xlsx_no_workbook_part", "no_book.xlsx", lambda: _zip(
            {"xl/worksheets/sheet1.xml": sheet_xml(SAMPLE_ORDERS)}), "refused",
             ("could not be opened",)),
        Case("xlsx_rows_1048576", "max_rows.xlsx", lambda: xlsx({"Sheet1": sheet_xml(
            [["Order Date", "Total"]] + [[str(45292 + i % 28), str(i % 10)]
                                         for i in range(1_048_575)])}), "read",
             rows=1_048_575, heavy=True),
        Case("html_xls_with_script", "web_export.xls", lambda: _html_table(
            orders([[f"W{i}", "2024-01-05", f"<script>alert({i})</script>", "5", "EUR"]
                    for i in range(5)]),
            before="<script>document.write('pwned')</script><style>td{}</style>"), "read"),
        Case("html_xls_1500_columns", "wide_web.xls", lambda: _html_table(_wide(1500)),
             "refused", ("1,500 columns",)),
        Case("html_xls_2000_tables", "tables.xls", lambda: b"<html><body>" + b"".join(
            _html_table([["Order Date", "Total"], ["2024-01-01", "1"]])[12:-14]
            for _ in range(2000)) + b"</body></html>", "refused", ("2,000 tables",)),
        Case("html_xls_long_cell", "long_web.xls", lambda: _html_table(
            orders([["W1", "2024-01-05", "q" * 40_000, "5", "EUR"]])), "read", ("32,767",)),
    ]


def _ods(rows_repeated: int, columns_repeated: int) -> bytes:
    """An OpenDocument sheet whose second row is one valued cell repeated (a repeat bomb)."""
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis'
          ':names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:'
          'xmlns:text:1.0"')
    head = "".join(f'<table:table-cell office:value-type="string"><text:p>{h}</text:p>'
                   "</table:table-cell>" for h in ("Order Date", "Total"))
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} office:'
               'version="1.2"><office:body><office:spreadsheet><table:table table:name="S">'
               f"<table:table-row>{head}</table:table-row><table:table-row table:number-rows-"
               f'repeated="{rows_repeated}"><table:table-cell office:value-type="float" office:'
               f'value="45292" table:number-columns-repeated="{columns_repeated}"><text:p>45292</text:p>'
               "</table:table-cell></table:table-row></table:table></office:spreadsheet>"
               "</office:body></office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:'
                'oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:'
                'full-path="/" manifest:media-type="application/vnd.oasis.opendocument.'
                'spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:'
                'media-type="text/xml"/></manifest:manifest>')
    return _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                 "META-INF/manifest.xml": manifest.encode(), "content.xml": content.encode()},
                method=zipfile.ZIP_STORED)


def _html_cases() -> list[Case]:
    table = _html_table(orders([["W1", "2024-01-05", "a", "5", "EUR"]]))
    return [
        Case("html_unclosed_comment", "comment.xls", lambda: table[:-22] + b"<!--" + b"x<!--" * 400_000,
             "read"),
        Case("html_cdata_flood", "cdata.xls", lambda: table + b"<![CDATA[" * 200_000, "read"),
        Case("html_lt_flood", "lt.xls", lambda: table + b"<" * 2_000_000, "read"),
        Case("html_unclosed_attribute", "attr.xls", lambda: table + b'<td a="' * 500_000, "read"),
        Case("html_nested_tables", "nested.xls",
             lambda: table + b"<table><tr><td>" * 100_000, "read"),
        Case("html_200000_rows", "big_web.xls", lambda: _html_table(orders(
            [[f"R{i}", f"2024-01-{1 + i % 28:02d}", f"c{i % 50}", str(i % 90), "EUR"]
             for i in range(200_000)])), "read", rows=200_000, heavy=True),
        Case("xls_small", "legacy.xls", lambda: _xls_far(3, 1), "read", rows=3),
        Case("xls_far_cell", "far.xls", lambda: _xls_far(60_000, 3_000), "refused",
             ("columns",), about="5 KB; calamine asked for gigabytes and aborted"),
        Case("xls_far_row_and_column", "farther.xls", lambda: _xls_far(65_535, 65_535),
             "refused", ("columns",)),
        Case("ods_small", "sheet.ods", lambda: _ods(3, 2), "read", rows=3),
        Case("ods_repeat_bomb", "repeat.ods", lambda: _ods(1_000_000, 1000), "refused",
             ("could not be opened",)),
    ]


def _xls_far(row: int, col: int) -> bytes:
    """A legacy .xls (xlwt) with a header and one number, moved to (row, col) in the BIFF."""
    import xlwt

    book = xlwt.Workbook()
    ws = book.add_sheet("Orders")
    ws.write(0, 0, "Order ID")
    ws.write(0, 1, "Total")
    ws.write(1, 0, "A-1")
    ws.write(1, 1, 10.5)
    ws.write(3, 0, "A-2")
    ws.write(3, 1, 12345.5)
    buf = io.BytesIO()
    book.save(buf)
    data = bytearray(buf.getvalue())
    at = data.find(struct.pack("<HHHH", 0x027E, 10, 3, 1))  # RK record of (3, 1)
    struct.pack_into("<HH", data, at + 4, row, col)
    return bytes(data)


def cases() -> list[Case]:
    return _csv_cases() + _excel_cases() + _html_cases()


def write(folder: Path, include_heavy: bool = True,
          only: set[str] | None = None) -> list[dict[str, object]]:
    """Write the cases to folder/<case>/<file> and folder/manifest.json; returns the manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / GOOD_FILE).write_bytes(good_file())
    manifest = []
    for case in cases():
        if (case.heavy and not include_heavy) or (only is not None and case.name not in only):
            continue
        target = folder / case.name
        target.mkdir(exist_ok=True)
        data = case.make()
        (target / case.file).write_bytes(data)
        manifest.append({"name": case.name, "file": case.file, "expect": case.expect,
                         "says": list(case.says), "heavy": case.heavy, "bytes": len(data),
                         "rows": case.rows})
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    return manifest


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile_corpus")
    written = write(out)
    print(f"{len(written)} cases written to {out}")
