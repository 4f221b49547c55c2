"""Group A (orders-based revenue KPIs): values worked out by hand on tiny uploads."""

from __future__ import annotations

import datetime as dt

import pytest

from kpi_engine.evaluate import evaluate
from kpi_engine.ingest.dataset import load
from kpi_engine.query import Query

ORDERS = b"""order_id;order_date;customer;region;channel;total
1;2024-01-05;a@x.com;North;web;100
2;2024-01-20;b@x.com;South;web;50
3;2024-02-03;A@x.com;North;shop;200
3;2024-02-03;A@x.com;North;shop;20
4;2024-03-10;c@x.com;;web;30
"""


def run(files, start=None, end=None, grain="month", only=None):
    ds = load(files)
    q = Query(start=start, end=end, grain=grain)
    return evaluate(ds.tables, q, ds.currency, only=only).kpis


def test_revenue_flow_by_period_and_by_region():
    k = run([("o.csv", ORDERS)], only=["revenue"])["revenue"]
    assert k.value == pytest.approx(400.0)
    assert k.by_period == {"2024-01": 150.0, "2024-02": 220.0, "2024-03": 30.0}
    assert k.by == {"region": {"North": 320.0, "South": 50.0, "(none)": 30.0}}
    assert k.explanation == "Σ revenue of 5 order lines = 400.00"


def test_orders_apv_and_an_empty_period():
    k = run([("o.csv", ORDERS)], start=dt.date(2024, 1, 1), end=dt.date(2024, 4, 30),
            only=["orders_count", "average_purchase_value", "revenue"])
    assert k["orders_count"].value == 4
    assert k["orders_count"].by_period["2024-04"] == 0
    assert k["average_purchase_value"].value == pytest.approx(100.0)  # 400 / 4 orders
    assert k["average_purchase_value"].by_period["2024-04"] is None
    assert k["revenue"].by_period["2024-04"] == 0.0


def test_growth_mom_and_yoy():
    k = run([("o.csv", ORDERS)], only=["sales_growth_mom", "sales_growth_yoy"])
    mom = k["sales_growth_mom"]
    assert mom.value == pytest.approx((30 - 220) / 220 * 100)
    assert mom.by_period["2024-02"] == pytest.approx((220 - 150) / 150 * 100)
    assert mom.by_period["2024-01"] is None  # December 2023 had no revenue: n/a, not infinity
    assert mom.extra == {"last_month": "2024-03"}
    assert k["sales_growth_yoy"].value is None  # nothing a year earlier


def test_revenue_by_region_shares_and_repeat_sales():
    k = run([("o.csv", ORDERS)], only=["revenue_by_region", "repeat_sales_by_channel"])
    by = k["revenue_by_region"]
    assert by.extra["share_pct"]["North"] == pytest.approx(80.0)
    rep = k["repeat_sales_by_channel"]
    # a@x.com first bought 2024-01-05; its order of 2024-02-03 (220, "A@x.com") is repeat revenue
    assert rep.value == pytest.approx(220 / 400 * 100)
    assert rep.by["channel"] == {"shop": pytest.approx(100.0), "web": pytest.approx(0.0)}


UPSELL = b"""order_id;order_date;customer;total
1;2023-11-10;c1;100
2;2023-12-15;c1;200
3;2024-03-02;c1;2000
"""


def test_worked_example_upsell_s0():
    k = run([("o.csv", UPSELL)], start=dt.date(2023, 12, 1), end=dt.date(2024, 3, 31),
            only=["expansion_revenue", "sales_growth_mom"])
    exp = k["expansion_revenue"]
    assert exp.by_period == {"2023-12": 200.0, "2024-01": 0.0, "2024-02": 0.0, "2024-03": 2000.0}
    assert exp.value == pytest.approx(2200.0)
    assert exp.extra == {"existing_customers": 1, "share_of_revenue_pct": pytest.approx(100.0)}
    # (2 000 − 200) / 200 × 100 = 900 %: the growth formula on those two months
    from kpi_engine.catalogue.revenue import _growth

    assert _growth(2000.0, 200.0) == pytest.approx(900.0)


def test_revenue_is_unavailable_without_orders():
    deals = b"Deal ID,Create Date,Amount\nD1,2024-01-02,100\nD2,2024-01-03,5\n"
    k = run([("d.csv", deals)], only=["revenue"])["revenue"]
    assert not k.available and k.value is None
    assert k.missing_fields == ("orders.revenue",)
