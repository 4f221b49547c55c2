"""Deals-based KPIs (won_revenue, deals_won, groups F and G, stale_leads_deals): values worked
out by hand on tiny uploads."""

from __future__ import annotations

import datetime as dt

import pytest

from kpi_engine.evaluate import evaluate
from kpi_engine.ingest.dataset import load
from kpi_engine.query import Query, Settings

JAN1, MAR31 = dt.date(2024, 1, 1), dt.date(2024, 3, 31)

# d1-d3 won (d3 without amount), d4-d5 lost (d4 unwinnable), d6-d8 open.
DEALS = b"""deal_id,created_date,amount,stage,probability,close_date,rep,channel,team,quote_date,winnable
d1,2024-01-03,100,Closed Won,,2024-01-20,Anna,web,East,2024-01-10,
d2,2024-01-05,300,Closed Won,,2024-02-15,Ben,ads,West,2024-01-25,
d3,2024-01-08,,Closed Won,,2024-02-20,Anna,web,East,,
d4,2024-01-10,50,Closed Lost,,2024-02-01,Ben,ads,West,2024-01-20,no
d5,2024-02-01,80,Closed Lost,,2024-03-02,Anna,,East,,
d6,2024-02-10,200,Proposal,0.4,,Anna,web,East,2024-03-01,
d7,2024-03-05,100,Negotiation,80,,Ben,ads,West,,
d8,2024-03-10,40,proposal,0.1,,Ben,web,West,,
"""

# d2 went Lead -> Proposal -> Closed Won
D2_HISTORY = b"""deal_id,stage,entered_date
d2,Lead,2024-01-05
d2,Proposal,2024-01-20
d2,Closed Won,2024-02-15
"""

FUNNEL = b"""deal_id,stage,entered_date
a,Lead,2024-01-02
a,Demo,2024-01-05
a,Demo,2024-01-09
a,Proposal,2024-01-15
a,Closed Won,2024-01-25
b,Lead,2024-01-03
b,Demo,2024-01-10
b,Closed Lost,2024-01-20
c,Lead,2024-01-04
c,Proposal,2024-01-12
d,Lead,2024-01-06
"""

ACTIVITIES = b"""activity_date,type,deal_id
2024-03-25,call,d6
2024-04-05,call,d7
2024-03-01,email,d7
2024-01-15,call,d2
"""


def run(files, start=JAN1, end=MAR31, grain="month", only=None, settings=None):
    ds = load(files)
    if any(name == "d.csv" for name, _ in files):
        assert "deals" in ds.tables, list(ds.tables)  # the fixture was read as deals
    q = Query(start=start, end=end, grain=grain, settings=settings or Settings())
    return evaluate(ds.tables, q, ds.currency, only=only).kpis


def deals_csv(rows: list[str], header: str = "Deal ID,Create Date,Amount,Deal Stage,Close Date"):
    return ("\n".join([header, *rows]) + "\n").encode()


# -- A. won revenue and deals won -----------------------------------------------------------
def test_won_revenue_by_close_date_skips_missing_amounts():
    k = run([("d.csv", DEALS)], only=["won_revenue"])["won_revenue"]
    assert k.available
    assert k.value == pytest.approx(400.0)
    assert k.by_period == {"2024-01": 100.0, "2024-02": 300.0, "2024-03": 0.0}
    assert k.by == {"rep": {"Anna": 100.0, "Ben": 300.0},
                    "channel": {"ads": 300.0, "web": 100.0},
                    "team": {"East": 100.0, "West": 300.0}}
    assert k.extra == {}
    assert k.explanation == "Σ amount of 2 won deals closed in 2024-01-01 – 2024-03-31 = 400.00"


def test_deals_won_counts_deals_without_amount_and_has_no_target_keys_without_targets():
    k = run([("d.csv", DEALS)], only=["deals_won"])["deals_won"]
    assert k.value == 3
    assert k.by_period == {"2024-01": 1, "2024-02": 2, "2024-03": 0}
    assert k.by["rep"] == {"Anna": 2, "Ben": 1}
    assert k.by["channel"] == {"ads": 1, "web": 2}
    assert k.extra == {}
    assert k.status is None


@pytest.mark.parametrize(("monthly", "attainment", "status"),
                         [(2, 50.0, "bad"), (1, 100.0, "good"), (1.1, 3 / 3.3 * 100, "watch")])
def test_deals_won_against_a_company_deals_target(monthly, attainment, status):
    targets = (f"period,target,metric\n2024-01,{monthly},deals\n2024-02,{monthly},deals\n"
               f"2024-03,{monthly},deals\n2024-01,99999,revenue\n").encode()
    k = run([("d.csv", DEALS), ("t.csv", targets)], only=["deals_won"])["deals_won"]
    assert k.extra == {"target": pytest.approx(3 * monthly),
                       "attainment_pct": pytest.approx(attainment)}
    assert k.status == status


def test_deals_won_with_only_a_revenue_target_has_no_target_keys():
    targets = b"period,target\n2024-01,1000\n"
    k = run([("d.csv", DEALS), ("t.csv", targets)], only=["deals_won"])["deals_won"]
    assert k.extra == {}
    assert k.status is None


def test_worked_example_revenue_per_deal_s3_31():
    rows = [f"w{i},2024-01-{1 + i % 28:02d},200,Closed Won,2024-02-{1 + i % 28:02d}"
            for i in range(30)]
    k = run([("d.csv", deals_csv(rows))], only=["average_deal_size", "won_revenue", "deals_won"])
    assert k["average_deal_size"].value == pytest.approx(200.0)
    assert k["won_revenue"].value == pytest.approx(6000.0)
    assert k["deals_won"].value == 30
    assert k["average_deal_size"].extra == {"won_value": pytest.approx(6000.0), "won_deals": 30}


# -- F. pipeline ------------------------------------------------------------------------------
def test_new_opportunities_by_created_date():
    k = run([("d.csv", DEALS)], only=["new_opportunities"])["new_opportunities"]
    assert k.value == 8
    assert k.by_period == {"2024-01": 4, "2024-02": 2, "2024-03": 2}
    assert k.by["channel"] == {"ads": 3, "web": 4, "(none)": 1}
    assert k.by["team"] == {"East": 4, "West": 4}


def test_pipeline_value_stock_at_each_period_end_and_weighted():
    k = run([("d.csv", DEALS)], only=["pipeline_value"])["pipeline_value"]
    assert k.value == pytest.approx(340.0)  # d6 200 + d7 100 + d8 40
    assert k.extra == {"weighted": pytest.approx(200 * 0.4 + 100 * 0.8 + 40 * 0.1)}
    # 31 Jan: d2 300, d3 (no amount), d4 50 open; 29 Feb: d5 80, d6 200
    assert k.by_period == {"2024-01": 350.0, "2024-02": 280.0, "2024-03": 340.0}
    assert k.by == {"stage": {"Negotiation": 100.0, "Proposal": 240.0}}


def test_pipeline_value_stock_at_the_clipped_end_of_a_partial_period():
    k = run([("d.csv", DEALS)], end=dt.date(2024, 2, 10), only=["pipeline_value"])
    pv = k["pipeline_value"]
    # 10 Feb: d2 300, d3, d5 80, d6 200 (created that day) open; d4 closed on 1 Feb
    assert pv.by_period == {"2024-01": 350.0, "2024-02": 580.0}
    assert pv.value == pytest.approx(580.0)


def test_deals_by_stage_counts_values_and_all_four_probability_bands():
    k = run([("d.csv", DEALS)], only=["deals_by_stage"])["deals_by_stage"]
    assert k.value == 3
    assert k.by["stage"] == {"Negotiation": 1, "Proposal": 2}  # "proposal" grouped
    assert k.by["probability_band"] == {"0-25": 1, "25-50": 1, "50-75": 0, "75-100": 1}
    assert k.extra == {"value_by_stage": {"Negotiation": 100.0, "Proposal": 240.0},
                       "value_by_probability_band": {"0-25": 40.0, "25-50": 200.0,
                                                     "50-75": 0.0, "75-100": 100.0}}
    assert k.by_period == {"2024-01": 3, "2024-02": 2, "2024-03": 3}
    assert k.status is None


def test_deals_by_stage_without_probability_has_no_band_keys():
    # o2 has neither stage nor status: not won/lost, so open, in stage `(none)`
    rows = ["o1,2024-01-05,100,Demo,", "o2,2024-01-06,50,,", "o3,2024-01-07,70,Demo,"]
    k = run([("d.csv", deals_csv(rows))], only=["deals_by_stage"])["deals_by_stage"]
    assert k.value == 3
    assert k.by == {"stage": {"Demo": 2, "(none)": 1}}
    assert k.extra == {"value_by_stage": {"Demo": 170.0, "(none)": 50.0}}


def test_stage_at_t_of_deals_closed_since_unknown_without_history():
    k = run([("d.csv", DEALS)], end=dt.date(2024, 1, 31),
            only=["deals_by_stage", "pipeline_value"])
    # open on 31 Jan: d2, d3, d4, all closed since and without stage history
    assert k["deals_by_stage"].by["stage"] == {"(unknown)": 3}
    assert k["deals_by_stage"].by["probability_band"] == {
        "0-25": 0, "25-50": 0, "50-75": 0, "75-100": 0}
    assert k["pipeline_value"].value == pytest.approx(350.0)
    assert k["pipeline_value"].extra == {"weighted": 0.0}


def test_stage_and_probability_at_t_from_history_and_median_of_open_deals():
    k = run([("d.csv", DEALS), ("h.csv", D2_HISTORY)], end=dt.date(2024, 1, 31),
            only=["deals_by_stage", "pipeline_value"])
    by = k["deals_by_stage"].by
    assert by["stage"] == {"Proposal": 1, "(unknown)": 2}
    # d2's probability at 31 Jan = median of open Proposal deals (0.4, 0.1) = 0.25
    assert by["probability_band"] == {"0-25": 0, "25-50": 1, "50-75": 0, "75-100": 0}
    assert k["pipeline_value"].extra == {"weighted": pytest.approx(300 * 0.25)}


def test_stage_conversion_collapses_repeats_and_skipped_stages_are_not_reached():
    k = run([("h.csv", FUNNEL)], only=["stage_conversion"])["stage_conversion"]
    assert k.available
    assert k.by["step"] == {"Lead->Demo": pytest.approx(50.0),
                            "Demo->Proposal": pytest.approx(100.0),
                            "Proposal->Closed Won": pytest.approx(50.0)}
    assert k.extra == {"deals_reaching_stage": {"Lead": 4, "Demo": 2, "Proposal": 2,
                                                "Closed Won": 1}}
    assert k.value == pytest.approx(25.0)
    assert k.by_period == {}


def test_stage_conversion_only_counts_entries_dated_in_the_range():
    k = run([("h.csv", FUNNEL)], start=dt.date(2024, 1, 4), end=dt.date(2024, 1, 31),
            only=["stage_conversion"])["stage_conversion"]
    # Lead entries of a (2 Jan) and b (3 Jan) fall before the range
    assert k.extra["deals_reaching_stage"] == {"Lead": 2, "Demo": 2, "Proposal": 2,
                                               "Closed Won": 1}
    assert k.by["step"]["Lead->Demo"] == pytest.approx(100.0)
    assert k.value == pytest.approx(50.0)


def test_time_in_stage_collapsed_stays():
    k = run([("h.csv", FUNNEL)], only=["time_in_stage"])["time_in_stage"]
    # a: Lead 3, Demo 10 (2nd Demo row collapsed), Proposal 10; b: Lead 7, Demo 10; c: Lead 8
    assert k.value == pytest.approx(48 / 6)
    assert k.by == {"stage": {"Demo": pytest.approx(10.0), "Lead": pytest.approx(6.0),
                              "Proposal": pytest.approx(10.0)}}
    assert k.by_period == {}


STAGE_ORDER = b"""deal_id,stage,entered_date,stage_order
x,Qualified,2024-01-02,2
x,Lead,2024-01-02,1
y,Lead,2024-01-03,1
y,Qualified,2024-01-03,2
y,Weird,2024-01-04,
"""


def test_funnel_order_from_stage_order_and_same_day_rows_in_funnel_order():
    k = run([("h.csv", STAGE_ORDER)], only=["stage_conversion", "time_in_stage"])
    sc = k["stage_conversion"]
    assert sc.by["step"] == {"Lead->Qualified": pytest.approx(100.0)}  # Weird: no order
    assert sc.extra == {"deals_reaching_stage": {"Lead": 2, "Qualified": 2}}
    assert sc.value == pytest.approx(100.0)
    # x's same-day rows go Lead -> Qualified (0 days); y: Lead 0, Qualified 1
    tis = k["time_in_stage"]
    assert tis.by["stage"] == {"Lead": pytest.approx(0.0), "Qualified": pytest.approx(1.0)}
    assert tis.value == pytest.approx(1 / 3)


def test_funnel_order_from_deals_stage_order():
    deals = deals_csv(["a,2024-01-01,10,Won,", "b,2024-01-01,10,Demo,"],
                      "Deal ID,Create Date,Amount,Deal Stage,Stage Order").replace(
        b"Won,", b"Won,3").replace(b"Demo,", b"Demo,2")
    history = b"deal_id,stage,entered_date\na,Won,2024-01-01\na,Demo,2024-01-02\n" \
              b"b,Demo,2024-01-03\nb,Intro,2024-01-04\n"
    k = run([("d.csv", deals), ("h.csv", history)], only=["stage_conversion"])
    # Intro has no stage_order: not a step; a reached Demo then Won (history out of order)
    assert k["stage_conversion"].by["step"] == {"Demo->Won": pytest.approx(50.0)}


def test_pipeline_velocity_and_monthly_forecast():
    k = run([("d.csv", DEALS)], only=["pipeline_velocity"])["pipeline_velocity"]
    cycle = (17 + 41 + 43) / 3
    expected = 200 * 3 * 0.6 / cycle  # size 400/2, 3 open on 31 Mar, win rate 3/5
    assert k.value == pytest.approx(expected)
    assert k.extra == {"per_month": pytest.approx(expected * 21), "selling_days_per_month": 21}
    assert k.by_period["2024-01"] == pytest.approx(100 * 3 * 1.0 / 17)
    assert k.by_period["2024-03"] is None  # nothing won in March


def test_pipeline_velocity_uses_the_selling_days_setting():
    k = run([("d.csv", DEALS)], only=["pipeline_velocity"],
            settings=Settings(selling_days_per_month=20))["pipeline_velocity"]
    assert k.extra["selling_days_per_month"] == 20
    assert k.extra["per_month"] == pytest.approx(k.value * 20)


def test_deals_by_channel_counts_and_values():
    k = run([("d.csv", DEALS)], only=["deals_by_channel"])["deals_by_channel"]
    assert k.value == 3
    assert k.by == {"channel": {"ads": 1, "web": 2}}
    assert k.extra == {"value_by_channel": {"ads": 300.0, "web": 100.0},
                       "won_value": pytest.approx(400.0)}
    assert k.by_period == {"2024-01": 1, "2024-02": 2, "2024-03": 0}


# -- G. conversion and closing --------------------------------------------------------------
def test_win_rate_over_closed_deals():
    k = run([("d.csv", DEALS)], only=["win_rate"])["win_rate"]
    assert k.value == pytest.approx(60.0)
    assert k.by_period == {"2024-01": pytest.approx(100.0), "2024-02": pytest.approx(200 / 3),
                           "2024-03": pytest.approx(0.0)}
    assert k.by == {"rep": {"Anna": pytest.approx(200 / 3), "Ben": pytest.approx(50.0)},
                    "team": {"East": pytest.approx(200 / 3), "West": pytest.approx(50.0)}}


def test_quote_to_close_band_and_periods():
    k = run([("d.csv", DEALS)], only=["quote_to_close"])["quote_to_close"]
    # quotes d1, d2, d4 (Jan), d6 (Mar); won d1, d2
    assert k.value == pytest.approx(50.0)
    assert k.status == "good"
    assert k.by_period == {"2024-01": pytest.approx(200 / 3), "2024-02": None,
                           "2024-03": pytest.approx(0.0)}


def test_quote_to_close_won_after_the_range_end_not_counted_and_unknown_close_counts():
    rows = ["q1,2024-01-01,10,Closed Won,2024-04-15,2024-01-05",
            "q2,2024-01-01,10,Closed Won,,2024-01-06",
            "q3,2024-01-01,10,Proposal,,2024-01-07",
            "q4,2024-01-01,10,Proposal,,2024-01-08",
            "q5,2024-01-01,10,Proposal,,2024-01-09"]
    k = run([("d.csv", deals_csv(rows, "deal_id,created_date,amount,stage,close_date,"
                                       "quote_date"))],
            end=dt.date(2024, 1, 31), only=["quote_to_close", "deals_won"])
    q = k["quote_to_close"]
    assert q.value == pytest.approx(20.0)  # q2 only (unknown close date); q1 won after
    assert q.status == "watch"
    assert k["deals_won"].value == 0  # q2's close date is unknown: in no outcome KPI


def test_quote_to_close_bad_band():
    rows = ["q1,2024-01-01,10,Closed Won,2024-01-20,2024-01-05",
            *[f"q{i},2024-01-01,10,Proposal,,2024-01-06" for i in range(2, 7)]]
    k = run([("d.csv", deals_csv(rows, "deal_id,created_date,amount,stage,close_date,"
                                       "quote_date"))],
            end=dt.date(2024, 1, 31), only=["quote_to_close"])["quote_to_close"]
    assert k.value == pytest.approx(100 / 6)
    assert k.status == "bad"


def test_average_deal_size_skips_deals_without_amount():
    k = run([("d.csv", DEALS)], only=["average_deal_size"])["average_deal_size"]
    assert k.value == pytest.approx(200.0)  # 400 / 2 won deals having an amount
    assert k.extra == {"won_value": pytest.approx(400.0), "won_deals": 3}
    assert k.by_period == {"2024-01": 100.0, "2024-02": 300.0, "2024-03": None}


def test_sales_cycle_and_time_to_loss():
    k = run([("d.csv", DEALS)], only=["sales_cycle_length", "avg_time_to_loss"])
    assert k["sales_cycle_length"].value == pytest.approx((17 + 41 + 43) / 3)
    assert k["sales_cycle_length"].by_period == {"2024-01": 17.0, "2024-02": 42.0,
                                                 "2024-03": None}
    assert k["avg_time_to_loss"].value == pytest.approx((22 + 30) / 2)
    assert k["avg_time_to_loss"].by_period == {"2024-01": None, "2024-02": 22.0,
                                               "2024-03": 30.0}


def test_negative_cycles_left_out_but_the_deal_still_counts():
    rows = ["n1,2024-02-10,100,Closed Won,2024-02-01", "n2,2024-01-01,100,Closed Won,2024-01-11"]
    k = run([("d.csv", deals_csv(rows))], only=["sales_cycle_length", "deals_won"])
    assert k["sales_cycle_length"].value == pytest.approx(10.0)
    assert k["deals_won"].value == 2


def test_close_date_from_the_last_stage_history_entry():
    rows = ["h1,2024-01-05,100,Closed Won,", "h2,2024-01-05,50,Closed Won,"]
    history = b"deal_id,stage,entered_date\nh1,Lead,2024-01-05\nh1,Closed Won,2024-02-05\n"
    k = run([("d.csv", deals_csv(rows)), ("h.csv", history)],
            only=["won_revenue", "sales_cycle_length", "pipeline_value"])
    assert k["won_revenue"].by_period == {"2024-01": 0.0, "2024-02": 100.0, "2024-03": 0.0}
    assert k["sales_cycle_length"].value == pytest.approx(31.0)
    # h1 was open on 31 Jan; h2 (won, close date unknown) is never open
    assert k["pipeline_value"].by_period == {"2024-01": 100.0, "2024-02": 0.0, "2024-03": 0.0}


def test_conversation_drop_off_on_the_fixture():
    k = run([("d.csv", DEALS)], only=["conversation_drop_off"])["conversation_drop_off"]
    assert k.value == pytest.approx(20.0)  # (2 lost − 1 unwinnable) / 5 closed
    assert k.extra == {"lost_share": pytest.approx(40.0),
                       "unwinnable_share_of_lost": pytest.approx(50.0),
                       "unwinnable_share_of_all": pytest.approx(20.0)}
    assert k.by_period == {"2024-01": pytest.approx(0.0), "2024-02": pytest.approx(0.0),
                           "2024-03": pytest.approx(100.0)}


def test_worked_example_conversation_drop_off_s3_8():
    rows = [f"w{i},2024-01-02,100,Closed Won,2024-02-01," for i in range(30)]
    rows += [f"l{i},2024-01-02,100,Closed Lost,2024-02-01,{'no' if i < 56 else ''}"
             for i in range(70)]
    data = deals_csv(rows, "deal_id,created_date,amount,stage,close_date,winnable")
    k = run([("d.csv", data)], only=["conversation_drop_off", "win_rate"])
    c = k["conversation_drop_off"]
    assert c.value == pytest.approx(14.0)
    assert c.extra == {"lost_share": pytest.approx(70.0),
                       "unwinnable_share_of_lost": pytest.approx(80.0),
                       "unwinnable_share_of_all": pytest.approx(56.0)}
    assert k["win_rate"].value == pytest.approx(30.0)


def test_all_deals_open_gives_zero_flows_and_null_rates():
    # an expected close date on an open deal is ignored (it only makes close_date present)
    rows = ["o1,2024-01-05,100,Demo,2024-05-31,yes", "o2,2024-02-06,50,Proposal,,"]
    data = deals_csv(rows, "deal_id,created_date,amount,stage,close_date,winnable")
    ids = ["won_revenue", "deals_won", "win_rate", "average_deal_size", "sales_cycle_length",
           "avg_time_to_loss", "pipeline_velocity", "conversation_drop_off", "deals_by_channel",
           "pipeline_value"]
    k = run([("d.csv", data)], only=ids)
    assert k["won_revenue"].value == 0.0
    assert k["deals_won"].value == 0
    for kpi in ("win_rate", "average_deal_size", "sales_cycle_length", "avg_time_to_loss",
                "pipeline_velocity", "conversation_drop_off"):
        assert k[kpi].value is None, kpi
        assert all(v is None for v in k[kpi].by_period.values()), kpi
    assert k["average_deal_size"].extra == {"won_value": 0.0, "won_deals": 0}
    assert k["pipeline_velocity"].extra == {"per_month": None, "selling_days_per_month": 21}
    assert k["pipeline_value"].value == pytest.approx(150.0)


def test_an_empty_period_flows_zero_rates_null_stocks_carried():
    ids = ["won_revenue", "deals_won", "new_opportunities", "win_rate", "average_deal_size",
           "sales_cycle_length", "pipeline_value", "deals_by_stage", "quote_to_close"]
    k = run([("d.csv", DEALS)], end=dt.date(2024, 4, 30), only=ids)
    assert k["won_revenue"].by_period["2024-04"] == 0.0
    assert k["deals_won"].by_period["2024-04"] == 0
    assert k["new_opportunities"].by_period["2024-04"] == 0
    for kpi in ("win_rate", "average_deal_size", "sales_cycle_length", "quote_to_close"):
        assert k[kpi].by_period["2024-04"] is None, kpi
    assert k["pipeline_value"].by_period["2024-04"] == pytest.approx(340.0)
    assert k["deals_by_stage"].by_period["2024-04"] == 3


def test_week_and_quarter_grains():
    k = run([("d.csv", DEALS)], grain="quarter", only=["deals_won", "pipeline_value"])
    assert k["deals_won"].by_period == {"2024-Q1": 3}
    assert k["pipeline_value"].by_period == {"2024-Q1": pytest.approx(340.0)}
    w = run([("d.csv", DEALS)], start=dt.date(2024, 1, 15), end=dt.date(2024, 1, 31),
            grain="week", only=["deals_won", "pipeline_value"])
    assert w["deals_won"].by_period == {"2024-W03": 1, "2024-W04": 0, "2024-W05": 0}
    # 21 Jan (end of W03): d2, d3, d4 open (d1 closed on 20 Jan); W05 clipped to 31 Jan
    assert w["pipeline_value"].by_period == {"2024-W03": 350.0, "2024-W04": 350.0,
                                             "2024-W05": 350.0}


# -- D. last contact ---------------------------------------------------------------------------
def test_stale_deals_open_at_each_instant():
    k = run([("d.csv", DEALS), ("a.csv", ACTIVITIES)],
            only=["stale_leads_deals"])["stale_leads_deals"]
    # 31 Mar: d6 last call 25 Mar (6 days), d7 created 5 Mar (26), d8 created 10 Mar (21)
    assert k.value == pytest.approx(200 / 3)
    assert k.extra == {"open_records": 3, "mean_days_since_last_contact": pytest.approx(53 / 3),
                       "days_since_last_contact": {"d6": 6, "d7": 26, "d8": 21},
                       "records": "deals"}
    # 31 Jan: d2 (call 15 Jan: 16 days), d3 (23), d4 (21); 29 Feb: d5 (28), d6 (19)
    assert k.by_period == {"2024-01": pytest.approx(100.0), "2024-02": pytest.approx(100.0),
                           "2024-03": pytest.approx(200 / 3)}


def test_stale_threshold_is_the_setting_and_strict():
    k = run([("d.csv", DEALS), ("a.csv", ACTIVITIES)], only=["stale_leads_deals"],
            settings=Settings(stale_after_days=21))["stale_leads_deals"]
    assert k.value == pytest.approx(100 / 3)  # only d7 (26 > 21); d8 has exactly 21


def test_stale_leads_without_deals():
    leads = b"""lead_id,created_date,converted,converted_date
L1,2024-03-01,,
L2,2024-03-05,yes,2024-03-15
L3,2024-03-10,yes,2024-04-10
L4,2024-03-12,no,
L5,2024-04-02,,
L6,2024-03-01,yes,
"""
    acts = b"activity_date,type,lead_id\n2024-03-20,call,L1\n2024-03-13,email,L4\n"
    k = run([("l.csv", leads), ("a.csv", acts)], start=dt.date(2024, 3, 1),
            only=["stale_leads_deals"])["stale_leads_deals"]
    assert k.value == pytest.approx(200 / 3)
    assert k.extra == {"open_records": 3, "mean_days_since_last_contact": pytest.approx(50 / 3),
                       "days_since_last_contact": {"L1": 11, "L3": 21, "L4": 18},
                       "records": "leads"}


def test_stale_with_nothing_open_is_null():
    rows = ["w1,2024-01-05,100,Closed Won,2024-01-10"]
    acts = b"activity_date,type,deal_id\n2024-01-06,call,w1\n"
    k = run([("d.csv", deals_csv(rows)), ("a.csv", acts)], only=["stale_leads_deals"])
    s = k["stale_leads_deals"]
    assert s.value is None
    assert s.extra == {"open_records": 0, "mean_days_since_last_contact": None,
                       "days_since_last_contact": {}, "records": "deals"}


# -- availability --------------------------------------------------------------------------------
def test_availability_reports_missing_fields():
    rows = ["o1,2024-01-05,100,Demo", "o2,2024-01-06,50,Closed Won"]
    data = deals_csv(rows, "Deal ID,Create Date,Amount,Deal Stage")
    k = run([("d.csv", data)], only=[
        "won_revenue", "deals_won", "win_rate", "conversation_drop_off", "deals_by_channel",
        "quote_to_close", "stage_conversion", "time_in_stage", "stale_leads_deals",
        "new_opportunities", "pipeline_value", "deals_by_stage"])
    assert k["won_revenue"].available is False
    assert k["won_revenue"].missing_fields == ("deals.close_date",)
    assert k["win_rate"].missing_fields == ("deals.close_date",)
    assert k["conversation_drop_off"].missing_fields == ("deals.close_date", "deals.winnable")
    assert k["deals_by_channel"].missing_fields == ("deals.close_date", "deals.channel")
    assert k["quote_to_close"].missing_fields == ("deals.quote_date",)
    assert k["stage_conversion"].missing_fields == ("stage_history",)
    assert k["time_in_stage"].missing_fields == ("stage_history",)
    assert k["stale_leads_deals"].missing_fields == ("activities",)
    for kpi in ("new_opportunities", "pipeline_value", "deals_by_stage"):
        assert k[kpi].available, kpi


def test_stage_history_unlocks_the_won_kpis_and_deals_by_stage_needs_a_stage():
    data = deals_csv(["o1,2024-01-05,100,Won"], "deal_id,created_date,amount,status")
    history = b"deal_id,stage,entered_date\no1,Won,2024-01-15\n"
    k = run([("d.csv", data), ("h.csv", history)],
            only=["won_revenue", "deals_by_stage", "stale_leads_deals"])
    assert k["won_revenue"].available
    assert k["won_revenue"].value == pytest.approx(100.0)
    assert k["deals_by_stage"].missing_fields == ("deals.stage",)
    assert k["stale_leads_deals"].missing_fields == ("activities",)


def test_as_json_shape():
    ds = load([("d.csv", DEALS)])
    out = evaluate(ds.tables, Query(start=JAN1, end=MAR31), ds.currency,
                   only=["deals_by_stage", "win_rate"]).as_json()
    dbs = out["kpis"]["deals_by_stage"]
    assert dbs["unit"] == "count" and dbs["direction"] == "neutral"
    assert out["kpis"]["win_rate"]["unit"] == "percent"
    assert out["kpis"]["win_rate"]["value"] == 60.0


# -- per-period machinery (one plan over the range, rows indexed by period / vectorised period ends)
def test_stale_by_period_window_edges_on_overlapping_weeks():
    # S = 14; week ends 7, 14, 21, 28 Jan. a: created 1 Jan, calls 7 Jan and 22 Jan;
    # b: created 1 Jan, call on 29 Jan (after the range, not counted); c: won on 10 Jan.
    rows = ["a,2024-01-01,10,Demo,", "b,2024-01-01,10,Demo,", "c,2024-01-01,10,Closed Won,2024-01-10"]
    acts = b"activity_date,type,deal_id\n2024-01-07,call,a\n2024-01-22,call,a\n" \
           b"2024-01-29,call,b\n2023-12-01,call,b\n"
    k = run([("d.csv", deals_csv(rows)), ("a.csv", acts)], end=dt.date(2024, 1, 28),
            grain="week", only=["stale_leads_deals"])["stale_leads_deals"]
    # 7 Jan: a 0 days, b 6, c 6 -> none stale. 14 Jan: a 7, b 13 (c closed) -> none.
    # 21 Jan: a 14 (call on t - S: not stale), b 20 -> 1 of 2. 28 Jan: a 6, b 27 -> 1 of 2.
    assert k.by_period == {"2024-W01": 0.0, "2024-W02": 0.0, "2024-W03": 50.0, "2024-W04": 50.0}
    assert k.extra["days_since_last_contact"] == {"a": 6, "b": 27}
    s15 = run([("d.csv", deals_csv(rows)), ("a.csv", acts)], end=dt.date(2024, 1, 21),
              grain="week", only=["stale_leads_deals"],
              settings=Settings(stale_after_days=13))["stale_leads_deals"]
    assert s15.by_period["2024-W03"] == 100.0  # a: 14 > 13 once the window starts on 8 Jan


def test_stale_leads_by_period_follow_conversion_dates():
    leads = b"""lead_id,created_date,converted,converted_date
L1,2024-01-01,,2024-02-10
L2,2024-01-01,yes,
L3,2024-01-20,no,2024-01-25
L4,2024-01-05,,
"""
    acts = b"activity_date,type,lead_id\n2024-01-25,call,L1\n2024-02-20,call,L3\n"
    k = run([("l.csv", leads), ("a.csv", acts)], end=dt.date(2024, 3, 31),
            only=["stale_leads_deals"])["stale_leads_deals"]
    # L2 converted at an unknown date: never open; L3's conversion date is ignored ("no").
    # 31 Jan: L1 6 days, L3 11, L4 26 -> 1 of 3. 29 Feb: L1 converted on 10 Feb; L3 9, L4 55
    # -> 1 of 2. 31 Mar: L3 40, L4 86 -> 2 of 2.
    assert k.by_period == {"2024-01": pytest.approx(100 / 3), "2024-02": 50.0, "2024-03": 100.0}
    assert k.extra["days_since_last_contact"] == {"L4": 86, "L3": 40}


def _reference(tables, q):
    """The per-period values the straightforward way: filter every period again."""
    import polars as pl

    from kpi_engine.context import Context
    from kpi_engine.deals import deals_lf
    from kpi_engine.fmt import div, pct_of

    ctx = Context(tables, q)
    # in date order, file order among equal dates (the float sums are compared exactly)
    d = deals_lf(ctx).collect().sort("created_date", nulls_last=True, maintain_order=True)

    def closed_in(s, e, status=None):
        statuses = [status] if status else ["won", "lost"]
        return d.filter(pl.col("status").is_in(statuses) & pl.col("closed").is_between(s, e))

    def open_at(t):
        gone = pl.col("status").is_in(["won", "lost"]).fill_null(False) & (
            pl.col("closed").is_null() | (pl.col("closed") <= t))
        return d.filter((pl.col("created") <= t) & ~gone)

    def mean(s):
        return float(s.mean()) if s.len() else None

    def days(df):
        s = df.select((pl.col("closed") - pl.col("created")).dt.total_days())[:, 0]
        return s.filter(s >= 0)

    def ads(w):
        w = w.filter(pl.col("amount").is_not_null())
        return div(float(w["amount"].sum() or 0.0) if w.height else 0.0, w.height)

    acts = ctx.t("activities")
    out: dict[str, dict] = {}
    for p in ctx.periods:
        s, e = p.clip_start, p.clip_end
        closed, won = closed_in(s, e), closed_in(s, e, "won")
        lost = closed_in(s, e, "lost")
        rate = pct_of(won.height, closed.height)
        n_open = open_at(e).height
        cycle, a = mean(days(won)), ads(won)
        velocity = (div(a * n_open * rate / 100, cycle)
                    if a is not None and rate is not None else None)
        recs = open_at(e)
        last = (acts.filter(pl.col("deal_id").is_not_null()
                            & (pl.col("activity_date").dt.date() <= e))
                .group_by("deal_id").agg(_a=pl.col("activity_date").dt.date().max()))
        recs = recs.join(last, on="deal_id", how="left").with_columns(
            g=(pl.lit(e) - pl.max_horizontal("created", "_a")).dt.total_days())
        quotes = d.filter(pl.col("quote_date").is_between(s, e))
        q_won = quotes.filter((pl.col("status") == "won") & (
            pl.col("closed").is_null() | (pl.col("closed") <= ctx.end))).height
        unwinnable = lost.filter(pl.col("winnable").not_()).height
        row = {
            "won_revenue": float(won["amount"].sum() or 0.0) if won.height else 0.0,
            "deals_won": float(won.height), "deals_by_channel": float(won.height),
            "new_opportunities": float(d.filter(pl.col("created").is_between(s, e)).height),
            "pipeline_value": float(open_at(e)["amount"].sum() or 0.0) if n_open else 0.0,
            "deals_by_stage": float(n_open), "win_rate": rate, "average_deal_size": a,
            "sales_cycle_length": cycle, "avg_time_to_loss": mean(days(lost)),
            "conversation_drop_off": pct_of(lost.height - unwinnable, closed.height),
            "pipeline_velocity": velocity, "quote_to_close": pct_of(q_won, quotes.height),
            "stale_leads_deals": pct_of(recs.filter(pl.col("g") > 14).height, recs.height)}
        for kpi, v in row.items():
            out.setdefault(kpi, {})[p.label] = v
    return out


@pytest.mark.parametrize("grain,start,end", [
    ("month", None, None), ("week", dt.date(2024, 2, 7), dt.date(2024, 5, 3)),
    ("quarter", dt.date(2024, 1, 20), dt.date(2024, 12, 31))])
def test_by_period_equals_filtering_every_period(grain, start, end):
    import numpy as np

    rng = np.random.default_rng(5)
    n = 300
    created = [dt.date(2024, 1, 1) + dt.timedelta(days=int(x)) for x in rng.integers(0, 300, n)]
    status = rng.choice(["Closed Won", "Closed Lost", "Proposal", ""], n, p=[.35, .35, .25, .05])
    lines = ["deal_id,created_date,amount,stage,close_date,quote_date,winnable,channel,status"]
    for i in range(n):
        c = created[i]
        close = c + dt.timedelta(days=int(rng.integers(-5, 80)))
        closed = status[i].startswith("Closed") and rng.random() > .05
        quote = c + dt.timedelta(days=int(rng.integers(0, 30))) if rng.random() > .3 else ""
        amount = f"{rng.random() * 1000:.2f}" if rng.random() > .1 else ""
        st = {"Closed Won": "won", "Closed Lost": "lost", "Proposal": "open"}.get(status[i], "")
        lines.append(f"D{i % 290},{c},{amount},{status[i]},{close if closed else ''},{quote},"
                     f"{rng.choice(['yes', 'no', ''])},{rng.choice(['web', 'ads'])},{st}")
    act_days = rng.integers(-20, 320, 3000)
    acts = ["activity_date,type,deal_id"] + [
        f"{dt.date(2024, 1, 1) + dt.timedelta(days=int(x))},call,"
        f"{'D' + str(rng.integers(0, 310)) if rng.random() > .05 else ''}" for x in act_days]
    ds = load([("d.csv", ("\n".join(lines) + "\n").encode()),
               ("a.csv", ("\n".join(acts) + "\n").encode())])
    q = Query(start=start, end=end, grain=grain)
    got = evaluate(ds.tables, q, ds.currency).kpis
    want = _reference(ds.tables, q)
    for kpi, by_period in want.items():
        assert got[kpi].available, kpi
        assert got[kpi].by_period == by_period, kpi
