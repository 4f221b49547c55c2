"""Group H (customers) and the subscription stocks of group A: values worked out by hand on
tiny uploads read through the real loader."""

from __future__ import annotations

import datetime as dt

import pytest

from kpi_engine.catalogue import load_all
from kpi_engine.evaluate import evaluate
from kpi_engine.ingest.dataset import load
from kpi_engine.query import Query, Settings

D = dt.date

# a: first purchase 2023-12-10 (before the range), then Jan, Feb (two lines), Mar 25
# b: only 2024-01-20; c: only 2024-03-10; o5 has no customer
ORDERS = b"""order_id;order_date;customer;rep;total
o1;2023-12-10;a@x.com;Anna;100
o2;2024-01-05;A@x.com;Anna;100
o3;2024-01-20;b@x.com;Ben;50
o4;2024-02-03;a@x.com;anna;200
o4;2024-02-03;a@x.com;anna;20
o5;2024-02-15;;Ben;70
o6;2024-03-10;c@x.com;Ben;30
o7;2024-03-25;a@x.com;Anna;40
"""

# k3 renews the day after its first subscription ends (no gap); k1 holds two subscriptions
SUBS = b"""subscription_id;customer_id;start_date;end_date;mrr;rep
s1;k1;2024-01-01;;100;Anna
s2;k2;2024-01-10;2024-02-15;50;Ben
s3;k3;2024-01-20;2024-01-31;30;Ben
s4;k3;2024-02-01;2024-03-31;30;Ben
s5;k4;2024-02-10;;20;Anna
s6;k1;2024-03-01;;50;Anna
"""

MARKETING_DAYS = b"""date;channel;cost
2024-01-03;fb;120
2024-02-14;fb;80
2024-03-02;google;100
"""

Q1 = {"start": D(2024, 1, 1), "end": D(2024, 3, 31)}


def run(files, start=None, end=None, grain="month", only=None, settings=None):
    ds = load(files)
    q = Query(start=start, end=end, grain=grain, settings=settings or Settings())
    return evaluate(ds.tables, q, ds.currency, only=only).kpis


def one(kpi, files, **kw):
    return run(files, only=[kpi], **kw)[kpi]


# -- new customers ----------------------------------------------------------------------------
def test_new_customers_from_orders_with_an_empty_period():
    k = one("new_customers", [("o.csv", ORDERS)], start=D(2024, 1, 1), end=D(2024, 4, 30))
    assert k.value == 2  # b (Jan) and c (Mar); a first bought in December
    assert k.by_period == {"2024-01": 1, "2024-02": 0, "2024-03": 1, "2024-04": 0}
    assert k.extra == {"source": "orders"}
    assert k.status is None
    assert k.by == {}


def test_new_customers_from_subscriptions_use_the_earliest_start():
    k = one("new_customers", [("s.csv", SUBS)], **Q1)
    assert k.value == 4
    assert k.by_period == {"2024-01": 3, "2024-02": 1, "2024-03": 0}  # k3's renewal is not new
    assert k.extra == {"source": "subscriptions"}


def test_new_customers_with_both_tables_carry_the_subscriptions_count():
    k = one("new_customers", [("o.csv", ORDERS), ("s.csv", SUBS)], **Q1)
    assert k.value == 2
    assert k.extra == {"source": "orders", "subscriptions_based": 4}


@pytest.mark.parametrize(("targets", "attainment", "status"), [
    (b"period;target;metric\n2024-01;1;new_customers\n2024-02;1;new_customers\n"
     b"2024-01;999;revenue\n", 100.0, "good"),
    (b"period;target;metric\n2024-01;2.1;new_customers\n", 2 / 2.1 * 100, "watch"),
    (b"period;target;metric\n2024-Q1;3;new_customers\n", 2 / 3 * 100, "bad"),
])
def test_new_customers_against_a_company_target(targets, attainment, status):
    k = one("new_customers", [("o.csv", ORDERS), ("t.csv", targets)], **Q1)
    target = 2 * 100 / attainment
    assert k.extra == {"source": "orders", "target": pytest.approx(target),
                       "attainment_pct": pytest.approx(attainment)}
    assert k.status == status


# -- CAC ----------------------------------------------------------------------------------------
def test_cac_with_marketing_rows_and_sales_costs():
    k = one("cac", [("o.csv", ORDERS), ("m.csv", MARKETING_DAYS)], **Q1,
            settings=Settings(sales_costs_per_month=60))
    assert k.value == pytest.approx((300 + 3 * 60) / 2)  # 2 new customers: b, c
    assert k.by_period == {"2024-01": pytest.approx(180.0), "2024-02": None,  # nobody new
                           "2024-03": pytest.approx(160.0)}
    assert k.extra == {"sales_costs_per_month": 60, "marketing_cost": pytest.approx(300.0)}
    assert k.explanation == ("(300.00 marketing cost + 180.00 sales costs) / 2 new customers "
                             "= 240.00")


def test_cac_month_rows_count_pro_rata_by_days():
    marketing = b"date;cost\n2024-01-01;310\n2024-02-01;290\n"
    k = one("cac", [("o.csv", ORDERS), ("m.csv", marketing)], start=D(2024, 1, 1),
            end=D(2024, 2, 14))
    assert k.extra == {"sales_costs_per_month": None,
                       "marketing_cost": pytest.approx(310 + 290 * 14 / 29)}
    assert k.value == pytest.approx(450.0)  # one new customer (b)
    assert k.by_period == {"2024-01": pytest.approx(310.0), "2024-02": None}


def test_cac_falls_back_to_the_marketing_costs_setting():
    k = one("cac", [("o.csv", ORDERS)], start=D(2024, 1, 1), end=D(2024, 3, 15),
            settings=Settings(marketing_costs_per_month=100))
    months = 2 + 15 / 31
    assert k.value == pytest.approx(100 * months / 2)
    assert k.extra["marketing_cost"] == pytest.approx(100 * months)
    assert "marketing_costs_per_month" in k.explanation


def test_cac_from_subscriptions_with_sales_costs_only():
    k = one("cac", [("s.csv", SUBS)], **Q1, settings=Settings(sales_costs_per_month=40))
    assert k.value == pytest.approx(3 * 40 / 4)
    assert k.extra == {"sales_costs_per_month": 40, "marketing_cost": 0.0}
    assert k.by_period["2024-03"] is None  # zero new customers: n/a, not infinity


def test_cac_unavailable_without_costs_or_customers():
    k = one("cac", [("o.csv", ORDERS)], **Q1)
    assert not k.available and k.missing_fields == ("marketing",)
    no_customer = b"order_id;order_date;total\n1;2024-01-02;10\n2;2024-01-03;20\n"
    k = one("cac", [("o.csv", no_customer)], settings=Settings(sales_costs_per_month=5))
    assert not k.available and k.missing_fields == ("orders.customer_id",)


# -- purchase frequency -----------------------------------------------------------------------
def test_purchase_frequency_ignores_orders_without_customer():
    k = one("purchase_frequency", [("o.csv", ORDERS)], start=D(2024, 1, 1), end=D(2024, 4, 30))
    assert k.value == pytest.approx(5 / 3)  # o2 o3 o4 o6 o7 / a b c
    assert k.by_period == {"2024-01": 1.0, "2024-02": 1.0, "2024-03": 1.0, "2024-04": None}
    assert k.explanation == "5 orders / 3 customers = 1.67"


def test_purchase_frequency_unavailable_without_customer_id():
    no_customer = b"order_id;order_date;total\n1;2024-01-02;10\n2;2024-01-03;20\n"
    k = one("purchase_frequency", [("o.csv", no_customer), ("s.csv", SUBS)])
    assert not k.available and k.missing_fields == ("orders.customer_id",)


# -- customer lifespan ------------------------------------------------------------------------
def test_customer_lifespan_from_orders_looks_back_to_the_first_purchase_ever():
    k = one("customer_lifespan", [("o.csv", ORDERS)], **Q1)
    assert k.value == pytest.approx(106 / 365.25)  # a: 2023-12-10 -> 2024-03-25
    assert k.extra == {"source": "orders"}
    assert k.by_period == {}
    k = one("customer_lifespan", [("o.csv", ORDERS)], start=D(2024, 1, 1), end=D(2024, 3, 20))
    assert k.value == pytest.approx(55 / 365.25)  # orders after the range end are left out


def test_customer_lifespan_of_a_single_customer_with_one_purchase_day_is_na():
    single = b"order_id;order_date;customer;total\n1;2024-01-02;z;10\n2;2024-01-02;z;20\n"
    k = run([("o.csv", single)], only=["customer_lifespan", "clv", "purchase_frequency",
                                       "customer_retention_rate", "new_customers"])
    assert k["customer_lifespan"].value is None
    assert k["clv"].value is None
    assert k["purchase_frequency"].value == 2.0
    assert k["customer_retention_rate"].value is None  # nobody at the start of 2024-01
    assert k["new_customers"].value == 1


def test_customer_lifespan_from_subscriptions_is_one_over_monthly_churn():
    k = one("customer_lifespan", [("s.csv", SUBS)], **Q1)
    # Jan: 0 at start; Feb: k2 lost of 3; Mar: 0 lost of 3 -> 1 / 6 per month
    assert k.extra == {"source": "subscriptions", "monthly_churn_pct": pytest.approx(100 / 6)}
    assert k.value == pytest.approx(6 / 12)
    k = one("customer_lifespan", [("s.csv", SUBS)], start=D(2024, 1, 1), end=D(2024, 3, 15))
    assert k.extra["monthly_churn_pct"] == pytest.approx(100 / 3)  # March is not whole
    assert k.value == pytest.approx(3 / 12)
    k = one("customer_lifespan", [("s.csv", SUBS)], start=D(2024, 1, 1), end=D(2024, 1, 31))
    assert k.value is None  # nobody was lost
    assert k.extra == {"source": "subscriptions", "monthly_churn_pct": None}


def test_customer_lifespan_with_both_tables():
    k = one("customer_lifespan", [("o.csv", ORDERS), ("s.csv", SUBS)], **Q1)
    assert k.value == pytest.approx(106 / 365.25)
    assert k.extra == {"source": "orders", "subscriptions_based": pytest.approx(0.5)}


# -- CLV and LTV:CAC ----------------------------------------------------------------------------
def test_clv_default_method_without_costs():
    k = one("clv", [("o.csv", ORDERS)], **Q1)
    apv, frequency, years, lifespan = 510 / 6, 5 / 3, 91 / 365.25, 106 / 365.25
    assert k.value == pytest.approx(apv * frequency / years * lifespan)
    assert k.extra == {"method": "apv_x_frequency_x_lifespan"}
    assert k.by_period == {}


def test_clv_revenue_minus_cac_and_ltv_cac_ratio():
    k = run([("o.csv", ORDERS)], **Q1, only=["clv", "ltv_cac_ratio", "cac"],
            settings=Settings(sales_costs_per_month=60))
    assert k["cac"].value == pytest.approx(90.0)  # 180 / 2 new customers
    clv = 85 * 5 / 3 * 106 / 91
    assert k["clv"].value == pytest.approx(clv)
    assert k["clv"].extra == {"method": "apv_x_frequency_x_lifespan",
                              "clv_revenue_minus_cac": pytest.approx(510 / 3 * 106 / 91 - 90)}
    assert k["ltv_cac_ratio"].value == pytest.approx(clv / 90)
    assert k["ltv_cac_ratio"].status == "good"
    assert k["ltv_cac_ratio"].by_period == {}


@pytest.mark.parametrize("cost_column", [b"cost", b"profit"])
def test_clv_margin_churn_arpa_with_cost_and_subscriptions(cost_column):
    cost = {b"cost": (b"60", b"90"), b"profit": (b"40", b"210")}[cost_column]
    orders = (b"order_id;order_date;customer;total;" + cost_column + b"\n"
              b"o1;2024-01-05;k1;100;" + cost[0] + b"\n"
              b"o2;2024-01-20;k1;200;\n"
              b"o3;2024-02-10;k2;300;" + cost[1] + b"\n")
    k = one("clv", [("o.csv", orders), ("s.csv", SUBS)], **Q1)
    # margin (400 - 150) / 400 = 62.5 %; monthly churn 1/6; ARPA on 03-31 = 200 / 3
    assert k.extra == {"method": "apv_x_frequency_x_lifespan",
                       "clv_margin_churn_arpa": pytest.approx(0.625 * 6 * 200 / 3)}


def test_ltv_cac_band():
    band = load_all()["ltv_cac_ratio"].band
    assert band is not None
    assert [band.status(v) for v in (0.5, 1.0, 1.01, 3.0, 4.99, 5.0, 9.0)] == [
        "bad", "bad", "good", "good", "good", "watch", "watch"]
    assert band.status(None) is None


def test_ltv_cac_ratio_with_zero_cac_is_na_and_unavailable_without_costs():
    marketing = b"date;cost\n2024-01-03;0\n2024-02-04;0\n"
    k = one("ltv_cac_ratio", [("o.csv", ORDERS), ("m.csv", marketing)], **Q1)
    assert k.available and k.value is None and k.status is None
    k = one("ltv_cac_ratio", [("o.csv", ORDERS)], **Q1)
    assert not k.available and k.missing_fields == ("marketing",)


# -- retention and churn ----------------------------------------------------------------------
def test_retention_and_churn_from_orders_on_whole_periods():
    k = run([("o.csv", ORDERS)], **Q1, only=["customer_retention_rate", "churn_rate"])
    ret, churn = k["customer_retention_rate"], k["churn_rate"]
    # active: Dec {a}, Jan {a, b}, Feb {a}, Mar {a, c}; new: Jan {b}, Mar {c}
    assert ret.by_period == {"2024-01": 100.0, "2024-02": 50.0, "2024-03": 100.0}
    assert churn.by_period == {"2024-01": 0.0, "2024-02": 50.0, "2024-03": 0.0}
    assert ret.value == 100.0 and churn.value == 0.0
    assert ret.extra == {"period": "2024-03"} and churn.extra == {"period": "2024-03"}
    assert churn.by == {"rep": {"Anna": 0.0}}
    assert ret.by == {}


def test_retention_headline_is_the_last_whole_period_by_the_range_end():
    k = run([("o.csv", ORDERS)], start=D(2024, 1, 1), end=D(2024, 3, 20),
            only=["customer_retention_rate", "churn_rate"])
    ret, churn = k["customer_retention_rate"], k["churn_rate"]
    assert ret.value == 50.0 and churn.value == 50.0
    assert ret.extra == {"period": "2024-02"}
    # March on its whole bounds: a's order of 03-25 counts
    assert ret.by_period["2024-03"] == 100.0 and churn.by_period["2024-03"] == 0.0
    assert churn.by == {"rep": {"Anna": 0.0, "Ben": 100.0}}
    assert ret.explanation == "1 customers at end not new in 2024-02 / 2 at its start × 100 = 50.0 %"


def test_retention_is_na_without_a_whole_period():
    k = run([("o.csv", ORDERS)], start=D(2024, 1, 1), end=D(2024, 1, 20),
            only=["customer_retention_rate", "churn_rate"])
    assert k["customer_retention_rate"].value is None
    assert k["customer_retention_rate"].extra == {"period": None}
    assert k["churn_rate"].value is None
    assert k["churn_rate"].by == {"rep": {}}


def test_a_reactivated_customer_is_retained():
    orders = (b"order_id;order_date;customer;total\n"
              b"1;2024-01-10;d;10\n2;2024-02-05;x;11\n3;2024-03-05;x;12\n4;2024-03-06;d;13\n")
    k = run([("o.csv", orders)], start=D(2024, 3, 1), end=D(2024, 3, 31),
            only=["customer_retention_rate", "churn_rate"])
    assert k["customer_retention_rate"].value == 200.0  # {x, d} not new / {x}
    assert k["churn_rate"].value == 0.0
    assert "rep" not in k["churn_rate"].by  # orders have no rep column


def test_retention_at_week_grain_uses_the_previous_iso_week():
    orders = (b"order_id;order_date;customer;total\n"
              b"1;2024-01-01;c1;10\n2;2024-01-02;c2;11\n3;2024-01-08;c1;12\n")
    k = one("churn_rate", [("o.csv", orders)], start=D(2024, 1, 1), end=D(2024, 1, 14),
            grain="week")
    assert k.by_period == {"2024-W01": None, "2024-W02": 50.0}
    assert k.value == 50.0 and k.extra == {"period": "2024-W02"}


def test_retention_and_churn_from_subscriptions():
    k = run([("s.csv", SUBS)], **Q1, only=["customer_retention_rate", "churn_rate"])
    ret, churn = k["customer_retention_rate"], k["churn_rate"]
    # close of Jan 31 {k1 k2 k3}, Feb 29 {k1 k3 k4} (k3 renewed without a gap), Mar 31 same
    assert ret.by_period == {"2024-01": None, "2024-02": pytest.approx(200 / 3),
                             "2024-03": 100.0}
    assert churn.by_period == {"2024-01": None, "2024-02": pytest.approx(100 / 3),
                               "2024-03": 0.0}
    assert ret.value == 100.0 and churn.value == 0.0
    assert churn.by == {"rep": {"Anna": 0.0, "Ben": 0.0}}


def test_retention_and_churn_with_both_tables():
    k = run([("o.csv", ORDERS), ("s.csv", SUBS)], start=D(2024, 1, 1), end=D(2024, 3, 20),
            only=["customer_retention_rate", "churn_rate"])
    assert k["customer_retention_rate"].extra == {"period": "2024-02",
                                                  "subscriptions_based": pytest.approx(200 / 3)}
    assert k["churn_rate"].extra == {"period": "2024-02",
                                     "subscriptions_based": pytest.approx(100 / 3)}
    assert k["churn_rate"].value == 50.0


# -- churn by rep -----------------------------------------------------------------------------
REPS = b"""order_id;order_date;customer;rep;total
r1;2023-10-01;c1;Anna;10
r2;2024-01-11;c1;Anna;11
r3;2024-01-05;c2;Anna;12
r4;2024-02-06;c2;Ben;13
r5;2024-01-15;c3;Ben;14
r6;2023-12-01;c3;Ben;15
r7;2024-01-20;c4;;16
r8;2024-02-10;c5;Ben;17
"""


def test_churn_by_rep_with_lifetimes_of_lost_accounts():
    k = run([("o.csv", REPS)], start=D(2024, 2, 1), end=D(2024, 2, 29),
            only=["churn_by_rep", "churn_rate", "customer_retention_rate"])
    cbr = k["churn_by_rep"]
    # at start {c1 c2 c3 c4}, at end {c2 c5}; c2's rep: Anna and Ben tie -> Anna
    assert cbr.value == 75.0 == k["churn_rate"].value
    assert cbr.by == {"rep": {"Anna": 50.0, "Ben": 100.0, "(none)": 100.0}}
    assert cbr.by == k["churn_rate"].by
    assert cbr.extra == {"period": "2024-02",
                         "lost_account_lifetime_days_by_rep": {"Anna": 102.0, "Ben": 45.0,
                                                               "(none)": 0.0}}
    assert cbr.by_period == {}
    assert k["customer_retention_rate"].value == 25.0  # {c2} / 4


def test_churn_by_rep_from_subscriptions():
    k = one("churn_by_rep", [("s.csv", SUBS)], start=D(2024, 1, 1), end=D(2024, 3, 15))
    assert k.value == pytest.approx(100 / 3)
    assert k.by == {"rep": {"Anna": 0.0, "Ben": 50.0}}
    # k2: earliest start 01-10 to its end 02-15
    assert k.extra == {"period": "2024-02",
                       "lost_account_lifetime_days_by_rep": {"Anna": None, "Ben": 36.0}}


def test_churn_by_rep_unavailable_without_a_rep():
    orders = b"order_id;order_date;customer;total\n1;2024-01-02;z;10\n2;2024-02-03;y;20\n"
    k = one("churn_by_rep", [("o.csv", orders)])
    assert not k.available and k.missing_fields == ("orders.rep",)


# -- existing-customer conversion -------------------------------------------------------------
def test_existing_customer_conversion_against_each_clipped_start():
    k = one("existing_customer_conversion", [("o.csv", ORDERS)], **Q1)
    assert k.value == 100.0  # a (first bought in December) bought again
    assert k.by_period == {"2024-01": 100.0, "2024-02": 50.0, "2024-03": 50.0}
    k = one("existing_customer_conversion", [("o.csv", ORDERS)], start=D(2023, 12, 1),
            end=D(2023, 12, 31))
    assert k.value is None  # nobody bought before December 2023


def test_existing_customer_conversion_is_orders_only():
    k = one("existing_customer_conversion", [("s.csv", SUBS)])
    assert not k.available and k.missing_fields == ("orders.customer_id",)


# -- MRR, ARR, ARPA ----------------------------------------------------------------------------
def test_mrr_arr_arpa_are_stocks_at_each_period_end():
    k = run([("s.csv", SUBS)], **Q1, only=["mrr", "arr", "arpa"])
    assert k["mrr"].value == 200.0  # s1 + s4 (end_date = last subscribed day) + s5 + s6
    assert k["mrr"].by_period == {"2024-01": 180.0, "2024-02": 150.0, "2024-03": 200.0}
    assert k["arr"].value == 2400.0
    assert k["arr"].by_period["2024-02"] == 1800.0
    assert k["arpa"].value == pytest.approx(200 / 3)  # k1 holds two subscriptions
    assert k["arpa"].by_period == {"2024-01": 60.0, "2024-02": 50.0,
                                   "2024-03": pytest.approx(200 / 3)}


def test_mrr_at_a_clipped_range_end_and_from_amount_and_interval():
    k = run([("s.csv", SUBS)], start=D(2024, 1, 1), end=D(2024, 2, 12), only=["mrr", "arpa"])
    assert k["mrr"].value == 200.0  # 02-12: s1 s2 s4 s5
    assert k["mrr"].by_period == {"2024-01": 180.0, "2024-02": 200.0}
    assert k["arpa"].value == 50.0
    yearly = (b"customer_id;start_date;amount;interval\n"
              b"u1;2024-01-01;1200;year\nu2;2024-01-05;30;month\n")
    k = run([("s.csv", yearly)], end=D(2024, 1, 31), only=["mrr", "arpa"])
    assert k["mrr"].value == pytest.approx(130.0)
    assert k["arpa"].value == pytest.approx(65.0)


def test_arpa_is_na_when_nobody_is_subscribed():
    k = run([("s.csv", SUBS)], start=D(2023, 11, 1), end=D(2023, 12, 31),
            only=["mrr", "arpa"])
    assert k["mrr"].value == 0.0
    assert k["arpa"].value is None


def test_subscription_kpis_unavailable_without_subscriptions():
    k = run([("o.csv", ORDERS)], only=["mrr", "arr", "arpa"])
    for kpi in ("mrr", "arr", "arpa"):
        assert not k[kpi].available
        assert k[kpi].missing_fields == ("subscriptions.mrr",)


def test_customer_kpis_unavailable_without_customers():
    no_customer = b"order_id;order_date;total\n1;2024-01-02;10\n2;2024-01-03;20\n"
    k = run([("o.csv", no_customer)], only=["new_customers", "churn_rate", "clv",
                                            "customer_lifespan", "customer_retention_rate"])
    for kpi in k:
        assert not k[kpi].available
        assert k[kpi].missing_fields == ("orders.customer_id",)
    k = one("clv", [("s.csv", SUBS)])
    assert k.missing_fields == ("orders.revenue", "orders.customer_id")


def test_json_shape_of_a_customer_kpi():
    k = one("churn_rate", [("o.csv", ORDERS)], **Q1)
    out = k.as_json()
    assert out["unit"] == "percent" and out["direction"] == "lower"
    assert set(out) == {"name", "value", "unit", "available", "missing_fields", "status",
                        "direction", "by_period", "by", "extra", "explanation"}


def test_churn_by_rep_with_customers_on_orders_but_reps_only_on_subscriptions():
    orders = (b"order_id;order_date;customer;total\n"
              b"1;2024-01-10;d;10\n2;2024-01-12;x;11\n3;2024-02-05;x;12\n")
    k = one("churn_by_rep", [("o.csv", orders), ("s.csv", SUBS)], **Q1)
    # customers come from orders.customer_id, which has no rep: the value only, no by.rep
    assert k.available and k.value == 100.0  # 2024-03: x lost of {x}
    assert k.by == {}
    assert k.extra == {"period": "2024-03", "lost_account_lifetime_days_by_rep": {}}


def test_churn_of_the_last_period_counts_its_whole_period_after_the_range_end():
    orders = b"""order_id;order_date;customer;total
o1;2024-01-10;a;1
o2;2024-01-20;b;1
o3;2024-02-05;c;1
o4;2024-02-10;a;1
o5;2024-03-20;b;1
"""
    k = run([("o.csv", orders)], start=D(2024, 1, 1), end=D(2024, 3, 15),
            only=["churn_rate", "customer_retention_rate"])
    churn, retention = k["churn_rate"], k["customer_retention_rate"]
    # February: a, b active in January; a, c in February (c new): b lost, a retained
    assert churn.value == pytest.approx(50.0) and churn.extra == {"period": "2024-02"}
    assert retention.value == pytest.approx(50.0)
    # March is the whole month: b's order of 2024-03-20 makes b active (not new) in it
    assert churn.by_period == {"2024-01": None, "2024-02": pytest.approx(50.0),
                               "2024-03": pytest.approx(100.0)}
    assert retention.by_period["2024-03"] == pytest.approx(50.0)
