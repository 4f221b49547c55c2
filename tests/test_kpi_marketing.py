"""Groups B and C (profitability, marketing and lead generation): values worked out by hand on
tiny uploads read through the real loader."""

from __future__ import annotations

import datetime as dt

import pytest

from kpi_engine.catalogue import load_all
from kpi_engine.evaluate import evaluate
from kpi_engine.ingest.dataset import load
from kpi_engine.query import Query, Settings
from tests.conftest import assert_periods_are_headlines

# load_all() imports the group modules only while the registry is empty: another test module
# importing one group directly (as test_kpi_leads does) would leave this group out. Load all
# first (never making it worse for the others), then make sure this group is registered.
load_all()
import kpi_engine.catalogue.marketing  # noqa: E402,F401,I001

JAN1, JAN15, JAN31 = dt.date(2024, 1, 1), dt.date(2024, 1, 15), dt.date(2024, 1, 31)
FEB29, MAR31 = dt.date(2024, 2, 29), dt.date(2024, 3, 31)


def run(files, start=None, end=None, grain="month", only=None, settings=None, filters=None):
    ds = load(files)
    q = Query(start=start, end=end, grain=grain, filters=filters or {},
              settings=settings or Settings())
    return evaluate(ds.tables, q, ds.currency, only=only).kpis


# -- gross_margin, monthly_profit_estimate ------------------------------------------------------
ORDERS = b"""order_id;order_date;product;channel;total;cost
1;2024-01-05;A;web;100;60
2;2024-01-20;B;shop;200;
3;2024-02-10;A;web;300;150
4;2024-02-15;b;web;100;80
"""


def test_gross_margin_revenue_weighted_over_rows_with_a_cost():
    k = run([("o.csv", ORDERS)], JAN1, MAR31, only=["gross_margin"])["gross_margin"]
    # rows with a cost: 100/60, 300/150, 100/80 -> (500 − 290) / 500 = 42 %; order 2 left out
    assert k.value == pytest.approx(42.0)
    assert k.by_period == {"2024-01": pytest.approx(40.0), "2024-02": pytest.approx(42.5),
                           "2024-03": None}
    assert k.by["product"] == {"A": pytest.approx(47.5), "b": pytest.approx(20.0)}
    # "shop" has no row with a cost: not among the KPI's records
    assert k.by["channel"] == {"web": pytest.approx(42.0)}
    assert k.extra == {}
    assert k.status is None
    assert "42.0 %" in k.explanation


def test_monthly_profit_estimate_uses_all_revenue_per_month():
    k = run([("o.csv", ORDERS)], JAN1, MAR31,
            only=["monthly_profit_estimate"])["monthly_profit_estimate"]
    # 42 % × 700 (all valid revenue, order 2 included) / 3 months
    assert k.value == pytest.approx(0.42 * 700 / 3)
    assert k.extra == {"gross_margin_pct": pytest.approx(42.0),
                       "average_monthly_revenue": pytest.approx(700 / 3)}
    assert k.by_period == {"2024-01": pytest.approx(0.40 * 300),
                           "2024-02": pytest.approx(0.425 * 400), "2024-03": None}


def test_monthly_profit_estimate_partial_month_pro_rata():
    k = run([("o.csv", ORDERS)], JAN1, JAN15,
            only=["monthly_profit_estimate"])["monthly_profit_estimate"]
    # 1–15 Jan: one order (100, cost 60), 15/31 of a month
    assert k.value == pytest.approx(0.40 * 100 / (15 / 31))


def test_gross_margin_from_profit_superstore_style_may_be_negative():
    data = b"""Order ID;Order Date;Sales;Profit
A;2024-01-05;100;-50
B;2024-01-06;200;10
"""
    k = run([("o.csv", data)], only=["gross_margin", "monthly_profit_estimate"])
    # cost = revenue − profit: 150 and 190 -> (300 − 340) / 300
    assert k["gross_margin"].value == pytest.approx(-40 / 300 * 100)
    assert k["gross_margin"].available


def test_gross_margin_row_without_cost_takes_revenue_minus_profit():
    data = b"""order_id;order_date;total;cost;profit
1;2024-01-05;100;70;
2;2024-01-06;100;;20
3;2024-01-07;100;;
"""
    k = run([("o.csv", data)], only=["gross_margin"])["gross_margin"]
    assert k.value == pytest.approx((200 - 150) / 200 * 100)


def test_gross_margin_unavailable_without_cost_or_profit():
    data = b"order_id;order_date;total\n1;2024-01-05;100\n"
    k = run([("o.csv", data)], only=["gross_margin", "monthly_profit_estimate"])
    for kid in ("gross_margin", "monthly_profit_estimate"):
        assert not k[kid].available
        assert k[kid].missing_fields == ("orders.cost",)
        assert k[kid].value is None


def test_gross_margin_zero_revenue_is_none():
    data = b"order_id;order_date;total;cost\n1;2024-01-05;0;0\n"
    k = run([("o.csv", data)], only=["gross_margin", "monthly_profit_estimate"])
    assert k["gross_margin"].value is None
    assert k["monthly_profit_estimate"].value is None


# -- value_per_session, cost_per_click, marketing_roi --------------------------------------------
S3_21 = b"""date;channel;cost;clicks;sessions;attributed revenue
2024-03-05;Facebook;400;100;100;300
2024-03-05;Google;800;100;100;1600
2024-03-05;AdRoll;50;100;100;30
"""


def test_worked_example_value_per_session_vs_cost_per_click_s3_21():
    k = run([("m.csv", S3_21)], only=["value_per_session", "cost_per_click"])
    vps = k["value_per_session"]
    assert vps.by["channel"] == {"Facebook": pytest.approx(3.0), "Google": pytest.approx(16.0),
                                 "AdRoll": pytest.approx(0.30)}
    assert vps.extra["cost_per_click_by_channel"] == {
        "Facebook": pytest.approx(4.0), "Google": pytest.approx(8.0),
        "AdRoll": pytest.approx(0.50)}
    assert vps.extra["earns_more_than_click_costs"] == {
        "Facebook": False, "Google": True, "AdRoll": False}
    assert vps.value == pytest.approx(1930 / 300)
    assert vps.extra["cost_per_click"] == pytest.approx(1250 / 300)
    assert set(vps.extra) == {"cost_per_click", "cost_per_click_by_channel",
                              "earns_more_than_click_costs"}
    assert k["cost_per_click"].value == pytest.approx(1250 / 300)
    assert k["cost_per_click"].by == {}


def test_value_per_session_without_channel_has_only_cost_per_click():
    data = b"""date;cost;clicks;sessions;attributed revenue
2024-01-05;100;50;40;200
2024-01-06;100;;10;
"""
    k = run([("m.csv", data)], only=["value_per_session", "cost_per_click"])
    vps = k["value_per_session"]
    assert vps.value == pytest.approx(200 / 50)  # empty attributed revenue = 0
    assert vps.by == {}
    assert vps.extra == {"cost_per_click": pytest.approx(2.0)}  # rows with clicks only
    assert k["cost_per_click"].value == pytest.approx(2.0)


def test_value_per_session_channel_filter():
    k = run([("m.csv", S3_21)], only=["value_per_session"], filters={"channel": "google"})
    vps = k["value_per_session"]
    assert vps.value == pytest.approx(16.0)
    assert vps.by["channel"] == {"Google": pytest.approx(16.0)}
    assert vps.extra["earns_more_than_click_costs"] == {"Google": True}


def test_cost_per_click_zero_clicks_and_empty_period():
    data = b"""date;cost;clicks
2024-01-05;100;0
2024-03-05;60;30
"""
    k = run([("m.csv", data)], only=["cost_per_click"])["cost_per_click"]
    assert k.by_period == {"2024-01": None, "2024-02": None, "2024-03": pytest.approx(2.0)}
    assert k.value == pytest.approx(160 / 30)


ROI = b"""date;channel;campaign;cost;attributed revenue
2024-01-05;Google;brand;100;300
2024-01-06;Google;generic;200;100
2024-01-07;Meta;retarget;100;
2024-02-05;Meta;retarget;50;25
2024-03-05;Meta;retarget;0;10
"""


def test_marketing_roi_rows_with_attributed_revenue():
    k = run([("m.csv", ROI)], only=["marketing_roi"])["marketing_roi"]
    # the row without attributed revenue (Meta 100) is left out: (435 − 350) / 350
    assert k.value == pytest.approx((435 - 350) / 350 * 100)
    assert k.by_period == {"2024-01": pytest.approx(100 / 300 * 100),
                           "2024-02": pytest.approx(-50.0), "2024-03": None}
    assert k.by["channel"] == {"Google": pytest.approx(100 / 300 * 100),
                               "Meta": pytest.approx((35 - 50) / 50 * 100)}
    assert k.by["campaign"] == {"brand": pytest.approx(200.0), "generic": pytest.approx(-50.0),
                                "retarget": pytest.approx(-30.0)}


def test_marketing_unavailable_fields():
    data = b"date;cost;sessions\n2024-01-05;100;10\n"
    k = run([("m.csv", data)], only=["marketing_roi", "value_per_session", "cost_per_click",
                                     "ecommerce_funnel", "brand_mentions"])
    assert k["marketing_roi"].missing_fields == ("marketing.attributed_revenue",)
    assert k["value_per_session"].missing_fields == ("marketing.attributed_revenue",)
    assert k["cost_per_click"].missing_fields == ("marketing.clicks",)
    assert k["brand_mentions"].missing_fields == ("marketing.mentions",)
    assert k["ecommerce_funnel"].missing_fields == (
        "marketing.view_content", "marketing.add_to_cart", "marketing.initiate_checkout",
        "marketing.purchases")
    assert not any(r.available for r in k.values())


# -- month rows ---------------------------------------------------------------------------------
MONTHS = b"""month;channel;campaign;cost;clicks;mentions;leads
2024-01;Google;g1;310;100;31;31
2024-02;Google;g1;290;;29;29
"""
DAILY = b"""date;channel;cost;mentions
2024-01-10;Bing;50;4
2024-01-20;Bing;50;6
"""


def test_month_rows_count_pro_rata_by_days():
    k = run([("m.csv", MONTHS)], dt.date(2024, 1, 16), dt.date(2024, 2, 14),
            only=["brand_mentions", "cost_per_click", "leads_generated"])
    # January: 16/31 of 31, February: 14/29 of 29
    assert k["brand_mentions"].value == pytest.approx(30.0)
    assert k["brand_mentions"].by_period == {"2024-01": pytest.approx(16.0),
                                             "2024-02": pytest.approx(14.0)}
    assert k["leads_generated"].value == pytest.approx(30.0)
    # only January has clicks: 310 × 16/31 / (100 × 16/31)
    assert k["cost_per_click"].value == pytest.approx(3.1)


def test_month_rows_week_grain_and_default_range():
    k = run([("m.csv", MONTHS)], JAN1, dt.date(2024, 1, 14), grain="week",
            only=["brand_mentions"])["brand_mentions"]
    assert k.by_period == {"2024-W01": pytest.approx(7.0), "2024-W02": pytest.approx(7.0)}
    full = run([("m.csv", MONTHS)], only=["brand_mentions"])["brand_mentions"]
    assert full.value == pytest.approx(60.0)  # the default range covers both whole months
    assert full.by_period == {"2024-01": pytest.approx(31.0), "2024-02": pytest.approx(29.0)}


def test_month_rows_only_for_the_file_whose_dates_are_all_firsts():
    k = run([("m.csv", MONTHS), ("d.csv", DAILY)], dt.date(2024, 1, 16), dt.date(2024, 2, 14),
            only=["brand_mentions"])["brand_mentions"]
    # the daily file counts by its own dates: only the 6 of 2024-01-20
    assert k.value == pytest.approx(36.0)
    assert k.by_period["2024-01"] == pytest.approx(22.0)


# -- leads_generated, lead_share, cost_per_lead, visitor_to_lead_rate ---------------------------
LEADS = b"""lead_id;created;channel;owner
L1;2024-01-03;Google;Ann
L2;2024-01-10;google;Bob
L3;2024-01-20;Facebook;Ann
L4;2024-02-05;;Ann
"""
SPEND = b"""date;channel;campaign;cost;visitors
2024-01-05;Google;g1;300;100
2024-01-06;Facebook;f1;100;50
2024-02-03;Google;g1;200;100
2024-02-04;Bing;b1;50;
"""
LEAD_TARGETS = b"""period;target;metric
2024-01;4;leads
2024-02;1;leads
"""


def test_leads_generated_from_the_leads_table():
    k = run([("l.csv", LEADS)], JAN1, MAR31, only=["leads_generated"])["leads_generated"]
    assert k.value == 4
    assert k.by_period == {"2024-01": 3, "2024-02": 1, "2024-03": 0}
    assert k.by == {"channel": {"Google": 2, "Facebook": 1, "(none)": 1}}
    assert k.extra == {}
    assert k.status is None


def test_leads_generated_against_a_leads_target():
    k = run([("l.csv", LEADS), ("t.csv", LEAD_TARGETS)], JAN1, FEB29,
            only=["leads_generated"])["leads_generated"]
    assert k.extra == {"target": pytest.approx(5.0), "attainment_pct": pytest.approx(80.0)}
    assert k.status == "bad"
    jan = run([("l.csv", LEADS), ("t.csv", LEAD_TARGETS)], JAN1, JAN31,
              only=["leads_generated"])["leads_generated"]
    assert jan.extra == {"target": pytest.approx(4.0), "attainment_pct": pytest.approx(75.0)}
    feb = run([("l.csv", LEADS), ("t.csv", LEAD_TARGETS)], dt.date(2024, 2, 1), FEB29,
              only=["leads_generated"])["leads_generated"]
    assert feb.extra["attainment_pct"] == pytest.approx(100.0)
    assert feb.status == "good"


def test_leads_generated_revenue_target_is_not_a_leads_target():
    targets = b"period;target\n2024-01;1000\n"
    k = run([("l.csv", LEADS), ("t.csv", targets)], JAN1, JAN31, only=["leads_generated"],
            settings=Settings(monthly_target=500))["leads_generated"]
    assert k.extra == {}
    assert k.status is None


def test_lead_share_by_rep_and_channel():
    k = run([("l.csv", LEADS)], only=["lead_share"])["lead_share"]
    assert k.value is None
    assert k.by_period == {}
    assert k.by["rep"] == {"Ann": pytest.approx(75.0), "Bob": pytest.approx(25.0)}
    assert k.by["channel"] == {"Google": pytest.approx(50.0), "Facebook": pytest.approx(25.0),
                               "(none)": pytest.approx(25.0)}


def test_lead_share_empty_range_and_availability():
    k = run([("l.csv", LEADS)], dt.date(2024, 6, 1), dt.date(2024, 6, 30),
            only=["lead_share"])["lead_share"]
    assert k.by == {"rep": {}, "channel": {}}
    none = run([("m.csv", SPEND)], only=["lead_share", "leads_generated"])
    assert none["lead_share"].missing_fields == ("leads",)
    assert none["leads_generated"].missing_fields == ("leads",)


def test_cost_per_lead_with_a_leads_table_counts_every_marketing_row():
    k = run([("l.csv", LEADS), ("m.csv", SPEND)], JAN1, FEB29,
            only=["cost_per_lead", "visitor_to_lead_rate"])
    cpl = k["cost_per_lead"]
    assert cpl.value == pytest.approx(650 / 4)
    assert cpl.by_period == {"2024-01": pytest.approx(400 / 3), "2024-02": pytest.approx(250.0)}
    assert cpl.extra == {"cost_source": "marketing"}
    # per marketing channel: its cost / its lead rows (Bing has no lead: n/a)
    assert cpl.by == {"channel": {"Google": pytest.approx(250.0),
                                  "Facebook": pytest.approx(100.0), "Bing": None}}
    v2l = k["visitor_to_lead_rate"]
    assert v2l.value == pytest.approx(4 / 250 * 100)
    assert v2l.by_period == {"2024-01": pytest.approx(2.0), "2024-02": pytest.approx(1.0)}


MKT_LEADS = b"""date;channel;campaign;cost;leads;visitors
2024-01-05;Google;g1;300;10;1000
2024-01-06;Facebook;f1;100;;500
2024-01-07;Facebook;f2;60;3;
"""


def test_leads_and_cost_per_lead_from_marketing_leads():
    k = run([("m.csv", MKT_LEADS)],
            only=["leads_generated", "cost_per_lead", "visitor_to_lead_rate"])
    assert k["leads_generated"].value == pytest.approx(13.0)
    assert k["leads_generated"].by == {"channel": {"Facebook": pytest.approx(3.0),
                                                   "Google": pytest.approx(10.0)}}
    cpl = k["cost_per_lead"]
    # only the rows that have leads: (300 + 60) / 13
    assert cpl.value == pytest.approx(360 / 13)
    assert cpl.by["channel"] == {"Google": pytest.approx(30.0), "Facebook": pytest.approx(20.0)}
    assert cpl.by["campaign"] == {"g1": pytest.approx(30.0), "f2": pytest.approx(20.0)}
    assert k["visitor_to_lead_rate"].value == pytest.approx(13 / 1500 * 100)


def test_cost_per_lead_from_settings_without_marketing():
    s = Settings(marketing_costs_per_month=300)
    k = run([("l.csv", LEADS)], JAN1, FEB29, only=["cost_per_lead"], settings=s)["cost_per_lead"]
    assert k.value == pytest.approx(600 / 4)
    assert k.extra == {"cost_source": "settings"}
    assert k.by == {}
    half = run([("l.csv", LEADS)], JAN1, JAN15, only=["cost_per_lead"],
               settings=s)["cost_per_lead"]
    assert half.value == pytest.approx(300 * 15 / 31 / 2)  # L1, L2


def test_cost_per_lead_zero_leads_and_availability():
    k = run([("l.csv", LEADS), ("m.csv", SPEND)], JAN1, MAR31,
            only=["cost_per_lead"])["cost_per_lead"]
    assert k.by_period["2024-03"] is None
    missing = run([("l.csv", LEADS)], only=["cost_per_lead", "visitor_to_lead_rate"])
    assert missing["cost_per_lead"].missing_fields == ("marketing",)
    assert missing["visitor_to_lead_rate"].missing_fields == ("marketing.visitors",)
    no_leads = run([("m.csv", SPEND)], only=["cost_per_lead", "visitor_to_lead_rate"])
    assert no_leads["cost_per_lead"].missing_fields == ("leads",)
    assert no_leads["visitor_to_lead_rate"].missing_fields == ("leads",)


# -- website conversion, engagement, community conversion -----------------------------------
SOCIAL = b"""date;channel;impressions;engagements;visitors;conversions;followers;cost
2024-01-05;Instagram;1000;50;200;4;500;10
2024-01-20;Instagram;1000;;100;2;520;10
2024-01-20;instagram;;30;;1;510;0
2024-01-10;TikTok;2000;100;300;6;;10
2024-02-03;TikTok;500;20;100;3;800;0
"""


def test_website_conversion_rate():
    k = run([("m.csv", SOCIAL)], JAN1, MAR31,
            only=["website_conversion_rate"])["website_conversion_rate"]
    assert k.value == pytest.approx(16 / 700 * 100)
    assert k.by_period == {"2024-01": pytest.approx(13 / 600 * 100),
                           "2024-02": pytest.approx(3.0), "2024-03": None}


def test_engagement_rate_rows_having_both():
    k = run([("m.csv", SOCIAL)], only=["engagement_rate"])["engagement_rate"]
    assert k.value == pytest.approx(170 / 3500 * 100)
    assert k.by_period == {"2024-01": pytest.approx(5.0), "2024-02": pytest.approx(4.0)}


def test_social_conversion_latest_community_per_channel():
    k = run([("m.csv", SOCIAL)], only=["social_conversion_rate"])["social_conversion_rate"]
    # conversions of rows with a community size: 4 + 2 + 1 + 3; latest size per channel:
    # Instagram 2024-01-20 (the larger of 520 and 510), TikTok 800
    assert k.value == pytest.approx(10 / 1320 * 100)
    assert k.by_period == {"2024-01": pytest.approx(7 / 520 * 100),
                           "2024-02": pytest.approx(3 / 800 * 100)}


def test_social_rates_unavailable():
    k = run([("m.csv", S3_21)], only=["social_conversion_rate", "engagement_rate",
                                      "website_conversion_rate"])
    assert k["social_conversion_rate"].missing_fields == (
        "marketing.conversions", "marketing.community_size")
    assert k["engagement_rate"].missing_fields == (
        "marketing.engagements", "marketing.impressions")
    assert k["website_conversion_rate"].missing_fields == (
        "marketing.conversions", "marketing.visitors")


# -- e-mail -------------------------------------------------------------------------------------
ACTS = b"""date;type;owner;outcome
2024-01-02;Email;Ann;opened
2024-01-03;Email;Ann;replied
2024-01-04;Email;Bob;bounced
2024-01-05;Call;Bob;completed
2024-02-01;E-mail;Bob;delivered
"""
EMAILS = b"""date;cost;emails sent;emails opened
2024-01-05;0;100;40
2024-01-20;0;50;
"""


def test_email_open_and_reply_rates_from_activities():
    k = run([("a.csv", ACTS), ("m.csv", EMAILS)], JAN1, MAR31,
            only=["email_open_rate", "email_reply_rate"])
    opened = k["email_open_rate"]
    assert opened.value == pytest.approx(50.0)  # opened or replied / 4 e-mails (bounced in)
    assert opened.by_period == {"2024-01": pytest.approx(200 / 3), "2024-02": 0.0,
                                "2024-03": None}
    assert opened.extra == {"source": "activities"}
    reply = k["email_reply_rate"]
    assert reply.value == pytest.approx(25.0)
    assert reply.by == {"rep": {"Ann": pytest.approx(50.0), "Bob": pytest.approx(0.0)}}
    assert reply.by_period == {"2024-01": pytest.approx(100 / 3), "2024-02": 0.0,
                               "2024-03": None}
    assert reply.extra == {}


def test_email_open_rate_from_marketing():
    k = run([("m.csv", EMAILS)], only=["email_open_rate", "email_reply_rate"])
    assert k["email_open_rate"].value == pytest.approx(40 / 150 * 100)
    assert k["email_open_rate"].extra == {"source": "marketing"}
    assert k["email_reply_rate"].missing_fields == ("activities.outcome",)
    calls = b"date;type;outcome\n2024-01-05;Call;completed\n"
    both = run([("a.csv", calls), ("m.csv", EMAILS)], only=["email_open_rate"])
    # activities have an outcome but no e-mail: marketing's numbers
    assert both["email_open_rate"].extra == {"source": "marketing"}
    assert both["email_open_rate"].value == pytest.approx(40 / 150 * 100)


def test_email_rates_without_any_email():
    calls = b"date;type;outcome\n2024-01-05;Call;completed\n"
    k = run([("a.csv", calls)], only=["email_open_rate", "email_reply_rate"])
    assert k["email_open_rate"].value is None
    assert k["email_open_rate"].extra == {"source": "activities"}
    assert k["email_reply_rate"].value is None
    assert k["email_reply_rate"].by == {}
    missing = run([("a.csv", b"date;type\n2024-01-05;Email\n")], only=["email_open_rate"])
    assert missing["email_open_rate"].missing_fields == ("activities.outcome",)


# -- brand mentions, shop funnel ---------------------------------------------------------------
def test_brand_mentions_flow_with_an_empty_period():
    data = b"date;cost;mentions\n2024-01-05;0;3\n2024-01-09;0;\n2024-03-01;0;2\n2024-03-02;0;5\n"
    k = run([("m.csv", data)], only=["brand_mentions"])["brand_mentions"]
    assert k.value == pytest.approx(10.0)
    assert k.by_period == {"2024-01": 3.0, "2024-02": 0.0, "2024-03": 7.0}


SHOP = b"""date;cost;view content;add to cart;initiate checkout;purchases
2024-01-05;10;1000;100;50;25
2024-01-06;10;500;;20;10
2024-02-05;10;1000;200;40;30
"""


def test_ecommerce_funnel_steps_and_weakest():
    k = run([("m.csv", SHOP)], JAN1, MAR31, only=["ecommerce_funnel"])["ecommerce_funnel"]
    # the row of 2024-01-06 lacks add_to_cart: left out; 2000 → 300 → 90 → 55
    assert k.by == {"step": {"view_content->add_to_cart": pytest.approx(15.0),
                             "add_to_cart->initiate_checkout": pytest.approx(30.0),
                             "initiate_checkout->purchases": pytest.approx(55 / 90 * 100)}}
    assert k.value == pytest.approx(15.0)
    assert k.extra == {"weakest_step": "view_content->add_to_cart"}
    assert k.by_period == {"2024-01": pytest.approx(10.0), "2024-02": pytest.approx(20.0),
                           "2024-03": None}


def test_ecommerce_funnel_zero_views_gives_none():
    data = b"date;cost;view content;add to cart;initiate checkout;purchases\n" \
           b"2024-01-05;10;0;0;0;0\n"
    k = run([("m.csv", data)], only=["ecommerce_funnel"])["ecommerce_funnel"]
    assert k.value is None
    assert k.extra == {"weakest_step": None}
    assert set(k.by["step"].values()) == {None}


# -- by_period = the headline over each period alone (the vectorised periods) --------------------
def _periods_are_headlines(files, kpis, start=JAN1, end=MAR31, grain="month", settings=None):
    assert_periods_are_headlines(files, kpis, start, end, grain, settings)


@pytest.mark.parametrize("grain", ["month", "week", "quarter"])
def test_marketing_periods_are_headlines(grain):
    check = _periods_are_headlines
    check([("o.csv", ORDERS)], ["gross_margin", "monthly_profit_estimate"], grain=grain)
    check([("m.csv", ROI)], ["marketing_roi"], grain=grain)
    # month rows pro rata by days in weeks, with dated rows of another file
    check([("m.csv", MONTHS), ("d.csv", DAILY)],
          ["brand_mentions", "cost_per_click", "leads_generated", "cost_per_lead"], grain=grain)
    check([("l.csv", LEADS), ("m.csv", SPEND)],
          ["leads_generated", "cost_per_lead", "visitor_to_lead_rate"], grain=grain)
    check([("m.csv", MKT_LEADS)], ["leads_generated", "cost_per_lead", "visitor_to_lead_rate"],
          grain=grain)
    check([("m.csv", SOCIAL)], ["engagement_rate", "website_conversion_rate",
                                "social_conversion_rate"], grain=grain)
    check([("a.csv", ACTS)], ["email_open_rate", "email_reply_rate"], grain=grain)
    check([("m.csv", EMAILS)], ["email_open_rate"], grain=grain)
    check([("m.csv", SHOP)], ["ecommerce_funnel"], grain=grain)
    check([("l.csv", LEADS)], ["cost_per_lead"], grain=grain,
          settings=Settings(marketing_costs_per_month=310))
