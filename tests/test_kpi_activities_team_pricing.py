"""Groups E (activities), I (team and targets, with monthly_sales_progress and pipeline_coverage)
and J (pricing): values worked out by hand on tiny uploads."""

from __future__ import annotations

import datetime as dt

import pytest

from kpi_engine.evaluate import evaluate
from kpi_engine.ingest.dataset import load
from kpi_engine.query import Query, Settings
from tests.conftest import assert_periods_are_headlines

D = dt.date


def run(files, start=None, end=None, grain="month", only=None, **settings):
    ds = load(files)
    q = Query(start=start, end=end, grain=grain, settings=Settings(**settings))
    return evaluate(ds.tables, q, ds.currency, only=only).kpis


def one(kpi, files, **kw):
    return run(files, only=[kpi], **kw)[kpi]


# == E. Sales activity ========================================================================
ACTS = b"""activity_id;activity_date;type;rep;outcome;deal_id;lead_id
1;2024-01-03;call;Ann;completed;D1;
2;2024-01-04;email;Bob;opened;;L1
3;2024-01-10;meeting;Ann;completed;D1;
4;2024-01-20;demo;Bob;no_show;;L1
5;2024-02-05;meeting;Ann;cancelled;D1;
6;2024-02-06;call;ann;;;
7;2024-02-07;onboarding;Cid;completed;;
8;2024-03-01;meeting;Bob;scheduled;;L1
9;2024-03-02;demo;;completed;;
10;2024-03-03;email;Bob;bounced;;
11;2024-03-04;;Cid;;;
"""
A = [("activities.csv", ACTS)]
JAN_APR = {"start": D(2024, 1, 1), "end": D(2024, 4, 30)}


def test_activity_volume_counts_every_outcome_by_type_and_rep():
    k = one("activity_volume", A, **JAN_APR)
    assert k.value == 11
    assert k.by_period == {"2024-01": 4, "2024-02": 3, "2024-03": 4, "2024-04": 0}
    assert k.by["type"] == {"call": 2, "email": 2, "meeting": 3, "demo": 2, "onboarding": 1,
                            "(none)": 1}
    assert k.by["rep"] == {"Ann": 4, "Bob": 4, "Cid": 2, "(none)": 1}
    assert k.status is None and k.direction == "higher" and k.unit == "count"


def test_activity_volume_without_rep_column_has_no_by_rep():
    k = one("activity_volume", [("a.csv", b"activity_date;type\n2024-01-03;call\n")])
    assert k.value == 1 and set(k.by) == {"type"}


def test_calls_emails_per_rep_distinct_active_reps_and_months():
    k = one("calls_emails_per_rep", A, **JAN_APR)
    # calls + e-mails: rows 1, 2, 6, 10 = 4; reps with any activity: Ann, Bob, Cid; 4 months
    assert k.value == pytest.approx(4 / 3 / 4)
    assert k.by_period["2024-01"] == pytest.approx(1.0)  # 2 / 2 reps / 1 month
    assert k.by_period["2024-02"] == pytest.approx(0.5)  # 1 call / Ann, Cid
    assert k.by_period["2024-03"] == pytest.approx(0.5)  # 1 e-mail / Bob, Cid
    assert k.by_period["2024-04"] is None  # no rep active: n/a
    # activities with a rep only; each rep's calls + e-mails / 4 months of the range
    assert k.by == {"rep": {"Ann": pytest.approx(0.5), "Bob": pytest.approx(0.5), "Cid": 0.0}}


def test_calls_emails_per_rep_number_of_reps_setting_and_partial_months():
    k = one("calls_emails_per_rep", A, start=D(2024, 1, 1), end=D(2024, 1, 15),
            number_of_reps=2)
    # 2 calls/e-mails (Jan 3, Jan 4) / 2 reps / (15 / 31) months
    assert k.value == pytest.approx(2 / 2 / (15 / 31))
    k = one("calls_emails_per_rep", A, number_of_reps=2, **JAN_APR)
    assert k.value == pytest.approx(4 / 2 / 4)
    assert k.by_period["2024-04"] == 0.0  # a known rep count: 0, not n/a


def test_demos_onboarding_calls_with_per_month():
    k = one("demos_onboarding_calls", A, **JAN_APR)
    assert k.value == 3  # rows 4 (no_show counts), 7, 9
    assert k.by_period == {"2024-01": 1, "2024-02": 1, "2024-03": 1, "2024-04": 0}
    assert k.extra == {"per_month": pytest.approx(0.75)}


def test_meetings_booked_counts_type_meeting_only():
    k = one("meetings_booked", A, **JAN_APR)
    assert k.value == 3  # rows 3, 5 (cancelled still counts), 8
    assert k.by_period == {"2024-01": 1, "2024-02": 1, "2024-03": 1, "2024-04": 0}


def test_follow_up_meetings_inferred_from_the_key_first_meeting_day():
    k = one("follow_up_meetings", A, **JAN_APR)
    # D1 met first on Jan 10, again Feb 5 -> 1 follow-up; L1's first meeting is Mar 1 (the demo
    # of Jan 20 is not a meeting)
    assert k.value == 1
    assert k.by_period == {"2024-01": 0, "2024-02": 1, "2024-03": 0, "2024-04": 0}
    # the look-back uses all data: the first meeting lies before the range
    k = one("follow_up_meetings", A, start=D(2024, 2, 1), end=D(2024, 3, 31))
    assert k.value == 1


FOLLOW = b"""activity_date;type;deal_id;lead_id;customer_id
2024-01-02;meeting;D1;;
2024-01-02;meeting;D1;;
2024-01-09;meeting;;L1;
2024-01-10;meeting;;L1;
2024-01-11;meeting;;;C@x.com
2024-01-12;meeting;;;c@x.com
2024-01-13;meeting;;;
"""


def test_follow_up_meetings_same_day_and_key_fallbacks():
    k = one("follow_up_meetings", [("a.csv", FOLLOW)])
    # D1: same day -> none; L1: Jan 10; customer c@x.com (case-insensitive): Jan 12; no key: none
    assert k.value == 2


def test_follow_up_meetings_typed_follow_up_wins():
    data = FOLLOW + b"2024-01-20;Follow-up;;;\n"
    k = one("follow_up_meetings", [("a.csv", data)])
    assert k.value == 1


def test_call_show_rate_booked_and_held():
    k = one("call_show_rate", A, **JAN_APR)
    # demos and meetings: 3 completed, 4 no_show, 5 cancelled, 8 scheduled, 9 completed
    # booked = 3, 4, 9; held = 3, 9
    assert k.value == pytest.approx(200 / 3)
    assert k.status == "good"
    assert k.by_period["2024-01"] == pytest.approx(50.0)
    assert k.by_period["2024-02"] is None  # only a cancelled meeting: nothing booked
    assert k.by_period["2024-03"] == pytest.approx(100.0)
    assert k.by_period["2024-04"] is None
    assert k.explanation == "2 demos and meetings held / 3 booked × 100 = 66.7 %"


def test_call_show_rate_bands():
    assert one("call_show_rate", A, start=D(2024, 1, 1), end=D(2024, 1, 31)).status == "watch"
    data = b"activity_date;type;outcome\n2024-01-02;demo;no_show\n2024-01-03;demo;completed\n" \
           b"2024-01-04;demo;no_show\n"
    k = one("call_show_rate", [("a.csv", data)])
    assert k.value == pytest.approx(100 / 3) and k.status == "bad"
    data = b"activity_date;type;outcome\n2024-01-02;demo;cancelled\n2024-01-03;call;completed\n"
    k = one("call_show_rate", [("a.csv", data)])
    assert k.value is None and k.status is None  # zero booked: n/a


def test_activities_availability():
    plain = [("a.csv", b"activity_date;type\n2024-01-03;call\n")]
    k = run(plain, only=["call_show_rate", "calls_emails_per_rep", "activity_volume"])
    assert not k["call_show_rate"].available
    assert k["call_show_rate"].missing_fields == ("activities.outcome",)
    assert not k["calls_emails_per_rep"].available
    assert k["calls_emails_per_rep"].missing_fields == ("activities.rep",)
    assert k["activity_volume"].available
    k = run(plain, only=["calls_emails_per_rep"], number_of_reps=3)["calls_emails_per_rep"]
    assert k.available and "rep" not in k.by
    orders = [("o.csv", b"order_date;total\n2024-01-03;5\n")]
    k = run(orders, only=["activity_volume", "follow_up_meetings"])
    assert k["activity_volume"].missing_fields == ("activities",)
    assert not k["follow_up_meetings"].available


# == J. Pricing ===============================================================================
PRICES = b"""product;our price;competitor price;competitor;date
A;10;12;X;2024-01-15
A;12;8;Y;
a;11;;Z;2024-02-01
B;5;4;X;2023-05-01
B;6;6;Y;2024-03-01
C;7;0;X;
"""


def test_competitor_price_index_per_product_then_unweighted_mean():
    k = one("competitor_price_index", [("p.csv", PRICES)], start=D(2024, 1, 1),
            end=D(2024, 3, 31))
    # A: mean ours (10 + 12 + 11) / 3 = 11, mean theirs (12 + 8) / 2 = 10 -> 110 (undated row
    # counts); B: the 2023 row is outside the range -> 6 / 6 = 100; C: competitor 0 -> n/a
    assert k.by == {"product": {"A": pytest.approx(110.0), "B": pytest.approx(100.0),
                                "C": None}}
    assert k.value == pytest.approx(105.0)
    assert k.by_period == {}
    assert k.status is None and k.direction == "neutral" and k.unit == "percent"


def test_competitor_price_index_range_with_only_undated_rows():
    k = one("competitor_price_index", [("p.csv", PRICES)], start=D(2022, 1, 1),
            end=D(2022, 12, 31))
    assert k.by["product"] == {"A": pytest.approx(150.0), "C": None}  # 12 / 8 × 100
    assert k.value == pytest.approx(150.0)


def test_competitor_price_index_availability():
    k = one("competitor_price_index", [("o.csv", b"order_date;total\n2024-01-03;5\n")])
    assert not k.available and k.missing_fields == ("competitor_prices",)


CANNIBAL = b"""order_id;order_date;product;total
1;2024-01-10;Old;100
2;2024-02-10;Old;80
3;2024-03-05;Old;40
4;2024-03-20;New;60
5;2024-04-02;old;20
6;2024-05-15;New;90
7;2024-05-20;Other;999
"""
LAUNCH = {"new_product": "new", "old_product": " Old ", "launch_date": D(2024, 3, 15)}


def test_cannibalization_rate_launch_month_counts_as_after():
    k = one("cannibalization_rate", [("o.csv", CANNIBAL)], start=D(2024, 1, 1),
            end=D(2024, 5, 31), **LAUNCH)
    # before: Jan, Feb -> old 180 / 2 = 90; after: Mar (launch month), Apr, May -> old 60 / 3 =
    # 20 (May without old sales counts 0), new 150 / 3 = 50 -> (90 − 20) / 50 × 100 = 140
    assert k.extra == {"old_product_monthly_before": pytest.approx(90.0),
                       "old_product_monthly_after": pytest.approx(20.0),
                       "new_product_monthly_after": pytest.approx(50.0)}
    assert k.value == pytest.approx(140.0)
    assert k.by_period == {} and k.direction == "lower"


def test_cannibalization_rate_clips_revenue_to_the_range():
    k = one("cannibalization_rate", [("o.csv", CANNIBAL)], start=D(2024, 1, 15),
            end=D(2024, 5, 10), **LAUNCH)
    # months Jan..May intersect the range; Jan 10 and May 15 fall outside it
    # before: 80 / 2 = 40; old after: 60 / 3 = 20; new after: 60 / 3 = 20 -> 100
    assert k.extra["old_product_monthly_before"] == pytest.approx(40.0)
    assert k.extra["new_product_monthly_after"] == pytest.approx(20.0)
    assert k.value == pytest.approx(100.0)


def test_cannibalization_rate_edges():
    # launch before the range: no month before -> n/a
    k = one("cannibalization_rate", [("o.csv", CANNIBAL)], start=D(2024, 4, 1),
            end=D(2024, 5, 31), **LAUNCH)
    assert k.value is None and k.extra["old_product_monthly_before"] is None
    assert k.extra["old_product_monthly_after"] == pytest.approx(10.0)
    # the new product sells nothing after the launch: zero denominator -> n/a
    k = one("cannibalization_rate", [("o.csv", CANNIBAL)], start=D(2024, 1, 1),
            end=D(2024, 5, 31), new_product="Nothing", old_product="Old",
            launch_date=D(2024, 3, 1))
    assert k.value is None and k.extra["new_product_monthly_after"] == 0.0


def test_cannibalization_rate_availability():
    k = one("cannibalization_rate", [("o.csv", CANNIBAL)], new_product="New")
    assert not k.available
    assert k.missing_fields == ("settings.old_product", "settings.launch_date")
    k = one("cannibalization_rate", [("o.csv", b"order_date;total\n2024-01-03;5\n")], **LAUNCH)
    assert k.missing_fields == ("orders.product",)


# == I. Team and targets ======================================================================
ORDERS = b"""order_id;order_date;rep;team;total
1;2024-01-05;Ann;North;100
2;2024-01-20;Bob;South;50
3;2024-02-03;ann;North;200
4;2024-02-10;;North;30
5;2024-03-10;Bob;South;120
"""
TARGETS = b"""period;target;rep;team
2024-01;200;;
2024-02;200;;
2024-03;100;;
2024-04;1000;;
2024-Q1;240;Ann;North
2024-Q1;180;Bob;South
2024-Q1;90;Cid;South
2024-Q1;0;Dan;South
"""
OT = [("orders.csv", ORDERS), ("targets.csv", TARGETS)]
Q1 = {"start": D(2024, 1, 1), "end": D(2024, 3, 31)}


def test_sales_per_rep_from_orders():
    k = one("sales_per_rep", OT, **Q1)
    assert k.value == pytest.approx(250.0)  # 500 / Ann, Bob
    assert k.by_period == {"2024-01": pytest.approx(75.0), "2024-02": pytest.approx(230.0),
                           "2024-03": pytest.approx(120.0)}
    assert k.by == {"rep": {"Ann": 300.0, "Bob": 170.0, "(none)": 30.0}}
    assert k.extra == {"source": "orders"} and k.unit == "money"


def test_sales_per_rep_setting_and_empty_period():
    k = one("sales_per_rep", OT, start=D(2024, 1, 1), end=D(2024, 4, 30))
    assert k.by_period["2024-04"] is None  # no rep sold: n/a
    k = one("sales_per_rep", OT, number_of_reps=4, **Q1)
    assert k.value == pytest.approx(125.0)
    assert k.by_period["2024-01"] == pytest.approx(37.5)


def test_sales_per_rep_without_rep_column_uses_the_setting():
    orders = [("o.csv", b"order_date;total\n2024-01-03;500\n2024-02-03;100\n")]
    k = one("sales_per_rep", orders, number_of_reps=3)
    assert k.value == pytest.approx(200.0) and k.by == {} and k.extra == {"source": "orders"}
    k = one("sales_per_rep", orders)
    assert not k.available and k.missing_fields == ("orders.rep",)


def test_target_attainment_company_rep_and_team():
    k = one("target_attainment", OT, **Q1)
    assert k.value == pytest.approx(100.0)  # 500 / (200 + 200 + 100)
    assert k.status == "good"
    assert k.by_period == {"2024-01": pytest.approx(75.0), "2024-02": pytest.approx(115.0),
                           "2024-03": pytest.approx(120.0)}
    assert k.by["rep"] == {"Ann": pytest.approx(125.0), "Bob": pytest.approx(170 / 180 * 100),
                           "Cid": 0.0, "Dan": None}  # Dan's target is 0: n/a
    # teams: their rows without a rep, else the sum of their reps' rows (South 180 + 90 + 0)
    assert k.by["team"] == {"North": pytest.approx(330 / 240 * 100),
                            "South": pytest.approx(170 / 270 * 100)}
    assert k.extra == {"source": "orders"}


def test_target_attainment_team_from_the_reps_when_orders_have_no_team():
    orders = ORDERS.replace(b";team;", b";").replace(b";North;", b";") \
        .replace(b";South;", b";")
    k = one("target_attainment", [("orders.csv", orders), ("targets.csv", TARGETS)], **Q1)
    assert k.by["team"] == {"North": pytest.approx(300 / 240 * 100),
                            "South": pytest.approx(170 / 270 * 100)}


def test_target_attainment_week_grain_is_pro_rata_by_period_only():
    k = one("target_attainment", OT, start=D(2024, 1, 1), end=D(2024, 1, 14), grain="week")
    assert k.value == pytest.approx(50.0)  # 100 / the whole January target (months touched)
    assert k.by_period == {"2024-W01": pytest.approx(100 / (200 * 7 / 31) * 100),
                           "2024-W02": pytest.approx(0.0)}


def test_target_attainment_without_a_target_month_is_na():
    k = one("target_attainment", OT, start=D(2024, 5, 1), end=D(2024, 5, 31))
    assert k.value is None and k.status is None


def test_quota_attainment_share():
    k = one("quota_attainment_share", OT, **Q1)
    # reps with a non-zero quota: Ann (300 ≥ 240), Bob (170 < 180), Cid (0 < 90); Dan 0 excluded
    assert k.value == pytest.approx(100 / 3)
    assert k.status == "bad"
    # each month: Ann 100 ≥ 80 | Ann 200 ≥ 80 | Bob 120 ≥ 60
    assert k.by_period == {"2024-01": pytest.approx(100 / 3), "2024-02": pytest.approx(100 / 3),
                           "2024-03": pytest.approx(100 / 3)}
    assert k.extra == {"source": "orders"} and k.direction == "neutral"


def test_quota_attainment_share_band_edges():
    targets = b"period;target;rep\n2024-Q1;240;Ann\n2024-Q1;150;Bob\n2024-Q1;90;Cid\n"
    k = one("quota_attainment_share", [("o.csv", ORDERS), ("t.csv", targets)], **Q1)
    assert k.value == pytest.approx(200 / 3) and k.status == "good"
    targets = b"period;target;rep\n2024-Q1;240;Ann\n2024-Q1;150;Bob\n"
    k = one("quota_attainment_share", [("o.csv", ORDERS), ("t.csv", targets)], **Q1)
    assert k.value == pytest.approx(100.0) and k.status == "bad"  # > 90: too easy


def test_quota_attainment_share_availability():
    targets = b"period;target\n2024-01;100\n"
    k = one("quota_attainment_share", [("o.csv", ORDERS), ("t.csv", targets)])
    assert not k.available and k.missing_fields == ("targets.rep",)


def test_monthly_sales_progress_mtd_and_projection():
    k = one("monthly_sales_progress", OT, start=D(2024, 1, 1), end=D(2024, 3, 20))
    # March 1-20: 120; projection 120 / 20 days × 31 = 186; March target 100
    assert k.value == pytest.approx(120.0)
    assert k.extra == {"month": "2024-03", "mtd": pytest.approx(120.0), "target": 100.0,
                       "projection": pytest.approx(186.0),
                       "projection_pct": pytest.approx(186.0), "source": "orders"}
    assert k.status == "good"
    assert k.by_period == {"2024-01": pytest.approx(75.0), "2024-02": pytest.approx(115.0),
                           "2024-03": pytest.approx(120.0)}


def test_monthly_sales_progress_mtd_from_the_range_start():
    k = one("monthly_sales_progress", OT, start=D(2024, 3, 11), end=D(2024, 3, 20))
    # MTD runs from the range start (the sale of Mar 10 is outside); days elapsed from Mar 1
    assert k.extra["mtd"] == 0.0 and k.extra["projection"] == 0.0
    assert k.value == 0.0 and k.status == "bad"


DEALS_CRM = b"""deal id;created date;amount;stage;close date;owner
1;2024-01-02;400;Closed Won;2024-01-15;Ann
2;2024-01-03;300;Closed Won;2024-02-10;Bob
3;2024-01-04;999;Closed Lost;2024-02-11;Bob
4;2024-01-05;800;Negotiation;;Ann
5;2024-01-06;100;Closed Won;;Ann
"""
CRM = [("deals.csv", DEALS_CRM)]
JAN_FEB = {"start": D(2024, 1, 1), "end": D(2024, 2, 29)}


def test_crm_only_sales_are_won_revenue():
    k = run(CRM, only=["sales_per_rep", "target_attainment"], monthly_target=500, **JAN_FEB)
    spr = k["sales_per_rep"]
    assert spr.value == pytest.approx(350.0)  # won 400 + 300 (deal 5: unknown close date)
    assert spr.by == {"rep": {"Ann": 400.0, "Bob": 300.0}}
    assert spr.extra == {"source": "won_revenue"}
    ta = k["target_attainment"]
    assert ta.value == pytest.approx(70.0)  # 700 / (500 × 2)
    assert ta.status == "bad"
    assert ta.by_period == {"2024-01": pytest.approx(80.0), "2024-02": pytest.approx(60.0)}
    assert ta.extra == {"source": "won_revenue"}
    assert "monthly_target" in ta.explanation


def test_crm_only_monthly_sales_progress_watch():
    k = one("monthly_sales_progress", CRM, start=D(2024, 1, 1), end=D(2024, 2, 20),
            monthly_target=460)
    # February 1-20: 300 won; projection 300 / 20 × 29 = 435; 435 / 460 = 94.6 %
    assert k.extra["projection"] == pytest.approx(435.0)
    assert k.extra["projection_pct"] == pytest.approx(435 / 460 * 100)
    assert k.value == pytest.approx(300 / 460 * 100)
    assert k.status == "watch"
    assert k.extra["source"] == "won_revenue"


def test_crm_only_quota_attainment_share_uses_deal_reps():
    targets = b"period;target;rep\n2024-01;300;Ann\n2024-02;400;Bob\n"
    k = one("quota_attainment_share", CRM + [("t.csv", targets)], **JAN_FEB)
    assert k.value == pytest.approx(50.0)  # Ann 400 ≥ 300; Bob 300 < 400
    assert k.by_period == {"2024-01": pytest.approx(100.0), "2024-02": pytest.approx(0.0)}
    assert k.extra == {"source": "won_revenue"}


def test_team_availability():
    orders = [("o.csv", b"order_date;total\n2024-01-03;5\n")]
    k = run(orders, only=["target_attainment", "monthly_sales_progress", "pipeline_coverage"])
    assert k["target_attainment"].missing_fields == ("targets",)
    assert k["monthly_sales_progress"].missing_fields == ("targets",)
    assert k["pipeline_coverage"].missing_fields == ("deals", "targets")
    acts = [("a.csv", b"activity_date;type\n2024-01-03;call\n")]
    k = run(acts, only=["target_attainment", "sales_per_rep"], monthly_target=10)
    assert k["target_attainment"].missing_fields == ("orders",)
    assert not k["sales_per_rep"].available


PIPE = b"""deal id;created date;amount;stage;status;close date
1;2024-01-10;1000;Proposal;open;
2;2024-02-01;2000;Negotiation;open;
3;2024-01-05;500;Closed Won;won;2024-02-15
4;2024-03-01;;Proposal;open;
5;2024-01-20;700;Closed Lost;lost;2024-03-25
"""
DT = [("deals.csv", PIPE), ("targets.csv", TARGETS)]


def test_pipeline_coverage_by_next_period_target():
    k = one("pipeline_coverage", DT, **Q1)
    # open on Mar 31: deals 1, 2 and 4 (no amount) = 3 000; April target 1 000
    assert k.value == pytest.approx(3.0)
    assert k.status == "good"
    assert k.extra == {"next_period": "2024-04"}
    # Jan 31: 1 000 + 500 + 700 over February's 200; Feb 29: 1 000 + 2 000 + 700 over March's 100
    assert k.by_period == {"2024-01": pytest.approx(11.0), "2024-02": pytest.approx(37.0),
                           "2024-03": pytest.approx(3.0)}
    assert k.unit == "ratio"
    assert k.explanation == "3 000.00 open pipeline on 2024-03-31 / 1 000.00 target of 2024-04 " \
                            "= 3.00×"


def test_pipeline_coverage_quarter_week_and_missing_target():
    k = one("pipeline_coverage", DT, grain="quarter", **Q1)
    assert k.extra == {"next_period": "2024-Q2"}
    assert k.value == pytest.approx(3.0)  # Q2 target = April 1 000 (May, June have none)
    k = one("pipeline_coverage", DT, grain="week", start=D(2024, 3, 18), end=D(2024, 3, 31))
    assert k.extra == {"next_period": "2024-W14"}
    assert k.value == pytest.approx(3000 / (1000 * 7 / 30))  # Apr 1-7, pro rata
    k = one("pipeline_coverage", DT, start=D(2024, 4, 1), end=D(2024, 4, 30))
    assert k.value is None and k.status is None  # May has no target


def test_pipeline_coverage_monthly_target_setting_bands():
    deals = [("deals.csv", PIPE)]
    k = one("pipeline_coverage", deals, monthly_target=750, **Q1)
    assert k.value == pytest.approx(4.0) and k.status == "good"
    k = one("pipeline_coverage", deals, monthly_target=600, **Q1)
    assert k.value == pytest.approx(5.0) and k.status == "watch"
    k = one("pipeline_coverage", deals, monthly_target=1500, **Q1)
    assert k.value == pytest.approx(2.0) and k.status == "bad"


def test_pipeline_coverage_all_deals_closed():
    deals = b"deal id;created date;amount;stage;close date\n1;2024-01-02;400;Closed Won;" \
            b"2024-01-15\n"
    k = one("pipeline_coverage", [("d.csv", deals)], monthly_target=100, start=D(2024, 1, 1),
            end=D(2024, 1, 31))
    assert k.value == 0.0 and k.status == "bad"


def test_pipeline_coverage_all_deals_open_and_empty_first_period():
    deals = b"deal id;created date;amount;stage;status;close date\n" \
            b"1;2024-02-02;400;Proposal;open;\n2;2024-02-10;600;Demo;open;\n"
    k = one("pipeline_coverage", [("d.csv", deals)], monthly_target=250, start=D(2024, 1, 1),
            end=D(2024, 2, 29))
    assert k.value == pytest.approx(4.0)  # 1 000 / March 250
    assert k.by_period == {"2024-01": 0.0, "2024-02": pytest.approx(4.0)}


def test_rep_filter_restricts_sales_targets_and_activities():
    ds = load(OT + A)
    q = Query(start=D(2024, 1, 1), end=D(2024, 3, 31), filters={"rep": "ann"})
    k = evaluate(ds.tables, q, ds.currency,
                 only=["target_attainment", "sales_per_rep", "activity_volume"]).kpis
    # Ann's orders 300 against Ann's rows (no company rows left: the reps' rows) 240
    assert k["target_attainment"].value == pytest.approx(125.0)
    assert k["sales_per_rep"].value == pytest.approx(300.0)
    assert k["activity_volume"].value == 4


# == by_period = the headline over each period alone (the vectorised periods) =================
def _periods_are_headlines(files, kpis, start, end, grain="month", **settings):
    assert_periods_are_headlines(files, kpis, start, end, grain, Settings(**settings))


ACTIVITY_KPIS = ["activity_volume", "calls_emails_per_rep", "demos_onboarding_calls",
                 "follow_up_meetings", "meetings_booked", "call_show_rate"]


@pytest.mark.parametrize("grain", ["month", "week", "quarter"])
def test_activity_periods_are_headlines(grain):
    _periods_are_headlines(A, ACTIVITY_KPIS, D(2024, 1, 2), D(2024, 4, 20), grain)
    _periods_are_headlines(A + [("f.csv", FOLLOW)], ["follow_up_meetings"], D(2024, 1, 1),
                           D(2024, 3, 31), grain)


def test_team_periods_are_headlines():
    kpis = ["sales_per_rep", "target_attainment", "quota_attainment_share", "pipeline_coverage"]
    _periods_are_headlines(OT + [("deals.csv", PIPE)], kpis, D(2024, 1, 1), D(2024, 4, 30))
    _periods_are_headlines(OT, ["sales_per_rep"], D(2024, 1, 4), D(2024, 3, 20), "week")
    _periods_are_headlines(CRM, ["sales_per_rep", "target_attainment"], D(2024, 1, 1),
                           D(2024, 2, 29), monthly_target=500)


def test_activities_with_an_undated_row_count_only_dated_rows():
    data = ACTS + b"12;;call;Ann;completed;;\n"  # no date: in no period, not in the range
    k = one("activity_volume", [("a.csv", data)], **JAN_APR)
    assert k.value == 11 and sum(k.by_period.values()) == 11
