"""The what-if driver model (issue 6, catalogue section 6 `plan`): base drivers computed by the
engine on tiny uploads, projections and goal seek worked out by hand, and property tests."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kpi_engine.ingest.dataset import load
from kpi_engine.query import Settings
from kpi_engine.whatif import (
    Base,
    Scenario,
    base_drivers,
    base_period,
    check_changes,
    compare_scenarios,
    extras,
    first_months,
    plan,
    project,
    quota_split,
    solve,
)
from kpi_engine.whatif_model import profit

D = dt.date

# 6 leads in Q1 2024, 2 converted; deals: 2 won (1000 in 10 days, 3000 in 30), 2 lost, 3 open
LEADS = b"""lead_id,created_date,converted
L1,2024-01-05,yes
L2,2024-01-20,no
L3,2024-02-03,no
L4,2024-02-14,yes
L5,2024-03-01,no
L6,2024-03-31,no
"""
DEALS = b"""deal_id,created_date,amount,stage,close_date,rep
d1,2024-01-02,1000,Closed Won,2024-01-12,Anna
d2,2024-01-10,3000,Closed Won,2024-02-09,Ben
d3,2024-02-01,500,Closed Lost,2024-02-20,Anna
d4,2024-02-15,800,Closed Lost,2024-03-10,Ben
d5,2024-03-01,2000,Proposal,,Anna
d6,2024-03-20,4000,Negotiation,,Ben
d7,2024-03-25,1500,Proposal,,Anna
"""
# January: a, b, c buy; February a, b, d (new); March a, d, e (new); April a, e, f (new).
# Base Feb-Apr: churn 1 lost of 3 at start each month (c, b, d) = 33.3 %; 5 customers, 9 orders,
# 1800 revenue (cost 60 %), 3 new customers; marketing 300 a month -> CAC 300
ORDERS = b"""order_id;order_date;customer;total;cost;rep
1;2024-01-05;a;100;60;Anna
2;2024-01-10;b;100;60;Ben
3;2024-01-20;c;100;60;Anna
4;2024-02-02;a;100;60;Anna
5;2024-02-03;b;200;120;Ben
6;2024-02-04;d;300;180;Ben
7;2024-03-02;a;100;60;Anna
8;2024-03-03;d;200;120;Ben
9;2024-03-04;e;300;180;Anna
10;2024-04-02;a;100;60;Anna
11;2024-04-03;e;200;120;Anna
12;2024-04-30;f;300;180;Ben
"""
MARKETING = b"""date;channel;cost
2024-02-10;ads;300
2024-03-10;ads;300
2024-04-10;ads;300
"""
TARGETS = b"""period;target;rep
2024-05;1000;
2024-02;300;Anna
2024-03;300;Anna
2024-04;300;Anna
2024-02;400;Ben
2024-03;400;Ben
2024-04;400;Ben
"""
# Q1 2024: k2 lost in January, k5 in March (at start 3, 3, 4: churn 2 / 10 = 20 %);
# active on 2024-03-31: k1 100, k3 30, k4 20, k6 60 (MRR 210, ARPA 52.5); new: k4, k5, k6
SUBS = b"""subscription_id;customer_id;start_date;end_date;mrr
s1;k1;2023-12-01;;100
s2;k2;2023-12-01;2024-01-15;50
s3;k3;2023-12-10;;30
s4;k4;2024-01-10;;20
s5;k5;2024-02-05;2024-03-10;40
s6;k6;2024-03-31;;60
"""


def base_of(files, settings=None, start=None, end=None) -> Base:
    ds = load(files)
    return base_drivers(ds.tables, settings, ds.currency, start, end)


@pytest.fixture(scope="module")
def crm() -> Base:
    return base_of([("leads.csv", LEADS), ("deals.csv", DEALS)], start=D(2024, 1, 1),
                   end=D(2024, 3, 31))


@pytest.fixture(scope="module")
def shop() -> Base:
    return base_of([("o.csv", ORDERS), ("m.csv", MARKETING), ("t.csv", TARGETS)])


@pytest.fixture(scope="module")
def club() -> Base:
    return base_of([("s.csv", SUBS)])


# -- base drivers from the engine --------------------------------------------------------------
def test_lead_and_pipeline_drivers(crm):
    assert crm.trees["lead"] == pytest.approx(
        {"leads": 2.0, "lead_conversion_rate": 100 / 3, "average_deal_size": 2000.0})
    assert crm.trees["pipeline"] == pytest.approx(
        {"open_deals": 3.0, "win_rate": 50.0, "average_deal_size": 2000.0,
         "sales_cycle_length": 20.0, "selling_days": 21.0})
    assert list(crm.trees) == ["lead", "pipeline"]
    assert list(crm.trees["pipeline"]) == ["open_deals", "win_rate", "average_deal_size",
                                           "sales_cycle_length", "selling_days"]
    assert crm.open_pipeline == 7500.0
    assert crm.first_month == D(2024, 4, 1)
    assert crm.history["lead"] == {"2024-01": 1000.0, "2024-02": 3000.0, "2024-03": 0.0}
    assert any("customer tree: not shown" in m for m in crm.messages)


def test_selling_days_come_from_the_setting():
    b = base_of([("leads.csv", LEADS), ("deals.csv", DEALS)], Settings(selling_days_per_month=20))
    assert b.trees["pipeline"]["selling_days"] == 20.0


def test_customer_and_profit_drivers(shop):
    assert (shop.start, shop.end, shop.months) == (D(2024, 2, 1), D(2024, 4, 30), 3.0)
    assert shop.trees["customer"] == pytest.approx(
        {"active_customers": 5.0, "purchase_frequency": 1.8, "average_purchase_value": 200.0,
         "churn_rate": 100 / 3, "sales_and_marketing_costs": 300.0, "cac": 300.0})
    assert shop.trees["profit"] == pytest.approx(
        {"revenue": 600.0, "gross_margin": 40.0, "sales_and_marketing_costs": 300.0})
    assert shop.default_target == 1000.0  # the company target of May, the first horizon month
    # Anna sold 800 of her 900 target over Feb-Apr, Ben 1000 of 1200
    assert shop.rep_attainment == pytest.approx({"Anna": 800 / 9, "Ben": 1000 / 12})
    assert shop.cac == 300.0


def test_sales_costs_setting_adds_to_the_marketing_cost():
    b = base_of([("o.csv", ORDERS), ("m.csv", MARKETING)], Settings(sales_costs_per_month=150))
    assert b.trees["customer"]["sales_and_marketing_costs"] == 450.0
    assert b.trees["customer"]["cac"] == pytest.approx(450.0)  # (900 + 450) / 3 new customers
    assert b.trees["profit"]["sales_and_marketing_costs"] == 450.0


def test_customer_tree_without_costs_takes_new_customers():
    b = base_of([("o.csv", ORDERS)])
    assert b.trees["customer"] == pytest.approx(
        {"active_customers": 5.0, "purchase_frequency": 1.8, "average_purchase_value": 200.0,
         "churn_rate": 100 / 3, "new_customers": 1.0})
    assert "profit" not in b.trees  # no cost source: sales_and_marketing_costs has no value
    assert any(m.startswith("profit tree: not shown") for m in b.messages)


def test_recurring_drivers(club):
    assert (club.start, club.end) == (D(2024, 1, 1), D(2024, 3, 31))
    assert club.trees == {"recurring": pytest.approx(
        {"mrr": 210.0, "churn_rate": 20.0, "new_customers": 1.0, "arpa": 52.5})}
    assert club.history["recurring"]["2024-03"] == 210.0


def test_base_period_averages_a_partial_month():
    # 16-31 January is 16/31 of a month: 5 leads (L2-L6) / (2 + 16/31) months; 1 of 5 converted
    b = base_of([("leads.csv", LEADS), ("deals.csv", DEALS)], start=D(2024, 1, 16),
                end=D(2024, 3, 31))
    months = 2 + 16 / 31
    assert b.months == pytest.approx(months)
    assert b.trees["lead"]["leads"] == pytest.approx(5 / months)
    assert b.trees["lead"]["lead_conversion_rate"] == pytest.approx(20.0)
    assert b.trees["lead"]["average_deal_size"] == 3000.0  # d2 only closed after the 16th


def test_default_base_period_is_the_last_three_complete_months():
    assert base_period(D(2023, 1, 1), D(2024, 10, 31)) == (D(2024, 8, 1), D(2024, 10, 31), [])
    start, end, notes = base_period(D(2023, 1, 1), D(2024, 10, 15))  # October is partial
    assert (start, end, notes) == (D(2024, 7, 1), D(2024, 9, 30), [])
    start, end, notes = base_period(D(2024, 9, 20), D(2024, 10, 31))  # two months of data
    assert (start, end) == (D(2024, 9, 1), D(2024, 10, 31)) and notes
    start, end, notes = base_period(D(2024, 10, 3), D(2024, 10, 20))  # no complete month
    assert (start, end) == (D(2024, 10, 3), D(2024, 10, 20)) and notes
    assert base_period(D(2023, 1, 1), D(2024, 10, 31), end=D(2024, 6, 30))[:2] == (
        D(2024, 4, 1), D(2024, 6, 30))


# -- projections -----------------------------------------------------------------------------
def test_lead_tree_projection():
    d = {"leads": 250.0, "lead_conversion_rate": 11.0, "average_deal_size": 4000.0}
    assert project("lead", d, 3) == pytest.approx([110000.0] * 3)


def test_pipeline_tree_projection(crm):
    # 3 open × 50 % × 2000 / 20 days × 21 selling days
    assert project("pipeline", crm.trees["pipeline"], 2) == pytest.approx([3150.0, 3150.0])


def test_customer_tree_compounds_churn_and_new_customers(shop):
    # active_1 = 5 × 2/3 + 300 / 300 = 13/3; revenue = active × 1.8 / 3 months × 200 = × 120
    a1 = 5 * 2 / 3 + 1
    a2 = a1 * 2 / 3 + 1
    a3 = a2 * 2 / 3 + 1
    assert project("customer", shop.trees["customer"], 3, shop.months) == pytest.approx(
        [a1 * 120, a2 * 120, a3 * 120])
    assert a1 * 120 == pytest.approx(520.0)


def test_customer_tree_needs_the_base_months(shop):
    with pytest.raises(ValueError):
        project("customer", shop.trees["customer"], 3)


def test_recurring_tree_compounds(club):
    # mrr_1 = 210 × 0.8 + 1 × 52.5 = 220.5; 220.5 × 0.8 + 52.5 = 228.9; 235.62
    assert project("recurring", club.trees["recurring"], 3) == pytest.approx(
        [220.5, 228.9, 235.62])


def test_profit_tree(shop):
    assert project("profit", shop.trees["profit"], 2) == [600.0, 600.0]
    assert profit(shop.trees["profit"], 2) == pytest.approx([-60.0, -60.0])  # 600 × 40 % − 300


# -- the plan JSON -----------------------------------------------------------------------------
def lead_base(leads=250.0, rate=11.0, size=4000.0) -> Base:
    return Base(D(2025, 4, 1), D(2025, 6, 30), 3.0, D(2025, 7, 1), "EUR",
                {"lead": {"leads": leads, "lead_conversion_rate": rate,
                          "average_deal_size": size}})


def test_plan_reproduces_the_catalogue_example():
    doc = plan(lead_base(), 150000, 3, {"leads": 275})
    assert list(doc) == ["base_period", "target", "horizon", "trees", "messages"]
    assert doc["base_period"] == {"start": "2025-04-01", "end": "2025-06-30"}
    lead = doc["trees"]["lead"]
    assert list(lead) == ["drivers", "scenario_drivers", "baseline", "scenario", "attainment",
                          "gap", "solve"]
    assert lead["scenario_drivers"]["leads"] == 275.0
    assert lead["baseline"] == {"2025-07": 110000.0, "2025-08": 110000.0, "2025-09": 110000.0}
    assert lead["scenario"]["2025-07"] == pytest.approx(121000.0)
    assert lead["attainment"] == pytest.approx(80.666667)
    assert lead["gap"] == pytest.approx(29000.0)
    assert lead["solve"] == pytest.approx({"leads": 340.909091, "lead_conversion_rate": 13.636364,
                                           "average_deal_size": 4958.677686})
    assert doc["messages"] == []


def test_plan_profit_tree_and_solve_for(shop):
    doc = plan(shop, 700, 2, {"sales_and_marketing_costs": 200}, solve_for="revenue")
    p = doc["trees"]["profit"]
    assert list(p) == ["drivers", "scenario_drivers", "baseline", "scenario", "profit",
                       "attainment", "gap", "solve"]
    assert p["profit"] == {"2024-05": 40.0, "2024-06": 40.0}  # 600 × 40 % − 200
    assert p["solve"] == {"revenue": 700.0}
    assert doc["trees"]["customer"]["solve"] == {}
    # the customer tree takes the new costs too: 200 / 300 CAC new customers a month
    assert doc["trees"]["customer"]["scenario"]["2024-05"] == pytest.approx(
        (5 * 2 / 3 + 2 / 3) * 120)


def test_set_changes_apply_per_driver_or_per_tree(crm):
    doc = plan(crm, 5000, 1, {"average_deal_size": 3000, "pipeline.win_rate": 60})
    lead, pipe = doc["trees"]["lead"], doc["trees"]["pipeline"]
    assert lead["scenario"]["2024-04"] == pytest.approx(2 * (100 / 3) / 100 * 3000)
    assert pipe["scenario"]["2024-04"] == pytest.approx(3 * 0.6 * 3000 / 20 * 21)
    assert lead["scenario_drivers"]["lead_conversion_rate"] == pytest.approx(33.333333)
    assert pipe["baseline"]["2024-04"] == pytest.approx(3150.0)
    doc = plan(crm, 5000, 1, {"mrr": 100})
    assert "mrr changes nothing: no tree shown has that driver" in doc["messages"]


def test_plan_rejects_wrong_arguments(crm):
    with pytest.raises(ValueError, match="horizon"):
        plan(crm, 100, 13)
    with pytest.raises(ValueError, match="unknown driver"):
        plan(crm, 100, 3, {"colour": 1})
    with pytest.raises(ValueError, match="unknown driver"):
        plan(crm, 100, 3, solve_for="colour")
    with pytest.raises(ValueError, match="at most 100"):
        plan(crm, 100, 3, {"win_rate": 120})
    with pytest.raises(ValueError, match="no target"):
        plan(crm, None, 3)
    assert check_changes({"lead.mrr": 1}) == [
        "unknown driver 'lead.mrr': one of leads, lead_conversion_rate, average_deal_size"]
    assert check_changes({"sales_cycle_length": 0}) == ["sales_cycle_length must be above 0"]


def test_default_target_is_used(shop):
    assert plan(shop)["target"] == 1000.0


# -- goal seek -------------------------------------------------------------------------------
def values(answers):
    return {k: a.value for k, a in answers.items()}


def test_solve_lead_tree():
    d = {"leads": 250.0, "lead_conversion_rate": 11.0, "average_deal_size": 4000.0}
    assert values(solve("lead", d, 150000)) == pytest.approx(
        {"leads": 150000 / 440, "lead_conversion_rate": 15.0, "average_deal_size": 150000 / 27.5})


def test_solve_lead_tree_unreachable_rate():
    d = {"leads": 10.0, "lead_conversion_rate": 10.0, "average_deal_size": 100.0}
    a = solve("lead", d, 5000)
    assert a["lead_conversion_rate"].value is None
    assert "500.0 %, above 100 %" in a["lead_conversion_rate"].reason
    assert a["leads"].value == pytest.approx(500.0)


def test_solve_with_zero_baselines():
    d = {"leads": 0.0, "lead_conversion_rate": 10.0, "average_deal_size": 100.0}
    a = solve("lead", d, 1000)
    assert a["leads"].value == pytest.approx(100.0)
    assert a["lead_conversion_rate"].value is None
    assert a["average_deal_size"].value is None
    assert a["average_deal_size"].reason == "the first month does not depend on it"
    # a zero target is met by the current value when the month does not depend on the driver
    assert values(solve("lead", d, 0)) == {"leads": 0.0, "lead_conversion_rate": 10.0,
                                           "average_deal_size": 100.0}
    doc = plan(lead_base(leads=0.0), 1000, 1)
    assert doc["trees"]["lead"]["solve"]["lead_conversion_rate"] is None
    assert doc["trees"]["lead"]["attainment"] == 0.0 and doc["trees"]["lead"]["gap"] == 1000.0
    assert sum("no lead_conversion_rate meets" in m for m in doc["messages"]) == 1
    assert plan(lead_base(), 0, 1)["trees"]["lead"]["attainment"] is None  # n/a, never inf


def test_solve_pipeline_tree(crm):
    d = crm.trees["pipeline"]  # 3150 a month
    got = values(solve("pipeline", d, 6300))
    assert got == pytest.approx({"open_deals": 6.0, "win_rate": 100.0, "average_deal_size": 4000,
                                 "sales_cycle_length": 10.0, "selling_days": 42.0})
    a = solve("pipeline", d, 6400)
    assert a["win_rate"].value is None and "above 100 %" in a["win_rate"].reason
    assert values(solve("pipeline", d, 3150, only="sales_cycle_length")) == pytest.approx(
        {"sales_cycle_length": 20.0})
    assert solve("pipeline", {**d, "open_deals": 0.0}, 100)["sales_cycle_length"].value is None


def test_solve_customer_tree(shop):
    d = shop.trees["customer"]  # 520 in month 1; 120 revenue per active customer
    got = values(solve("customer", d, 600, shop.months))  # 5 active customers needed
    assert got == pytest.approx({"active_customers": 6.0, "purchase_frequency": 1.8 * 600 / 520,
                                 "average_purchase_value": 200 * 600 / 520, "churn_rate": 20.0,
                                 "sales_and_marketing_costs": 500.0, "cac": 180.0})
    low = solve("customer", d, 60, shop.months)  # half a customer: fewer than the 10/3 kept
    assert low["churn_rate"].value is None and "above 100 %" in low["churn_rate"].reason
    assert low["sales_and_marketing_costs"].value is None
    assert "negative" in low["sales_and_marketing_costs"].reason
    assert low["cac"].value is None
    high = solve("customer", d, 1200, shop.months)  # 10 customers: more than 5 + 1 new
    assert high["churn_rate"].value is None and "below 0 %" in high["churn_rate"].reason
    free = solve("customer", {**d, "sales_and_marketing_costs": 0.0}, 600, shop.months)
    assert free["cac"].value is None and free["cac"].reason.startswith("the first month")
    no_costs = {k: v for k, v in d.items() if k not in ("sales_and_marketing_costs", "cac")}
    no_costs["new_customers"] = 1.0
    assert values(solve("customer", no_costs, 600, shop.months, only="new_customers")) == (
        pytest.approx({"new_customers": 5 - 10 / 3}))


def test_solve_recurring_tree(club):
    d = club.trees["recurring"]  # 220.5 in month 1
    got = values(solve("recurring", d, 210.0))
    assert got == pytest.approx({"mrr": (210 - 52.5) / 0.8, "churn_rate": 25.0,
                                 "new_customers": 42 / 52.5, "arpa": 42.0})
    low = solve("recurring", d, 40.0)
    assert low["new_customers"].value is None and "negative count" in low["new_customers"].reason
    assert low["churn_rate"].value is None
    assert solve("recurring", {**d, "new_customers": 0.0}, 300)["arpa"].value is None


def test_solve_profit_tree_solves_revenue_only(shop):
    assert values(solve("profit", shop.trees["profit"], 900)) == {"revenue": 900.0}


# -- scenarios and the extra outputs ---------------------------------------------------------
def test_compare_scenarios(crm):
    rows = compare_scenarios(crm, 4000, 2, [Scenario("bigger deals", {"average_deal_size": 3000})])
    assert [(r.scenario, r.tree) for r in rows] == [
        ("Baseline", "lead"), ("Baseline", "pipeline"),
        ("bigger deals", "lead"), ("bigger deals", "pipeline")]
    pipe = rows[3]
    assert pipe.first_month == pytest.approx(4725.0)
    assert pipe.total == pytest.approx(9450.0)
    assert pipe.attainment == pytest.approx(118.125)
    assert pipe.gap == pytest.approx(-725.0)
    assert rows[1].first_month == pytest.approx(3150.0)
    assert first_months(crm, {"leads": 3}) == pytest.approx(
        {"lead": 3 * (100 / 3) / 100 * 2000, "pipeline": 3150.0})


def test_extras_coverage_cac_and_ltv(crm, shop):
    e = extras(crm, 4000)
    assert e.open_pipeline == 7500.0 and e.required_pipeline == 4500.0
    assert e.cac is None and e.ltv_cac is None
    base = extras(shop, 600)
    assert base.cac == 300.0 and base.clv is not None
    assert base.ltv_cac == pytest.approx(base.clv / 300)
    e = extras(shop, 600, {"cac": 150, "average_purchase_value": 400})
    assert e.cac == 150.0
    assert e.clv == pytest.approx(base.clv * 2)
    assert e.ltv_cac == pytest.approx(base.clv * 2 / 150)


def test_quota_split(shop):
    assert quota_split(shop, 1000) == {"Anna": 500.0, "Ben": 500.0}
    anna, ben = 800 / 9, 1000 / 12
    split = quota_split(shop, 1000, "attainment")
    assert split == pytest.approx({"Anna": 1000 * anna / (anna + ben),
                                   "Ben": 1000 * ben / (anna + ben)})
    assert quota_split(base_of([("o.csv", ORDERS)]), 900) == {"Anna": 450.0, "Ben": 450.0}


def test_plan_is_pure_arithmetic(shop):
    t = time.perf_counter()
    for _ in range(200):
        plan(shop, 700, 12, {"churn_rate": 10})
    assert (time.perf_counter() - t) / 200 < 0.005


# -- properties ------------------------------------------------------------------------------
# zero or a normal number: no subnormal products (a value of 1e-309 has no precision left)
POS = st.just(0.0) | st.floats(1e-6, 1e4)
RATE = st.just(0.0) | st.floats(1e-6, 100)
DIVISOR = st.floats(0.5, 1e3)

TREE_DRIVERS = {
    "lead": st.fixed_dictionaries({"leads": POS, "lead_conversion_rate": RATE,
                                   "average_deal_size": POS}),
    "pipeline": st.fixed_dictionaries({"open_deals": POS, "win_rate": RATE,
                                       "average_deal_size": POS,
                                       "sales_cycle_length": DIVISOR,
                                       "selling_days": st.just(0.0) | st.floats(1e-6, 31)}),
    "customer": st.fixed_dictionaries({"active_customers": POS, "purchase_frequency": POS,
                                       "average_purchase_value": POS, "churn_rate": RATE,
                                       "sales_and_marketing_costs": POS, "cac": DIVISOR}),
    "customer_new": st.fixed_dictionaries({"active_customers": POS, "purchase_frequency": POS,
                                           "average_purchase_value": POS, "churn_rate": RATE,
                                           "new_customers": POS}),
    "recurring": st.fixed_dictionaries({"mrr": POS, "churn_rate": RATE, "new_customers": POS,
                                        "arpa": POS}),
    "profit": st.fixed_dictionaries({"revenue": POS, "gross_margin": RATE,
                                     "sales_and_marketing_costs": POS}),
}
LOWER_IS_BETTER = {"churn_rate", "sales_cycle_length", "cac"}
TREE_AND_DRIVERS = st.sampled_from(sorted(TREE_DRIVERS)).flatmap(
    lambda t: st.tuples(st.just(t), TREE_DRIVERS[t]))


def tree_name(t: str) -> str:
    return "customer" if t == "customer_new" else t


@given(TREE_AND_DRIVERS, st.data(), st.floats(0, 1e3), st.integers(1, 12))
def test_raising_a_driver_never_lowers_revenue(tree_drivers, data, step, horizon):
    tree, d = tree_drivers
    name = data.draw(st.sampled_from(sorted(d)))
    up = dict(d)
    up[name] = d[name] + step
    if name.endswith("rate") or name == "gross_margin":
        up[name] = min(up[name], 100.0)
    before = project(tree_name(tree), d, horizon, 3.0)
    after = project(tree_name(tree), up, horizon, 3.0)
    for b, a in zip(before, after, strict=True):
        tol = 1e-9 * max(1.0, abs(b))
        if name in LOWER_IS_BETTER:
            assert a <= b + tol
        else:
            assert a >= b - tol


@given(TREE_AND_DRIVERS, st.just(0.0) | st.floats(1e-6, 1e6))
def test_solve_then_project_hits_the_target(tree_drivers, target):
    tree, d = tree_drivers
    name = tree_name(tree)
    for driver, answer in solve(name, d, target, 3.0).items():
        if answer.value is None:
            assert answer.reason
            continue
        assume(answer.value < 1e12)
        got = project(name, {**d, driver: answer.value}, 1, 3.0)[0]
        assert got == pytest.approx(target, abs=0.01), (driver, answer.value)
