"""Hand-made messy exports, one test per case; every expected value was worked out by hand.

Each fixture is built in the test as bytes (workbooks with openpyxl). Every test also checks the
row accounting of catalogue section 1: for each source rows_read = rows_used + Σ rows_set_aside,
and `set_aside()` returns exactly the rows set aside, with their lines and reasons, disjoint from
the lines of the rows used.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import zipfile
from collections import Counter
from typing import Any

import openpyxl
import polars as pl
import pytest

from kpi_engine.ingest.dataset import Dataset, load
from kpi_engine.ingest.report import inspect_report

D = dt.datetime
Day = dt.date


# ---------------------------------------------------------------------------------------------
# helpers


def run(*files: tuple[str, bytes]) -> tuple[Dataset, dict[str, Any]]:
    """Load an upload, check its row accounting, and return it with its inspect report."""
    ds = load(list(files))
    rep = inspect_report(ds)
    check_accounting(ds, rep)
    return ds, rep


def check_accounting(ds: Dataset, rep: dict[str, Any]) -> None:
    aside = ds.set_aside()
    expected_aside = 0
    for s, entry in zip(ds.sources, rep["sources"], strict=True):
        counts = s.set_aside_counts()
        assert entry["rows_read"] == entry["rows_used"] + sum(entry["rows_set_aside"].values())
        if s.table is None:
            assert counts == {} and s.rows_used == 0 and entry["rows_read"] == 0
            continue
        assert s.raw.rows_read == s.rows_used + sum(counts.values())
        assert entry["rows_read"] == s.raw.rows_read and entry["rows_set_aside"] == counts
        mine = aside.filter(
            (pl.col("file") == s.raw.file)
            & (pl.col("sheet").is_null() if s.raw.sheet is None else pl.col("sheet") == s.raw.sheet)
        )
        assert mine.height == sum(counts.values())
        assert dict(Counter(mine["reason"].to_list())) == counts
        used_lines: list[int] = []
        table = ds.tables.get(s.table)
        if table is not None and s.rows_used:
            used = table.filter(
                (pl.col("_file") == s.raw.file)
                & (pl.col("_sheet").is_null() if s.raw.sheet is None
                   else pl.col("_sheet") == s.raw.sheet)
            )
            used_lines = used["_line"].to_list()
        assert len(used_lines) == s.rows_used
        aside_lines = mine["line"].to_list()
        assert sorted(used_lines + aside_lines) == sorted(s.raw.line.to_list())
        expected_aside += mine.height
    assert aside.height == expected_aside


def aside(ds: Dataset, file: str | None = None) -> list[tuple[int, str]]:
    """(line, reason) of the rows set aside (of one file), by line."""
    frame = ds.set_aside()
    if file is not None:
        frame = frame.filter(pl.col("file") == file)
    return sorted(zip(frame["line"].to_list(), frame["reason"].to_list(), strict=True))


def fields(entry: dict[str, Any]) -> dict[str, str | None]:
    """header -> field of one report source."""
    return {h: c["field"] for h, c in entry["columns"].items()}


def col(ds: Dataset, table: str, name: str) -> list[Any]:
    return ds.tables[table].sort("_file", "_line", maintain_order=True)[name].to_list()


def xlsx(build) -> bytes:
    wb = openpyxl.Workbook()
    build(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# encodings


def test_utf8_without_bom():
    text = ("Order ID,Order Date,Customer,Total\n"
            "A-1,2024-03-01,Zoë Ørsted,12.50\n"
            "A-2,2024-03-02,Łucja Nowak,7\n")
    ds, rep = run(("o.csv", text.encode("utf-8")))
    src = rep["sources"][0]
    assert (src["encoding"], src["delimiter"], src["header_row"]) == ("utf-8", ",", 1)
    assert src["table"] == "orders" and src["rows_used"] == 2 and src["rows_set_aside"] == {}
    assert fields(src) == {"Order ID": "order_id", "Order Date": "order_date",
                           "Customer": "customer_id", "Total": "revenue"}
    assert col(ds, "orders", "customer_id") == ["Zoë Ørsted", "Łucja Nowak"]
    assert col(ds, "orders", "revenue") == [12.5, 7.0]
    assert col(ds, "orders", "order_date") == [D(2024, 3, 1), D(2024, 3, 2)]
    assert col(ds, "orders", "_line") == [2, 3]
    assert ds.currency is None


def test_utf8_with_bom_semicolons_and_polish_header():
    text = ("\ufeffNr zamówienia;Data zamówienia;Klient;Wartość netto\n"
            "Z/1;05.01.2024;Jan Kowalski;1 234,56 zł\n"
            "Z/2;06.01.2024;Anna Żak;99,00 zł\n")
    ds, rep = run(("zamowienia.csv", text.encode("utf-8")))
    src = rep["sources"][0]
    assert (src["encoding"], src["delimiter"], src["header_row"]) == ("utf-8-sig", ";", 1)
    assert list(src["columns"])[0] == "Nr zamówienia"  # the BOM is not part of the header
    assert fields(src) == {"Nr zamówienia": "order_id", "Data zamówienia": "order_date",
                           "Klient": "customer_id", "Wartość netto": "revenue"}
    assert col(ds, "orders", "order_id") == ["Z/1", "Z/2"]
    assert col(ds, "orders", "revenue") == [1234.56, 99.0]
    # "." dates with no day above 12: day first
    assert col(ds, "orders", "order_date") == [D(2024, 1, 5), D(2024, 1, 6)]
    assert ds.currency == "PLN"


GOOGLE_ADS = (
    "Campaign performance report\n"
    "January 1, 2024 - January 31, 2024\n"
    "Campaign\tDay\tCurrency code\tCost\tImpr.\tClicks\tCTR\n"
    "Brand\t2024-01-01\tUSD\t1,234.56\t12,000\t150\t1.25%\n"
    "Generic\t2024-01-02\tUSD\t98.10\t3,400\t40\t1.18%\n"
    "Total: Campaigns\t\tUSD\t1,332.66\t15,400\t190\t1.23%\n"
)


@pytest.mark.parametrize(("bom", "codec"), [(b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")])
def test_utf16_tab_delimited_google_ads_export(bom, codec):
    ds, rep = run(("Campaign report.csv", bom + GOOGLE_ADS.encode(codec)))
    src = rep["sources"][0]
    assert (src["encoding"], src["delimiter"], src["header_row"]) == ("utf-16", "\t", 3)
    assert src["table"] == "marketing"
    assert fields(src) == {"Campaign": "campaign", "Day": "date", "Currency code": "currency",
                           "Cost": "cost", "Impr.": "impressions", "Clicks": "clicks",
                           "CTR": None}
    assert src["rows_read"] == 3 and src["rows_used"] == 2
    assert aside(ds) == [(6, "totals")]
    assert col(ds, "marketing", "date") == [D(2024, 1, 1), D(2024, 1, 2)]
    assert col(ds, "marketing", "cost") == [1234.56, 98.1]
    assert col(ds, "marketing", "impressions") == [12000.0, 3400.0]
    assert col(ds, "marketing", "clicks") == [150.0, 40.0]
    assert col(ds, "marketing", "campaign") == ["Brand", "Generic"]
    assert ds.currency == "USD"


def test_cp1250_polish():
    text = ("Data;Klient;Wartość netto;Handlowiec\n"
            "05.01.2024;Łódź Sp. z o.o.;1 234,56 zł;Paweł Żak\n"
            "13.01.2024;Zakład Świętokrzyski;250,00 zł;Małgorzata Łęcka\n")
    ds, rep = run(("sprzedaz.csv", text.encode("cp1250")))
    src = rep["sources"][0]
    assert (src["encoding"], src["delimiter"], src["header_row"]) == ("cp1250", ";", 1)
    assert fields(src) == {"Data": "order_date", "Klient": "customer_id",
                           "Wartość netto": "revenue", "Handlowiec": "rep"}
    assert col(ds, "orders", "customer_id") == ["Łódź Sp. z o.o.", "Zakład Świętokrzyski"]
    assert col(ds, "orders", "rep") == ["Paweł Żak", "Małgorzata Łęcka"]
    assert col(ds, "orders", "revenue") == [1234.56, 250.0]
    assert col(ds, "orders", "order_date") == [D(2024, 1, 5), D(2024, 1, 13)]
    assert ds.currency == "PLN"


def test_cp1251_russian():
    text = ("Дата;Номер заказа;Клиент;Сумма;Статус\n"
            "01.02.2024;1001;Иванов Пётр;1 234,56;Выполнен\n"
            "15.02.2024;1002;ООО «Ромашка»;99,00;Возврат\n"
            "29.02.2024;1003;Сидоров;500,00;Выполнен\n")
    ds, rep = run(("заказы.csv", text.encode("cp1251")))
    src = rep["sources"][0]
    assert (src["encoding"], src["delimiter"], src["header_row"]) == ("cp1251", ";", 1)
    assert fields(src) == {"Дата": "order_date", "Номер заказа": "order_id",
                           "Клиент": "customer_id", "Сумма": "revenue", "Статус": "status"}
    assert src["rows_used"] == 2 and aside(ds) == [(3, "cancelled")]
    assert col(ds, "orders", "order_id") == ["1001", "1003"]
    assert col(ds, "orders", "customer_id") == ["Иванов Пётр", "Сидоров"]
    assert col(ds, "orders", "revenue") == [1234.56, 500.0]
    assert col(ds, "orders", "order_date") == [D(2024, 2, 1), D(2024, 2, 29)]
    assert ds.currency is None


def test_iso_8859_1_swedish():
    text = ("Orderdatum;Kund;Belopp;Säljare\n"
            "2024-03-01;Åsa Öberg;1 500,00 kr;Björn Ängström\n"
            "2024-03-02;Per Ström;750,50 kr;Åsa Öberg\n")
    ds, rep = run(("försäljning.csv", text.encode("latin-1")))
    src = rep["sources"][0]
    assert (src["encoding"], src["delimiter"], src["header_row"]) == ("iso-8859-1", ";", 1)
    assert fields(src) == {"Orderdatum": "order_date", "Kund": "customer_id",
                           "Belopp": "revenue", "Säljare": "rep"}
    assert col(ds, "orders", "customer_id") == ["Åsa Öberg", "Per Ström"]
    assert col(ds, "orders", "rep") == ["Björn Ängström", "Åsa Öberg"]
    assert col(ds, "orders", "revenue") == [1500.0, 750.5]
    assert ds.currency == "SEK"


def test_cp1252_with_euro_sign():
    text = ("Datum;Kunde;Betrag;Verkäufer\n"
            "01.03.2024;Müller GmbH;1.250,00 €;Jürgen Groß\n"
            "02.03.2024;Bäckerei Schön;80,00 €;Jürgen Groß\n")
    ds, rep = run(("umsatz.csv", text.encode("cp1252")))
    src = rep["sources"][0]
    assert (src["encoding"], src["delimiter"], src["header_row"]) == ("cp1252", ";", 1)
    assert src["table"] == "orders"
    assert fields(src) == {"Datum": "order_date", "Kunde": "customer_id", "Betrag": "revenue",
                           "Verkäufer": "rep"}
    assert col(ds, "orders", "customer_id") == ["Müller GmbH", "Bäckerei Schön"]
    assert col(ds, "orders", "rep") == ["Jürgen Groß", "Jürgen Groß"]
    assert col(ds, "orders", "revenue") == [1250.0, 80.0]
    assert col(ds, "orders", "order_date") == [D(2024, 3, 1), D(2024, 3, 2)]
    assert ds.currency == "EUR"


def test_iso_8859_1_spanish_salesforce_deals():
    text = ("Opportunity ID,Stage,Amount,Created Date,Account Name\n"
            "006A,Negociación,100,2024-01-02,Diseño Ibérico\n"
            "006B,Propuesta económica,200,2024-01-03,Peña y Núñez\n")
    ds, rep = run(("Oportunidades.csv", text.encode("latin-1")))
    src = rep["sources"][0]
    assert (src["encoding"], src["delimiter"], src["header_row"]) == ("iso-8859-1", ",", 1)
    assert src["table"] == "deals"
    assert fields(src) == {"Opportunity ID": "deal_id", "Stage": "stage", "Amount": "amount",
                           "Created Date": "created_date", "Account Name": "customer_id"}
    assert col(ds, "deals", "stage") == ["Negociación", "Propuesta económica"]
    assert col(ds, "deals", "customer_id") == ["Diseño Ibérico", "Peña y Núñez"]
    assert col(ds, "deals", "status") == ["open", "open"]
    assert col(ds, "deals", "amount") == [100.0, 200.0]


def test_mixed_encoding_bad_byte_is_reported_not_fatal():
    data = ("Order ID,Order Date,Customer,Total\nA-1,2024-01-01,Zoë,10\n".encode()
            + b"A-2,2024-01-02,Jos\xe9,20\n")
    ds, rep = run(("mixed.csv", data))
    src = rep["sources"][0]
    assert src["encoding"] == "utf-8" and src["rows_used"] == 2
    assert col(ds, "orders", "customer_id") == ["Zoë", "Jos\ufffd"]
    assert col(ds, "orders", "revenue") == [10.0, 20.0]
    bad = [p for p in rep["problems"] if "could not be decoded" in p["message"]]
    assert [p["file"] for p in bad] == ["mixed.csv"]


# ---------------------------------------------------------------------------------------------
# delimiters and quoting


@pytest.mark.parametrize("delim", [",", ";", "\t", "|"])
def test_delimiter(delim):
    rows = [["Order ID", "Order Date", "Customer", "Total"],
            ["A-1", "2024-01-01", "Smith", "10.5"],
            ["A-2", "2024-01-02", "Jones", "20"],
            ["A-3", "2024-01-03", "Brown", "30.25"]]
    text = "".join(delim.join(r) + "\n" for r in rows)
    ds, rep = run(("d.txt", text.encode()))
    src = rep["sources"][0]
    assert (src["delimiter"], src["header_row"], src["table"]) == (delim, 1, "orders")
    assert col(ds, "orders", "customer_id") == ["Smith", "Jones", "Brown"]
    assert col(ds, "orders", "revenue") == [10.5, 20.0, 30.25]


def quoted(d: str) -> str:
    return (
        f"Order ID{d}Order Date{d}Customer{d}Note{d}Total\n"  # 1
        f'A-1{d}2024-01-01{d}"Smith, John"{d}"line one\nline two; a, b | c\td"{d}10.50\n'  # 2-3
        f'A-2{d}2024-01-02{d}"Doe; Jane"{d}""{d}20\n'  # 4
        f'A-3{d}2024-01-03{d}"O""Brien | Co"{d}"a\n\nb"{d}30\n'  # 5-7
        f"A-4{d}2024-01-04{d}Lee{d}{d}40\n"  # 8
    )


@pytest.mark.parametrize("delim", [",", ";", "\t", "|"])
def test_quoted_multiline_fields_and_quoted_delimiters(delim):
    ds, rep = run(("q.csv", quoted(delim).encode()))
    src = rep["sources"][0]
    assert (src["delimiter"], src["header_row"]) == (delim, 1)
    assert src["rows_read"] == 4 and src["rows_used"] == 4 and src["rows_set_aside"] == {}
    assert fields(src)["Note"] is None
    assert col(ds, "orders", "_line") == [2, 4, 5, 8]
    assert col(ds, "orders", "customer_id") == ["Smith, John", "Doe; Jane", 'O"Brien | Co', "Lee"]
    assert col(ds, "orders", "revenue") == [10.5, 20.0, 30.0, 40.0]
    note = ds.sources[0].raw.cells["c3"].to_list()
    assert note == ["line one\nline two; a, b | c\td", "", "a\n\nb", ""]


def test_chinese_headers_yuan_and_cancelled():
    text = ("订单号,订单日期,客户,金额,状态\n"
            'A1,2024年3月15日,张三,"¥1,234.00",已完成\n'
            "A2,2024年3月16日,李四,¥99.00,已取消\n"
            "A3,2024-03-17,王五,￥10.50,已完成\n")
    ds, rep = run(("订单.csv", text.encode()))
    src = rep["sources"][0]
    assert fields(src) == {"订单号": "order_id", "订单日期": "order_date", "客户": "customer_id",
                           "金额": "revenue", "状态": "status"}
    assert aside(ds) == [(3, "cancelled")]
    assert col(ds, "orders", "order_date") == [D(2024, 3, 15), D(2024, 3, 17)]
    assert col(ds, "orders", "revenue") == [1234.0, 10.5]
    assert col(ds, "orders", "customer_id") == ["张三", "王五"]
    assert ds.currency == "CNY"


# ---------------------------------------------------------------------------------------------
# header not on row 1


def test_title_date_range_and_empty_line_before_header():
    text = ("Campaign report\n"
            "2024-10-01 - 2024-10-30\n"
            "\n"
            "Campaign name,Reporting starts,Amount spent (USD),Impressions,Link clicks\n"
            "Spring sale,2024-10-01,12.50,1000,20\n"
            "Retargeting,2024-10-02,7.25,400,9\n")
    ds, rep = run(("meta.csv", text.encode()))
    src = rep["sources"][0]
    assert src["header_row"] == 4 and src["table"] == "marketing"
    assert fields(src) == {"Campaign name": "campaign", "Reporting starts": "date",
                           "Amount spent (USD)": "cost", "Impressions": "impressions",
                           "Link clicks": "clicks"}
    assert src["rows_read"] == 2 and src["rows_set_aside"] == {}
    assert col(ds, "marketing", "_line") == [5, 6]
    assert col(ds, "marketing", "date") == [D(2024, 10, 1), D(2024, 10, 2)]
    assert col(ds, "marketing", "cost") == [12.5, 7.25]
    assert col(ds, "marketing", "clicks") == [20.0, 9.0]
    assert ds.currency == "USD"


def test_excel_sep_hint_line_before_the_header():
    text = "sep=;\nOrder ID;Order Date;Total\n1;2024-01-01;12,5\n2;2024-01-02;3\n"
    ds, rep = run(("excel.csv", text.encode()))
    src = rep["sources"][0]
    assert (src["delimiter"], src["header_row"], src["rows_read"]) == (";", 2, 2)
    assert col(ds, "orders", "revenue") == [12.5, 3.0]
    assert col(ds, "orders", "_line") == [3, 4]


def test_ga4_comment_preamble():
    text = ("# ----------------------------------------\n"  # 1
            "# Traffic acquisition: Session source / medium\n"  # 2
            "# Account: Shop\n"  # 3
            "# Property: Shop GA4\n"  # 4
            "# ----------------------------------------\n"  # 5
            "#\n"  # 6
            "# Start date: 20240101\n"  # 7
            "# End date: 20240131\n"  # 8
            "Date,Campaign,Sessions,Total users,Cost\n"  # 9
            "20240101,spring,120,100,35.20\n"  # 10
            "20240102,spring,80,70,20.00\n")  # 11
    ds, rep = run(("ga4.csv", text.encode()))
    src = rep["sources"][0]
    assert src["header_row"] == 9 and src["table"] == "marketing"
    assert fields(src) == {"Date": "date", "Campaign": "campaign", "Sessions": "sessions",
                           "Total users": "visitors", "Cost": "cost"}
    assert col(ds, "marketing", "_line") == [10, 11]
    assert col(ds, "marketing", "date") == [D(2024, 1, 1), D(2024, 1, 2)]  # yyyymmdd
    assert col(ds, "marketing", "sessions") == [120.0, 80.0]
    assert col(ds, "marketing", "visitors") == [100.0, 70.0]
    assert col(ds, "marketing", "cost") == [35.2, 20.0]


def test_workbook_whose_first_sheet_is_a_summary():
    def build(wb):
        ws = wb.active
        ws.title = "Summary"
        ws["A1"] = "Sales summary 2024"
        ws["A2"] = "Prepared by: Anna"
        ws["A3"] = "All amounts in EUR"
        ws["A5"] = "See the Data sheet for every order."
        data = wb.create_sheet("Data")
        data["A1"] = "Orders export"
        data.append([])
        data.append(["Order ID", "Order Date", "Customer", "Net sales"])  # row 3
        data.append(["SO-1", dt.datetime(2024, 1, 31, 10, 30), "ACME", 120.5])
        data.append(["SO-2", dt.date(2024, 2, 1), "Beta", 80])
        data.append(["SO-3", dt.datetime(2024, 2, 2), "ACME", 19.5])

    ds, rep = run(("book.xlsx", xlsx(build)))
    summary, data = rep["sources"]
    assert (summary["sheet"], summary["table"], summary["rows_read"]) == ("Summary", None, 0)
    assert summary["header_row"] is None and summary["reason"]
    assert (data["sheet"], data["table"], data["header_row"]) == ("Data", "orders", 3)
    assert data["encoding"] is None and data["delimiter"] is None
    assert fields(data) == {"Order ID": "order_id", "Order Date": "order_date",
                            "Customer": "customer_id", "Net sales": "revenue"}
    assert data["rows_read"] == 3 and data["rows_used"] == 3
    assert col(ds, "orders", "_line") == [4, 5, 6]
    assert col(ds, "orders", "_sheet") == ["Data"] * 3
    assert col(ds, "orders", "order_date") == [D(2024, 1, 31, 10, 30), D(2024, 2, 1),
                                               D(2024, 2, 2)]
    assert col(ds, "orders", "revenue") == [120.5, 80.0, 19.5]


def test_crlf_line_endings_with_a_title_and_a_multiline_field():
    text = ("Orders 2024\r\n"  # 1
            "Order ID,Order Date,Note,Total\r\n"  # 2
            'A-1,2024-01-01,"first\r\nsecond",10\r\n'  # 3-4
            "A-2,2024-01-02,,20\r\n"  # 5
            "\r\n")
    ds, rep = run(("crlf.csv", text.encode()))
    src = rep["sources"][0]
    assert src["header_row"] == 2 and src["rows_read"] == 2
    assert col(ds, "orders", "_line") == [3, 5]
    assert col(ds, "orders", "revenue") == [10.0, 20.0]
    assert ds.sources[0].raw.cells["c2"][0].splitlines() == ["first", "second"]


def test_sheet_starting_below_empty_rows_keeps_real_row_numbers():
    def build(wb):
        ws = wb.active
        ws.title = "Export"
        ws["B2"] = "Pipeline export"  # rows 1 and 3 empty, column A empty
        ws["B4"], ws["C4"], ws["D4"] = "Deal ID", "Create Date", "Amount"  # header: row 4
        ws["B5"], ws["C5"], ws["D5"] = "D1", dt.date(2024, 5, 1), 1000
        ws["B6"], ws["C6"], ws["D6"] = "D2", dt.date(2024, 5, 2), 2500.5
        ws["B8"], ws["C8"], ws["D8"] = "D3", dt.date(2024, 5, 3), 300  # row 7 empty

    ds, rep = run(("pipeline.xlsx", xlsx(build)))
    (src,) = rep["sources"]
    assert (src["sheet"], src["table"], src["header_row"]) == ("Export", "deals", 4)
    assert fields(src)["Deal ID"] == "deal_id" and fields(src)["Amount"] == "amount"
    assert src["rows_read"] == 4 and src["rows_set_aside"] == {"blank": 1}
    assert aside(ds) == [(7, "blank")]
    assert col(ds, "deals", "_line") == [5, 6, 8]
    assert col(ds, "deals", "deal_id") == ["D1", "D2", "D3"]
    assert col(ds, "deals", "amount") == [1000.0, 2500.5, 300.0]
    assert col(ds, "deals", "created_date") == [D(2024, 5, 1), D(2024, 5, 2), D(2024, 5, 3)]


# ---------------------------------------------------------------------------------------------
# junk rows

JUNK = (
    "Order ID,Order Date,Customer,Total\n"  # 1 header
    "Grand total,,,60.00\n"  # 2 totals (at the top)
    "A-1,2024-01-01,Ann,10.00\n"  # 3
    ",,,\n"  # 4 blank
    "\n"  # 5 blank
    "A-2,2024-01-02,Bob,20.00\n"  # 6
    "Order ID,Order Date,Customer,Total\n"  # 7 repeated_header (pages glued together)
    "A-3,2024-01-03,Cy,30.00\n"  # 8
    '""\n'  # 9 blank (a line holding only "")
    "Total:,,,60.00\n"  # 10 totals
    "\n\n"  # trailing line endings: not rows
)


def test_junk_rows_are_set_aside_with_their_reasons():
    ds, rep = run(("junk.csv", JUNK.encode()))
    src = rep["sources"][0]
    assert src["header_row"] == 1 and src["rows_read"] == 9 and src["rows_used"] == 3
    assert src["rows_set_aside"] == {"blank": 3, "repeated_header": 1, "totals": 2}
    assert aside(ds) == [(2, "totals"), (4, "blank"), (5, "blank"), (7, "repeated_header"),
                         (9, "blank"), (10, "totals")]
    assert col(ds, "orders", "order_id") == ["A-1", "A-2", "A-3"]
    assert col(ds, "orders", "revenue") == [10.0, 20.0, 30.0]
    assert col(ds, "orders", "_line") == [3, 6, 8]


FOOTER = (
    "Order ID,Order Date,Customer,Total\n"  # 1
    "A-1,2024-01-01,Ann,10.00\n"  # 2
    "A-2,2024-01-02,Bob,20.00\n"  # 3
    "\n"  # 4 blank
    "No data available.\n"  # 5 footer: text in one cell only, after the data
    "Generated by ShopX on 2024-01-05 10:00\n"  # 6 footer
)


def test_footer_lines_after_the_data_of_a_csv():
    ds, rep = run(("footer.csv", FOOTER.encode()))
    src = rep["sources"][0]
    assert src["rows_read"] == 5 and src["rows_used"] == 2
    assert src["rows_set_aside"] == {"blank": 1, "footer": 2}
    assert aside(ds) == [(4, "blank"), (5, "footer"), (6, "footer")]
    assert "Generated by ShopX" in ds.set_aside().filter(pl.col("line") == 6)["values"][0]


def test_footer_lines_after_the_data_of_a_sheet():
    def build(wb):
        ws = wb.active
        ws.title = "Orders"
        ws.append(["Order ID", "Order Date", "Customer", "Total"])  # 1
        ws.append(["A-1", "2024-01-01", "Ann", 10])  # 2
        ws.append(["A-2", "2024-01-02", "Bob", 20])  # 3
        ws.append([])  # 4 blank
        ws.append(["No data available."])  # 5 footer
        ws.append(["Generated by ShopX on 2024-01-05 10:00"])  # 6 footer

    ds, rep = run(("footer.xlsx", xlsx(build)))
    src = rep["sources"][0]
    assert src["rows_read"] == 5 and src["rows_used"] == 2
    assert src["rows_set_aside"] == {"blank": 1, "footer": 2}
    assert aside(ds) == [(4, "blank"), (5, "footer"), (6, "footer")]
    assert col(ds, "orders", "revenue") == [10.0, 20.0]


@pytest.mark.parametrize(
    "row", ["Total:,,,30.50", "Razem,,,30.50", "Итого,,,30.50", "Summa,,,30.50", "合计,,,30.50",
            "Gesamt,,,30.50", ",,Итого:,30.50", "  TOTAL  ,,,30.50"],
)
def test_totals_row_at_the_bottom(row):
    text = ("Order ID,Order Date,Customer,Total\n"
            "A-1,2024-01-01,Ann,10.00\n"
            "A-2,2024-01-02,Bob,20.50\n"
            f"{row}\n")
    ds, rep = run(("t.csv", text.encode()))
    src = rep["sources"][0]
    assert src["rows_used"] == 2 and src["rows_set_aside"] == {"totals": 1}
    assert aside(ds) == [(4, "totals")]
    assert col(ds, "orders", "revenue") == [10.0, 20.5]


def test_names_that_start_like_a_total_word_are_data():
    text = ("Product,Order Date,Total\n"
            "Total Gym XLS,2024-01-01,10\n"
            "Suma Sp. z o.o.,2024-01-02,20\n"
            "Summary pack,2024-01-03,5\n")
    ds, rep = run(("products.csv", text.encode()))
    assert rep["sources"][0]["rows_used"] == 3
    assert col(ds, "orders", "product") == ["Total Gym XLS", "Suma Sp. z o.o.", "Summary pack"]


def test_unlabelled_grand_total_at_the_top():
    text = ("Order ID,Order Date,Quantity,Total\n"
            ",,10,100.00\n"  # 2: the sums of the rows below, no label, no date
            "A-1,2024-01-01,1,10.00\n"
            "A-2,2024-01-02,2,20.00\n"
            "A-3,2024-01-03,3,30.00\n"
            "A-4,2024-01-04,4,40.00\n")
    ds, rep = run(("top.csv", text.encode()))
    assert rep["sources"][0]["rows_set_aside"] == {"totals": 1}  # totals before bad_date
    assert aside(ds) == [(2, "totals")]
    assert col(ds, "orders", "quantity") == [1.0, 2.0, 3.0, 4.0]
    assert col(ds, "orders", "revenue") == [10.0, 20.0, 30.0, 40.0]


# ---------------------------------------------------------------------------------------------
# Shopify line items

SHOPIFY = (
    "Name,Email,Financial Status,Currency,Subtotal,Total,Created at,Lineitem quantity,"
    "Lineitem name,Lineitem price,Lineitem discount\n"
    "#1001,ann@shop.com,paid,EUR,95.00,100.00,2024-02-01 09:58:12 +0100,2,Mug,30.00,5.00\n"  # 2
    "#1001,,,,,,2024-02-01 09:58:12 +0100,1,Tea,40.00,0.00\n"  # 3
    "#1002,bob@shop.com,voided,EUR,50.00,55.00,2024-02-02 12:00:00 +0100,1,Mug,20.00,0.00\n"  # 4
    "#1002,,,,,,2024-02-02 12:00:00 +0100,3,Spoon,10.00,0.00\n"  # 5
    "#1003,cy@shop.com,partially_refunded,EUR,50.00,50.00,2024-02-03 23:30:00 +0100,1,Pot,"
    "50.00,0.00\n"  # 6
    "#1004,di@shop.com,refunded,EUR,25.00,25.00,2024-02-04 08:00:00 +0100,1,Tea,20.00,0.00\n"  # 7
    "#1004,,,,,,2024-02-04 08:00:00 +0100,1,Cup,5.00,0.00\n"  # 8
)


def test_shopify_order_level_fields_and_line_revenue():
    ds, rep = run(("orders_export.csv", SHOPIFY.encode()))
    src = rep["sources"][0]
    assert src["table"] == "orders" and src["header_row"] == 1
    cols = fields(src)
    assert cols["Name"] == "order_id" and cols["Email"] == "customer_id"
    assert cols["Financial Status"] == "status" and cols["Currency"] == "currency"
    assert cols["Subtotal"] == "revenue" and cols["Created at"] == "order_date"
    assert cols["Lineitem quantity"] == "quantity" and cols["Lineitem price"] == "unit_price"
    assert cols["Lineitem discount"] == "discount" and cols["Lineitem name"] == "product"
    assert src["rows_read"] == 7 and src["rows_used"] == 3
    # the voided and the refunded order: every line, also those without a status of their own
    assert aside(ds) == [(4, "cancelled"), (5, "cancelled"), (7, "cancelled"), (8, "cancelled")]
    assert col(ds, "orders", "_line") == [2, 3, 6]
    assert col(ds, "orders", "order_id") == ["#1001", "#1001", "#1003"]
    assert col(ds, "orders", "revenue") == [55.0, 40.0, 50.0]  # 2 × 30 − 5, 1 × 40, 1 × 50
    assert col(ds, "orders", "customer_id") == ["ann@shop.com", "ann@shop.com", "cy@shop.com"]
    assert col(ds, "orders", "status") == ["paid", "paid", "partially_refunded"]
    assert col(ds, "orders", "currency") == ["EUR", "EUR", "EUR"]
    assert col(ds, "orders", "product") == ["Mug", "Tea", "Pot"]
    assert col(ds, "orders", "order_date") == [D(2024, 2, 1, 9, 58, 12), D(2024, 2, 1, 9, 58, 12),
                                               D(2024, 2, 3, 23, 30)]
    assert ds.currency == "EUR"


def test_shopify_paid_at_on_first_line_only_is_not_the_order_date():
    text = ("Name,Email,Financial Status,Paid at,Subtotal,Created at,Lineitem quantity,"
            "Lineitem price,Lineitem discount\n"
            "#1,a@x.com,paid,2024-03-02 10:00:00 +0100,30.00,2024-03-01 22:00:00 +0100,1,10.00,0\n"
            "#1,,,,,2024-03-01 22:00:00 +0100,2,10.00,0\n")
    ds, rep = run(("orders_export_1.csv", text.encode()))
    src = rep["sources"][0]
    assert fields(src)["Created at"] == "order_date"
    assert src["rows_used"] == 2 and src["rows_set_aside"] == {}
    assert col(ds, "orders", "order_date") == [D(2024, 3, 1, 22), D(2024, 3, 1, 22)]
    assert col(ds, "orders", "revenue") == [10.0, 20.0]
    assert col(ds, "orders", "status") == ["paid", "paid"]


# ---------------------------------------------------------------------------------------------
# numbers


@pytest.mark.parametrize(
    ("cell", "value", "currency"),
    [
        ("1 234,56 zł", 1234.56, "PLN"),
        ("1.234,56 €", 1234.56, "EUR"),
        ("$1,234.56", 1234.56, "USD"),
        ("97\xa0320,00", 97320.0, None),
        ("(123.00)", -123.0, None),
        ("2.88331E+11", 288331000000.0, None),
        ("123-", -123.0, None),
        ("1'234.50", 1234.5, None),
        ("1.234.567", 1234567.0, None),
        ("PLN 50,00", 50.0, "PLN"),
    ],
)
def test_money_cell_forms(cell, value, currency):
    text = f"Order ID;Order Date;Total\nA-1;2024-01-01;{cell}\nA-2;2024-01-02;7\n"
    ds, rep = run(("n.csv", text.encode()))
    assert rep["sources"][0]["rows_used"] == 2
    assert col(ds, "orders", "revenue") == pytest.approx([value, 7.0])
    assert ds.currency == currency


def test_empty_markers_and_symbol_money_in_marketing():
    text = ("Date,Campaign,Cost,Clicks,Conversions\n"
            '2024-01-01,A,"$1,234.56",--,-\n'
            "2024-01-02,B,$0.99,15,2\n")
    ds, rep = run(("ads.csv", text.encode()))
    src = rep["sources"][0]
    assert src["table"] == "marketing" and src["rows_used"] == 2
    assert col(ds, "marketing", "cost") == [1234.56, 0.99]
    assert col(ds, "marketing", "clicks") == [None, 15.0]
    assert col(ds, "marketing", "conversions") == [None, 2.0]
    assert ds.currency == "USD"


def test_rates_percent_less_than_and_dashes():
    text = ("Order ID,Order Date,Quantity,Unit Price,Discount %\n"
            "A-1,2024-01-01,2,50.00,1.16%\n"
            "A-2,2024-01-02,1,100.00,< 10%\n"
            "A-3,2024-01-03,4,25.00,--\n"
            "A-4,2024-01-04,1,10.00,-\n"
            "A-5,2024-01-05,3,10.00,20\n")
    ds, rep = run(("rates.csv", text.encode()))
    src = rep["sources"][0]
    assert fields(src)["Discount %"] == "discount_rate" and src["missing_required"] == []
    assert col(ds, "orders", "discount_rate") == pytest.approx([0.0116, 0.1, None, None, 0.2])
    assert col(ds, "orders", "discount") == pytest.approx([1.16, 10.0, None, None, 6.0])
    # revenue = quantity × unit price − discount (empty discount = 0)
    assert col(ds, "orders", "revenue") == pytest.approx([98.84, 90.0, 100.0, 10.0, 24.0])


def test_ids_apostrophes_zero_padding_and_scientific():
    text = ("Order ID;Order Date;Customer ID;Total\n"
            "'4001;2024-01-01;001462414;10\n"
            "'4002;2024-01-02;2.88331E+11;20\n"
            "4003;2024-01-03;'000123;30\n")
    ds, _ = run(("ids.csv", text.encode()))
    assert col(ds, "orders", "order_id") == ["4001", "4002", "4003"]
    assert col(ds, "orders", "customer_id") == ["001462414", "2.88331E+11", "000123"]


def test_decimal_comma_column_next_to_decimal_dot_column():
    text = ("Nr zamówienia;Data;Wartość netto;Koszt\n"
            "Z1;2024-01-02;12,50;3.75\n"
            "Z2;2024-01-03;99,99;12.50\n"
            "Z3;2024-01-04;1.234;1,234\n")  # the same glyphs, thousands in both columns
    ds, rep = run(("mix.csv", text.encode()))
    assert fields(rep["sources"][0])["Koszt"] == "cost"
    assert col(ds, "orders", "revenue") == [12.5, 99.99, 1234.0]
    assert col(ds, "orders", "cost") == [3.75, 12.5, 1234.0]


# ---------------------------------------------------------------------------------------------
# dates

LEAD_DATES = (
    "Lead ID;Created Date;First Response Date;Opportunity Date;Converted Date;Qualified Date\n"
    "L1;13.01.2024;1/13/24 9:05;20/01/2024;03/04/2024;03.04.2024\n"
    "L2;05.02.2024;2/5/24 14:30;05/02/2024;04/05/2024;04.05.2024\n"
)


def test_day_and_month_order_decided_per_column():
    ds, rep = run(("leads.csv", LEAD_DATES.encode()))
    src = rep["sources"][0]
    assert src["table"] == "leads"
    assert fields(src) == {"Lead ID": "lead_id", "Created Date": "created_date",
                           "First Response Date": "first_response_date",
                           "Opportunity Date": "opportunity_date",
                           "Converted Date": "converted_date", "Qualified Date": "qualified_date"}
    # dd.mm.yyyy (a day above 12 appears)
    assert col(ds, "leads", "created_date") == [D(2024, 1, 13), D(2024, 2, 5)]
    # m/d/yy with times (a day above 12 in the second place)
    assert col(ds, "leads", "first_response_date") == [D(2024, 1, 13, 9, 5), D(2024, 2, 5, 14, 30)]
    # d/m/yyyy: "/" but a day above 12 in the first place decides day-first for the column
    assert col(ds, "leads", "opportunity_date") == [Day(2024, 1, 20), Day(2024, 2, 5)]


def test_ambiguous_day_month_follows_the_separator_and_is_mentioned():
    ds, _ = run(("leads.csv", LEAD_DATES.encode()))
    # every part <= 12: "/" month first, "." day first, the same for every row of the column
    assert col(ds, "leads", "converted_date") == [Day(2024, 3, 4), Day(2024, 4, 5)]
    assert col(ds, "leads", "qualified_date") == [Day(2024, 4, 3), Day(2024, 5, 4)]
    # README: "the upload shows a warning naming the column"
    warned = [p.message for p in ds.problems if p.file == "leads.csv"]
    assert any("Converted Date" in m for m in warned)
    assert any("Qualified Date" in m for m in warned)
    assert not any("Opportunity Date" in m or "Created Date" in m for m in warned)


def test_datetimes_with_offsets_microseconds_and_zulu():
    text = ("Order ID,Created at,Total\n"
            "1,2021-05-13 11:01:13 +0200,10\n"
            "2,2021-05-13T23:59:59.123456+02:00,20\n"
            "3,2024-02-29 00:00:00.5 -0500,30\n"
            "4,2024-03-01T08:00:00Z,40\n")
    ds, rep = run(("dt.csv", text.encode()))
    assert fields(rep["sources"][0])["Created at"] == "order_date"
    assert col(ds, "orders", "order_date") == [
        D(2021, 5, 13, 11, 1, 13),  # offset dropped, wall clock kept
        D(2021, 5, 13, 23, 59, 59, 123456),
        D(2024, 2, 29, 0, 0, 0, 500000),
        D(2024, 3, 1, 8, 0),
    ]


def test_excel_serial_numbers_in_a_plain_number_column():
    def build(wb):
        ws = wb.active
        ws.title = "Orders"
        ws.append(["Order ID", "Order Date", "Total"])
        ws.append(["A", 45292, 10])  # 2024-01-01, a number without a date format
        ws.append(["B", 45322.75, 20])  # 2024-01-31 18:00
        ws.append(["C", 45351, 30])  # 2024-02-29

    ds, rep = run(("serial.xlsx", xlsx(build)))
    src = rep["sources"][0]
    assert (src["sheet"], src["header_row"], src["table"]) == ("Orders", 1, "orders")
    assert fields(src)["Order Date"] == "order_date"
    assert col(ds, "orders", "order_date") == [D(2024, 1, 1), D(2024, 1, 31, 18), D(2024, 2, 29)]
    assert col(ds, "orders", "_line") == [2, 3, 4]


def test_month_names_in_a_marketing_sheet():
    def build(wb):
        ws = wb.active
        ws.title = "Marknadsföring"
        ws.append(["Månad", "Kanal", "Kostnad"])
        for row in (["Jan 2024", "Google", 1000], ["Февраль 2022", "Facebook", 2000],
                    ["marzec 2024", "Google", 1500], ["maj 2024", "LinkedIn", 500],
                    ["mars 2024", "Google", 700]):
            ws.append(row)

    ds, rep = run(("marknad.xlsx", xlsx(build)))
    src = rep["sources"][0]
    assert src["table"] == "marketing" and src["header_row"] == 1
    assert fields(src) == {"Månad": "date", "Kanal": "channel", "Kostnad": "cost"}
    assert src["rows_used"] == 5
    assert col(ds, "marketing", "date") == [D(2024, 1, 1), D(2022, 2, 1), D(2024, 3, 1),
                                            D(2024, 5, 1), D(2024, 3, 1)]
    assert col(ds, "marketing", "cost") == [1000.0, 2000.0, 1500.0, 500.0, 700.0]
    assert col(ds, "marketing", "channel") == ["Google", "Facebook", "Google", "LinkedIn",
                                               "Google"]


def test_date_range_gives_its_start_and_header_currency():
    text = ("Account name,Month,Platform,Impressions,Amount spent (USD),Link clicks\n"
            "A,2024-10-01 - 2024-10-30,facebook,100,10.00,5\n"
            "A,2024-09-01 - 2024-09-30,instagram,200,20.50,10\n")
    ds, rep = run(("meta.csv", text.encode()))
    src = rep["sources"][0]
    assert src["table"] == "marketing"
    assert fields(src)["Amount spent (USD)"] == "cost" and fields(src)["Month"] == "date"
    assert col(ds, "marketing", "date") == [D(2024, 10, 1), D(2024, 9, 1)]
    assert col(ds, "marketing", "cost") == [10.0, 20.5]
    assert col(ds, "marketing", "currency") == ["USD", "USD"]
    assert ds.currency == "USD"


# ---------------------------------------------------------------------------------------------
# booleans, stages, activity types, cancelled statuses


def test_booleans_in_many_languages():
    values = ["yes", "no", "tak", "nie", "да", "нет", "ja", "nej", "是", "否", "1", "0",
              "true", "false", "x", "TAK", " No "]
    lines = [f"L{i},2024-01-{i:02d},Web,{v}" for i, v in enumerate(values, start=1)]
    text = "Lead ID,Created Date,Lead Source,Converted\n" + "\n".join(lines) + "\n"
    ds, rep = run(("leads.csv", text.encode()))
    src = rep["sources"][0]
    assert src["table"] == "leads" and fields(src)["Converted"] == "converted"
    assert src["rows_used"] == len(values)
    assert col(ds, "leads", "converted") == [True, False] * 7 + [True, True, False]


def test_deal_stages_to_status_and_winnable():
    stages = [("Closed Won", ""), ("Wygrana", ""), ("Выиграна", ""), ("Vunnen", ""),
              ("赢单", ""), ("Closed Lost", "yes"), ("Przegrana", "tak"), ("Проиграна", "нет"),
              ("Förlorad", "nej"), ("Negotiation", "")]
    lines = [f"D{i},2024-01-{i:02d},{100 * i},{s},{w}" for i, (s, w) in enumerate(stages, 1)]
    text = "Deal ID,Create Date,Amount,Deal Stage,Winnable\n" + "\n".join(lines) + "\n"
    ds, rep = run(("deals.csv", text.encode()))
    src = rep["sources"][0]
    assert src["table"] == "deals"
    assert fields(src) == {"Deal ID": "deal_id", "Create Date": "created_date",
                           "Amount": "amount", "Deal Stage": "stage", "Winnable": "winnable"}
    assert col(ds, "deals", "status") == ["won"] * 5 + ["lost"] * 4 + ["open"]
    assert col(ds, "deals", "winnable") == [None] * 5 + [True, True, False, False, None]
    assert col(ds, "deals", "stage")[4] == "赢单"


def test_close_date_split_over_won_time_and_lost_time():
    text = ("Deal ID,Deal created on,Value,Stage,Won time,Lost time\n"
            "1,2024-01-01,100,Won,2024-02-01 10:00:00,\n"
            "2,2024-01-02,200,Lost,,2024-02-05 11:30:00\n"
            "3,2024-01-03,300,Proposal,,\n")
    ds, rep = run(("pipedrive_deals.csv", text.encode()))
    assert rep["sources"][0]["rows_used"] == 3
    assert col(ds, "deals", "status") == ["won", "lost", "open"]
    assert col(ds, "deals", "close_date") == [D(2024, 2, 1, 10), D(2024, 2, 5, 11, 30), None]


def test_activity_types_from_type_and_from_subject():
    rows = [
        ("1", "2024-01-02", "Telefon", "Oferta", "Anna"),
        ("2", "2024-01-02", "Звонок", "", "Ivan"),
        ("3", "2024-01-03", "Samtal", "", "Sven"),
        ("4", "2024-01-03", "电话", "", "Li"),
        ("5", "2024-01-04", "Spotkanie", "", "Anna"),
        ("6", "2024-01-04", "Möte", "", "Sven"),
        ("7", "2024-01-05", "", "Rozmowa z klientem", "Anna"),
        ("8", "2024-01-05", "", "Встреча в офисе", "Ivan"),
        ("9", "2024-01-06", "", "Wysłano e-mail z ofertą", "Anna"),
        ("10", "2024-01-06", "", "Lunch", "Sven"),
        ("11", "2024-01-07", "", "", "Li"),
    ]
    text = "Activity ID,Activity Date,Type,Subject,Owner\n" + "".join(
        ",".join(r) + "\n" for r in rows)
    ds, rep = run(("activities.csv", text.encode()))
    src = rep["sources"][0]
    assert src["table"] == "activities"
    assert fields(src) == {"Activity ID": "activity_id", "Activity Date": "activity_date",
                           "Type": "type", "Subject": "subject", "Owner": "rep"}
    assert src["rows_used"] == 11
    assert col(ds, "activities", "type") == ["call", "call", "call", "call", "meeting", "meeting",
                                             "call", "meeting", "email", "other", None]


def test_cancelled_and_refunded_order_statuses():
    statuses = ["Zrealizowane", "Anulowane", "Zwrócone", "Refunded", "Возврат", "Storniert",
                "已取消", "Refund pending", "partially_refunded", " CANCELLED "]
    lines = [f"{i};2024-01-{i:02d};{10 * i};{s}" for i, s in enumerate(statuses, 1)]
    text = "Order ID;Order Date;Total;Status\n" + "\n".join(lines) + "\n"
    ds, rep = run(("statusy.csv", text.encode()))
    src = rep["sources"][0]
    assert fields(src)["Status"] == "status"
    assert src["rows_used"] == 3 and src["rows_set_aside"] == {"cancelled": 7}
    assert aside(ds) == [(line, "cancelled") for line in (3, 4, 5, 6, 7, 8, 11)]
    assert col(ds, "orders", "status") == ["Zrealizowane", "Refund pending", "partially_refunded"]
    assert col(ds, "orders", "revenue") == [10.0, 80.0, 90.0]


# ---------------------------------------------------------------------------------------------
# upload-wide rules


def test_duplicate_deal_ids_in_a_later_file_and_other_currency():
    first = ("Deal ID,Create Date,Amount,Currency,Deal Stage\n"
             "D1,2024-01-02,100,EUR,Qualification\n"  # 2
             "D2,2024-01-03,200,EUR,Closed Won\n"  # 3
             "D3,2024-01-04,300,USD,Closed Lost\n"  # 4 other_currency
             "D4,2024-01-05,400,,Negotiation\n")  # 5 no currency: kept
    second = ("Deal ID,Create Date,Amount,Currency,Deal Stage\n"
              "D2,2024-02-01,250,EUR,Closed Won\n"  # 2 duplicate (id seen in a.csv)
              "D5,2024-02-02,500,EUR,Proposal\n"  # 3
              "D6,2024-02-04,60,USD,Proposal\n")  # 4 other_currency
    ds, rep = run(("a.csv", first.encode()), ("b.csv", second.encode()))
    a, b = rep["sources"]
    assert ds.currency == "EUR" and rep["currency"] == "EUR"
    assert a["rows_used"] == 3 and a["rows_set_aside"] == {"other_currency": 1}
    assert b["rows_used"] == 1 and b["rows_set_aside"] == {"duplicate": 1, "other_currency": 1}
    assert aside(ds, "a.csv") == [(4, "other_currency")]
    assert aside(ds, "b.csv") == [(2, "duplicate"), (4, "other_currency")]
    deals = ds.tables["deals"]
    assert deals["deal_id"].to_list() == ["D1", "D2", "D4", "D5"]
    assert deals["amount"].to_list() == [100.0, 200.0, 400.0, 500.0]
    assert deals["currency"].to_list() == ["EUR", "EUR", None, "EUR"]
    assert deals["_file"].to_list() == ["a.csv", "a.csv", "a.csv", "b.csv"]


def test_identical_order_row_in_a_later_file_is_a_duplicate():
    first = "Order ID,Order Date,Total\n1,2024-01-01,10\n1,2024-01-01,10\n2,2024-01-02,5\n"
    second = "Order ID,Order Date,Total\n1,2024-01-01,10\n3,2024-01-03,7\n"
    ds, rep = run(("jan.csv", first.encode()), ("jan_again.csv", second.encode()))
    a, b = rep["sources"]
    assert a["rows_used"] == 3 and a["rows_set_aside"] == {}  # identical rows in one file kept
    assert b["rows_used"] == 1 and b["rows_set_aside"] == {"duplicate": 1}
    assert aside(ds) == [(2, "duplicate")]
    assert ds.tables["orders"]["revenue"].to_list() == [10.0, 10.0, 5.0, 7.0]


def test_currency_from_the_money_cells_other_currency_and_rows_without_one():
    text = ("Nr zamówienia;Data;Kwota\n"
            "1;2024-01-01;100,00 zł\n"  # 2
            "2;2024-01-02;PLN 50,00\n"  # 3
            "3;2024-01-03;20,00 €\n"  # 4 other_currency
            "4;2024-01-04;30,00\n"  # 5 no currency: kept
            "5;2024-01-05;10,00 zł\n")  # 6
    ds, rep = run(("kwoty.csv", text.encode()))
    assert ds.currency == "PLN"
    assert rep["sources"][0]["rows_set_aside"] == {"other_currency": 1}
    assert aside(ds) == [(4, "other_currency")]
    assert col(ds, "orders", "revenue") == [100.0, 50.0, 30.0, 10.0]
    assert col(ds, "orders", "order_id") == ["1", "2", "4", "5"]


def test_reason_precedence_when_a_row_fits_several():
    first = ("Order ID,Order Date,Total,Currency,Status\n"
             "1,2024-01-01,10,EUR,paid\n"  # 2 used
             "2,2024-01-02,20,EUR,cancelled\n"  # 3 cancelled
             "3,,30,USD,cancelled\n"  # 4 bad_date before cancelled and other_currency
             "4,2024-01-04,40,USD,cancelled\n"  # 5 cancelled before other_currency
             "5,2024-01-05,50,EUR,paid\n")  # 6 used
    second = ("Order ID,Order Date,Total,Currency,Status\n"
              "2,2024-01-02,20,EUR,cancelled\n"  # 2 duplicate before cancelled
              "6,2024-01-06,60,USD,paid\n"  # 3 other_currency
              "Total,,60,USD,\n")  # 4 totals before bad_date and other_currency
    ds, rep = run(("p1.csv", first.encode()), ("p2.csv", second.encode()))
    assert ds.currency == "EUR"
    assert aside(ds, "p1.csv") == [(3, "cancelled"), (4, "bad_date"), (5, "cancelled")]
    assert aside(ds, "p2.csv") == [(2, "duplicate"), (3, "other_currency"), (4, "totals")]
    assert ds.tables["orders"]["order_id"].to_list() == ["1", "5"]


# ---------------------------------------------------------------------------------------------
# mapping


def test_unmapped_columns_are_kept_and_reported_with_field_null():
    text = ("Order ID,Order Date,Total,Internal note,\n"
            "A-1,2024-01-01,10,call back,x\n"
            "A-2,,20,no date here,y\n")
    ds, rep = run(("notes.csv", text.encode()))
    src = rep["sources"][0]
    assert fields(src) == {"Order ID": "order_id", "Order Date": "order_date", "Total": "revenue",
                           "Internal note": None, "Column 5": None}
    assert src["columns"]["Internal note"] == {"field": None, "confidence": 0.0}
    assert aside(ds) == [(3, "bad_date")]
    assert "no date here" in ds.set_aside()["values"][0]
    assert ds.sources[0].raw.cells["c3"].to_list() == ["call back", "no date here"]


def test_override_changes_the_mapping_without_reading_again():
    text = "Order ID,Order Date,Total,Paid\nA-1,2024-01-01,100,90\nA-2,2024-01-02,50,45\n"
    ds, rep = run(("o.csv", text.encode()))
    assert fields(rep["sources"][0])["Total"] == "revenue"
    assert col(ds, "orders", "revenue") == [100.0, 50.0]
    ds2 = ds.with_mapping(0, "orders", {"Paid": "revenue"})
    rep2 = inspect_report(ds2)
    check_accounting(ds2, rep2)
    assert ds2.sources[0].raw is ds.sources[0].raw  # the same sheet, not read again
    cols = fields(rep2["sources"][0])
    assert cols["Paid"] == "revenue" and cols["Total"] is None
    assert cols["Order ID"] == "order_id" and cols["Order Date"] == "order_date"
    assert col(ds2, "orders", "revenue") == [90.0, 45.0]
    assert col(ds, "orders", "revenue") == [100.0, 50.0]  # the first dataset is unchanged


def test_a_list_of_customers_is_not_a_table():
    text = ("Customer ID,Customer Name,Country,Segment\n"
            "C1,Acme,PL,SMB\nC2,Beta,SE,Enterprise\nC3,Gamma,DE,SMB\n")
    ds, rep = run(("customers.csv", text.encode()))
    src = rep["sources"][0]
    assert src["table"] is None and src["reason"]
    assert src["rows_read"] == 0 and src["rows_used"] == 0 and src["rows_set_aside"] == {}
    assert src["header_row"] == 1
    assert set(fields(src).values()) == {None}
    assert all(t.height == 0 for t in ds.tables.values())
    assert ds.set_aside().height == 0


# ---------------------------------------------------------------------------------------------
# files that cannot be used


def _zip_without_workbook() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "not a workbook")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("empty.csv", b""),
        ("photo.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))),
        ("invoice.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"),
        ("random.xls", random.Random(7).randbytes(4096)),
        ("archive.xlsx", _zip_without_workbook()),
    ],
)
def test_unusable_file_is_one_problem_and_the_others_still_load(name, data):
    good = "Order ID,Order Date,Total\n1,2024-01-01,10\n"
    ds, rep = run((name, data), ("good.csv", good.encode()))
    assert [p["file"] for p in rep["problems"]] == [name]
    assert name in rep["problems"][0]["message"]
    assert [(s["file"], s["table"], s["rows_used"]) for s in rep["sources"]] == [
        ("good.csv", "orders", 1)]
    assert col(ds, "orders", "revenue") == [10.0]
