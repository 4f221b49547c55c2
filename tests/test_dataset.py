"""From files to canonical tables: every row used or set aside with its reason."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from kpi_engine.ingest.dataset import load
from kpi_engine.ingest.report import inspect_report


def csv(name: str, text: str, codec: str = "utf-8") -> tuple[str, bytes]:
    return name, text.encode(codec)


def report_of(*files):
    ds = load(list(files))
    return ds, inspect_report(ds)


POLISH_ORDERS = """\ufeffRaport sprzedaży;;;;;;
Okres: 01.01.2024 - 29.02.2024;;;;;;

Nr zamówienia;Data zamówienia;Klient;Produkt;Ilość;Wartość netto;Status
Z/1;05.01.2024;jan@firma.pl;Namiot;1;1 234,56 zł;Zrealizowane
Z/2;13.01.2024;ANNA@firma.pl;Śpiwór;2;199,00 zł;Anulowane
Z/3;01.02.2024;anna@firma.pl;Czołówka;3;(10,00) zł;Zrealizowane
;;;;;;
Z/4;31.02.2024;jan@firma.pl;Namiot;1;99,99 zł;Zrealizowane
Razem;;;;7;1 523,55 zł;
"""


def test_polish_orders_with_title_rows_totals_and_cancellations():
    ds, rep = report_of(csv("zamowienia.csv", POLISH_ORDERS))
    src = rep["sources"][0]
    assert src["table"] == "orders"
    assert src["header_row"] == 4
    assert src["delimiter"] == ";" and src["encoding"] == "utf-8-sig"
    assert src["rows_read"] == 6
    assert src["rows_set_aside"] == {"blank": 1, "totals": 1, "bad_date": 1, "cancelled": 1}
    assert src["rows_used"] == 2
    cols = {h: c["field"] for h, c in src["columns"].items()}
    assert cols["Wartość netto"] == "revenue" and cols["Data zamówienia"] == "order_date"
    assert cols["Nr zamówienia"] == "order_id" and cols["Klient"] == "customer_id"
    orders = ds.tables["orders"]
    assert orders["revenue"].to_list() == [1234.56, -10.0]
    assert orders["order_date"].to_list() == [dt.datetime(2024, 1, 5), dt.datetime(2024, 2, 1)]
    assert ds.currency == "PLN"
    aside = ds.set_aside()
    assert aside.height == 4
    assert aside.filter(pl.col("reason") == "bad_date")["line"].to_list() == [9]
    assert "31.02.2024" in aside.filter(pl.col("reason") == "bad_date")["values"][0]


SHOPIFY = """Name,Email,Financial Status,Currency,Subtotal,Total,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem discount
#1001,a@x.com,paid,ZAR,250.00,280.00,2021-05-13 11:01:13 +0200,1,Blanket,100.00,0.00
#1001,,,,,,2021-05-13 11:01:13 +0200,3,Bib,50.00,0.00
#1002,b@x.com,voided,ZAR,80.00,80.00,2021-05-14 09:00:00 +0200,2,Sock,40.00,0.00
#1002,,,,,,2021-05-14 09:00:00 +0200,1,Hat,10.00,10.00
#1003,c@x.com,pending,ZAR,45.00,45.00,2021-05-15 23:30:00 +0200,1,Cap,50.00,5.00
"""


def test_shopify_order_level_fields_apply_to_every_line():
    ds, rep = report_of(csv("orders_export.csv", SHOPIFY))
    src = rep["sources"][0]
    assert src["rows_set_aside"] == {"cancelled": 2}
    assert src["rows_used"] == 3
    o = ds.tables["orders"].sort("_line")
    assert o["revenue"].to_list() == [100.0, 150.0, 45.0]  # line values, never Subtotal per line
    assert o["customer_id"].to_list() == ["a@x.com", "a@x.com", "c@x.com"]
    assert o["order_date"][2] == dt.datetime(2021, 5, 15, 23, 30)  # offset dropped, wall clock
    assert o["revenue"].sum() == pytest.approx(295.0)


def test_revenue_from_quantity_and_unit_price_when_no_revenue_column():
    text = "InvoiceNo,InvoiceDate,Quantity,UnitPrice,CustomerID\n1,12/1/10 8:26,6,2.55,17850\nC2,12/13/10 9:00,-1,4.65,\n"
    ds, rep = report_of(csv("retail.csv", text))
    assert rep["sources"][0]["missing_required"] == []
    o = ds.tables["orders"]
    assert o["revenue"].to_list() == pytest.approx([15.3, -4.65])
    assert o["order_date"].to_list() == [dt.datetime(2010, 12, 1, 8, 26), dt.datetime(2010, 12, 13, 9, 0)]


def test_missing_required_column_sets_every_row_aside_and_names_candidates():
    text = "Ответственный;Торговая точка;Сумма Аксы;Кол-во Аксы\nПродавец 01;Тц Мега;153 570,00;10\nПродавец 02;Тц Мега;1 000,00;2\n"
    ds, rep = report_of(csv("Продажи.csv", text))
    src = rep["sources"][0]
    assert src["table"] == "orders"
    assert set(src["missing_required"]) == {"order_date", "revenue"}
    assert src["rows_used"] == 0 and src["rows_set_aside"] == {"missing_required_column": 2}
    msg = rep["problems"][0]["message"]
    assert msg.startswith("This looks like orders") and "Сумма Аксы" in msg
    assert "orders" not in ds.tables or ds.tables["orders"].height == 0


def test_override_maps_a_column_without_reading_again():
    text = "Ответственный;Месяц;Сумма Аксы\nПродавец 01;01.02.2022;153 570,00\nПродавец 02;01.03.2022;-1 561,00\n"
    ds = load([csv("p.csv", text)])
    assert ds.sources[0].recognition.table is None  # only the rep column is named
    ds2 = ds.with_mapping(0, "orders", {"Сумма Аксы": "revenue", "Месяц": "order_date"})
    assert ds2.sources[0].raw is ds.sources[0].raw  # the same sheet, not read again
    o = ds2.tables["orders"]
    assert o["revenue"].to_list() == [153570.0, -1561.0]
    assert o["rep"].to_list() == ["Продавец 01", "Продавец 02"]


def test_other_currency_and_duplicates_across_files():
    deals1 = "Deal ID,Create Date,Amount,Currency,Deal Stage\nD1,2024-01-02,100,EUR,Closed Won\nD2,2024-01-03,200,EUR,Negotiation\nD3,2024-01-04,300,USD,Closed Lost\n"
    deals2 = "Deal ID,Create Date,Amount,Currency,Deal Stage\nD2,2024-01-03,250,EUR,Closed Won\nD4,2024-01-05,50,EUR,Qualification\n"
    ds, rep = report_of(csv("a.csv", deals1), csv("b.csv", deals2))
    assert ds.currency == "EUR"
    a, b = rep["sources"]
    assert a["rows_set_aside"] == {"other_currency": 1} and a["rows_used"] == 2
    assert {"file": "a.csv", "message": "1 rows are in USD while most of this upload is in EUR: "
            "they are set aside, because no exchange rate is guessed. Upload the files of each "
            "currency separately to see them."} in rep["problems"]
    assert b["rows_set_aside"] == {"duplicate": 1} and b["rows_used"] == 1
    deals = ds.tables["deals"]
    assert deals["deal_id"].to_list() == ["D1", "D2", "D4"]
    assert deals["status"].to_list() == ["won", "open", "open"]


def test_identical_rows_inside_one_file_are_kept():
    text = "order_id;order_date;total\n1;2024-01-01;10\n1;2024-01-01;10\n"
    ds, rep = report_of(csv("o.csv", text))
    assert rep["sources"][0]["rows_used"] == 2


def test_unlabelled_grand_total_row_is_totals():
    text = ("Account name,Month,Platform,Impressions,Amount spent (USD),Link clicks\n"
            ",,,600,60.00,30\nA,2024-10-01 - 2024-10-30,facebook,100,10.00,5\n"
            "A,2024-10-01 - 2024-10-30,instagram,200,20.00,10\n"
            "A,2024-09-01 - 2024-09-30,facebook,300,30.00,15\n")
    ds, rep = report_of(csv("meta.csv", text))
    src = rep["sources"][0]
    assert src["table"] == "marketing"
    assert src["rows_set_aside"] == {"totals": 1}
    m = ds.tables["marketing"].sort("_line")
    assert m["date"].to_list()[0] == dt.datetime(2024, 10, 1)
    assert m["cost"].sum() == pytest.approx(60.0)
    assert ds.currency == "USD"


def test_a_file_that_cannot_be_used_does_not_stop_the_others():
    ds, rep = report_of(("photo.xlsx", b"\x89PNG\r\n\x1a\n\x00\x00"), csv("o.csv", "order_id;order_date;total\n1;2024-01-01;10\n"))
    assert rep["problems"][0] == {"file": "photo.xlsx",
                                  "message": "photo.xlsx is not a spreadsheet (it is a PNG image): upload a CSV or Excel file."}
    assert rep["sources"][0]["table"] == "orders"


def test_activity_type_from_subject_and_outcome():
    text = "Subject,ActivityDate,Type,Status\nEmail: offer,2024-01-02,,Completed\nLlamada cliente,2024-01-03,,Open\nCall back,2024-01-04,Meeting,Completed\nFollow up,,,Open\n"
    ds, rep = report_of(csv("Task.csv", text))
    src = rep["sources"][0]
    assert src["table"] == "activities"
    assert src["rows_set_aside"] == {"bad_date": 1}
    a = ds.tables["activities"]
    assert a["type"].to_list() == ["email", "call", "meeting"]
    assert a["outcome"].to_list() == ["completed", "scheduled", "completed"]


def test_hubspot_date_entered_columns_become_stage_history():
    text = ('Record ID,Create Date,Amount,Deal Stage,"Date entered ""Demo booked (Sales Pipeline)""",'
            'Date entered Closed Won\n'
            '1,2024-01-02,100,Closed Won,2024-01-05,2024-01-20\n'
            '2,2024-01-03,200,Demo booked,2024-01-04,\n'
            '3,,50,Demo booked,2024-01-06,\n')
    ds, rep = report_of(csv("hubspot.csv", text))
    assert rep["sources"][0]["rows_set_aside"] == {"bad_date": 1}
    h = ds.tables["stage_history"].sort("deal_id", "entered_date")
    assert h.select("deal_id", "stage", "entered_date").rows() == [
        ("1", "Demo booked", dt.datetime(2024, 1, 5)),
        ("1", "Closed Won", dt.datetime(2024, 1, 20)),
        ("2", "Demo booked", dt.datetime(2024, 1, 4)),
    ]


def test_ambiguous_day_month_is_reported_not_silently_decided():
    text = "order_id;order_date;total\n1;05.03.2024;10\n2;06.04.2024;20\n"
    ds, rep = report_of(csv("o.csv", text))
    assert ds.tables["orders"]["order_date"].to_list() == [dt.datetime(2024, 3, 5),
                                                           dt.datetime(2024, 4, 6)]
    assert any("cannot be told apart" in p["message"] for p in rep["problems"])
    assert any("dd.mm.yyyy" in n for n in rep["sources"][0]["notes"])


def test_day_first_decided_from_a_day_above_12():
    text = "order_id,order_date,total\n1,05/03/2024,10\n2,25/04/2024,20\n"
    ds, rep = report_of(csv("o.csv", text))
    assert ds.tables["orders"]["order_date"].to_list() == [dt.datetime(2024, 3, 5),
                                                           dt.datetime(2024, 4, 25)]
    assert not any("cannot be told apart" in p["message"] for p in rep["problems"])


def test_a_sheet_that_fails_to_clean_is_reported_and_the_rest_loads(monkeypatch):
    from kpi_engine.ingest import dataset

    real_build = dataset.build

    def flaky(raw, rec):
        if raw.file == "bad.csv":
            raise ValueError("boom")
        return real_build(raw, rec)

    monkeypatch.setattr(dataset, "build", flaky)
    good = csv("good.csv", "order_id;order_date;total\n1;2024-01-01;10\n")
    bad = csv("bad.csv", "order_id;order_date;total\n2;2024-01-02;20\n")
    ds, rep = report_of(bad, good)
    assert ds.tables["orders"]["order_id"].to_list() == ["1"]
    assert rep["sources"][0]["table"] is None
    assert "bad.csv could not be cleaned (ValueError: boom)" in rep["problems"][0]["message"]


def test_a_small_deals_file_is_deals_not_stage_history():
    text = "deal id;created date;amount;stage\nD1;2024-01-02;100;Closed Won\nD2;2024-01-03;50;Demo\nD3;2024-01-05;70;Demo\n"
    ds, rep = report_of(csv("d.csv", text))
    assert rep["sources"][0]["table"] == "deals"


def test_an_order_date_is_not_taken_as_a_subscription_start():
    text = "order_id;order_date;customer;product\n1;2024-01-02;a;Tent\n2;2024-01-03;b;Bag\n3;2024-01-04;a;Tent\n"
    ds, rep = report_of(csv("o.csv", text))
    assert rep["sources"][0]["table"] == "orders"
    assert rep["sources"][0]["missing_required"] == ["revenue"]
