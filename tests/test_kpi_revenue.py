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


# order B's lines are not consecutive and order A has lines in January and February; C has no
# customer, D no revenue; regions and channels are spelled in several cases
MESSY = b"""order_id;order_date;customer;region;channel;total
B;2024-01-05;a@x.com;North;web;10
A;2024-01-05;b@x.com;north;Web;20
B;2024-01-05;a@x.com;NORTH;web;5
A;2024-02-01;b@x.com;South;shop;7
C;2024-02-10;;North;web;3
D;2024-02-11;c@x.com;South;shop;
E;2024-02-12;B@x.com;South;shop;8
"""


def test_orders_apv_and_frequency_when_an_orders_lines_are_apart_or_in_two_periods():
    k = run([("o.csv", MESSY)], only=["orders_count", "average_purchase_value",
                                      "purchase_frequency"])
    assert k["orders_count"].value == 5  # B, A, C, D, E
    assert k["orders_count"].by_period == {"2024-01": 2, "2024-02": 4}  # A counts in both
    apv = k["average_purchase_value"]
    assert apv.value == pytest.approx(53 / 4)  # D has no revenue: B, A, C, E
    assert apv.by_period == {"2024-01": pytest.approx(35 / 2), "2024-02": pytest.approx(18 / 3)}
    freq = k["purchase_frequency"]
    assert freq.value == pytest.approx(4 / 3)  # B, A, D, E of a, b, c (C has no customer)
    assert freq.by_period == {"2024-01": pytest.approx(1.0), "2024-02": pytest.approx(3 / 2)}


def test_orders_count_when_lines_are_grouped_but_ids_unsorted():
    orders = b"""order_id;order_date;customer;total
Z;2024-01-02;a;1
Z;2024-01-02;a;2
Y;2024-01-31;b;3
Y;2024-02-01;b;4
X;2024-02-03;a;5
"""
    k = run([("o.csv", orders)], only=["orders_count", "average_purchase_value"])
    assert k["orders_count"].value == 3
    assert k["orders_count"].by_period == {"2024-01": 2, "2024-02": 2}
    assert k["average_purchase_value"].by_period["2024-02"] == pytest.approx(9 / 2)


def test_breakdowns_group_spellings_case_insensitively():
    k = run([("o.csv", MESSY)], only=["revenue", "revenue_by_region", "repeat_sales_by_channel"])
    assert k["revenue"].by == {"region": {"North": 38.0, "South": 15.0}}
    assert k["revenue_by_region"].by == {"region": {"North": 38.0, "South": 15.0}}
    assert k["revenue_by_region"].extra["share_pct"]["North"] == pytest.approx(38 / 53 * 100)
    rep = k["repeat_sales_by_channel"]
    # b@x.com (first 2024-01-05) bought again on 2024-02-01 (7) and, as B@x.com, 2024-02-12 (8)
    assert rep.value == pytest.approx(15 / 53 * 100)
    assert rep.by == {"channel": {"shop": pytest.approx(100.0), "web": pytest.approx(0.0)}}
    assert rep.by_period == {"2024-01": pytest.approx(0.0), "2024-02": pytest.approx(15 / 18 * 100)}
