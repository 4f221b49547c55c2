"""Group D (leads and qualification): values worked out by hand on tiny uploads."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from kpi_engine.catalogue.leads import status_means_qualified
from kpi_engine.evaluate import evaluate
from kpi_engine.ingest.dataset import load
from kpi_engine.query import Query
from tests.conftest import assert_periods_are_headlines

JAN1, FEB29, MAR31 = dt.date(2024, 1, 1), dt.date(2024, 2, 29), dt.date(2024, 3, 31)


def run(files, start=JAN1, end=MAR31, grain="month", only=None, filters=None):
    ds = load(files)
    q = Query(start=start, end=end, grain=grain, filters=filters or {})
    return evaluate(ds.tables, q, ds.currency, only=only).kpis


def csv(text: str) -> bytes:
    return text.strip().encode() + b"\n"


# -- qualified leads and lead quality ---------------------------------------------------------
QUALIFIED = csv("""
lead_id,created_date,channel,converted,converted_date,qualified,qualified_date,status
L1,2024-01-03,web,yes,,no,,
L2,2024-01-04,web,,,yes,,
L3,2024-01-05,web,no,,no,,Qualified
L4,2024-01-10,web,,,,2024-02-01,
L5,2024-01-12,web,,,,,Sales Qualified Lead
L6,2024-01-15,web,,,,,Marketing Qualified Lead
L7,2024-02-02,Web,,,,,Disqualified
L8,2024-02-03,Ads,,,,,SQL
L9,2024-02-04,Ads,,,,,Closed - Not Converted
L10,2024-02-05,Ads,,,,,Zakwalifikowany
L11,2024-02-06,Ads,,2024-03-01,,,
L12,2024-02-07,Ads,,,,,不合格
L13,2024-02-08,Ads,,,,,Квалифицирован
L14,2024-02-09,,,,,,Closed - Converted
""")
# qualified: L1 (converted beats qualified=no), L2 (flag), L4 (qualified_date), L5, L8 (SQL),
# L10, L11 (converted_date), L13, L14 = 9 of 14; L3's flag "no" wins over its status.


def test_qualified_leads_flow_and_chain_of_sources():
    k = run([("leads.csv", QUALIFIED)], only=["qualified_leads"])["qualified_leads"]
    assert k.available
    assert k.value == 9
    assert k.by_period == {"2024-01": 4, "2024-02": 5, "2024-03": 0}  # empty period: 0
    assert k.by == {} and k.extra == {}
    assert k.explanation == "9 of 14 leads created in 2024-01-01 – 2024-03-31 are qualified"


def test_lead_quality_rate_by_channel_and_an_empty_period():
    k = run([("leads.csv", QUALIFIED)], only=["lead_quality_rate"])["lead_quality_rate"]
    assert k.value == pytest.approx(9 / 14 * 100)
    assert k.by_period["2024-01"] == pytest.approx(4 / 6 * 100)
    assert k.by_period["2024-02"] == pytest.approx(5 / 8 * 100)
    assert k.by_period["2024-03"] is None  # no lead created: n/a, not 0
    # "web" (6×) and "Web" (1×) are one channel shown as "web"; L14 has none
    assert k.by["channel"] == {"Ads": pytest.approx(4 / 6 * 100),
                               "web": pytest.approx(4 / 7 * 100), "(none)": 100.0}
    assert k.explanation == "9 qualified / 14 leads created × 100 = 64.3 %"


@pytest.mark.parametrize("status", [
    "Qualified", "Sales Qualified Lead", "SQL", "sql", "Closed - Converted", "Converted",
    "Zakwalifikowany", "Kwalifikacja", "Skonwertowany", "Квалифицирован", "Kvalificerad",
    "Konverterad", "合格", "已合格", "Qualifiziert",
])
def test_status_meaning_qualified(status):
    s = pl.DataFrame({"s": [status]})
    assert s.select(status_means_qualified(pl.col("s"))).item() is True


@pytest.mark.parametrize("status", [
    "Unqualified", "Disqualified", "Not Qualified", "not-qualified", "Non qualified",
    "Closed - Not Converted", "Unconverted", "Marketing Qualified Lead", "MQL",
    "Marketing qualified", "Niezakwalifikowany", "Nie zakwalifikowany", "Dyskwalifikacja",
    "Nieskonwertowany", "Не квалифицирован", "Неквалифицированный", "Дисквалифицирован",
    "Ej kvalificerad", "Inte konverterad", "Okvalificerad", "Diskvalificerad",
    "Nicht qualifiziert", "不合格", "未合格", "营销合格线索", "Open", "Working - Contacted",
    "SQL review", "", None,
])
def test_status_not_meaning_qualified(status):
    s = pl.DataFrame({"s": [status]}, schema={"s": pl.String})
    assert s.select(status_means_qualified(pl.col("s"))).item() is False


def test_qualified_from_converted_only_is_unavailable():
    # the catalogue's inputs are qualified | qualified_date | status
    data = csv("lead_id,created_date,converted\nL1,2024-01-03,yes\nL2,2024-01-04,no\n")
    k = run([("leads.csv", data)], only=["qualified_leads", "lead_quality_rate"])
    assert not k["qualified_leads"].available
    assert k["qualified_leads"].missing_fields == ("leads.qualified",)
    assert k["lead_quality_rate"].missing_fields == ("leads.qualified",)


# -- lead conversion (worked example S4) -------------------------------------------------------
def test_worked_example_lead_conversion_s4():
    """200 leads created in the range, 50 of them converted -> lead_conversion_rate = 25.0."""
    rows = ["lead_id,created_date,converted"]
    for i in range(200):
        day = dt.date(2024, 1, 1) + dt.timedelta(days=i % 60)
        rows.append(f"L{i},{day.isoformat()},{'yes' if i % 4 == 0 else 'no'}")
    data = ("\n".join(rows) + "\n").encode()
    k = run([("leads.csv", data)], start=JAN1, end=FEB29,
            only=["lead_conversion_rate"])["lead_conversion_rate"]
    assert k.value == pytest.approx(25.0)
    assert k.explanation == "50 converted / 200 leads created × 100 = 25.0 %"


CONVERSION = csv("""
lead_id,created_date,channel,rep,converted,converted_date
C1,2024-01-03,web,Ann,yes,2024-04-10
C2,2024-01-04,web,Ann,no,
C3,2024-01-05,ads,Bob,,2024-01-20
C4,2024-01-06,ads,Bob,no,2024-01-25
C5,2024-02-01,,Ann,,
C6,2023-12-30,web,Ann,yes,2024-01-02
""")
# range Jan-Mar: C1 (converted in April: a cohort rate counts it), C3 (date, empty flag) converted;
# C4's flag "no" wins over its date; C6 was created before the range. 2 of 5.


def test_lead_conversion_rate_cohort_by_channel_and_rep():
    k = run([("leads.csv", CONVERSION)], only=["lead_conversion_rate"])["lead_conversion_rate"]
    assert k.value == pytest.approx(40.0)
    assert k.by_period == {"2024-01": pytest.approx(50.0), "2024-02": 0.0, "2024-03": None}
    assert k.by == {"channel": {"ads": 50.0, "web": 50.0, "(none)": 0.0},
                    "rep": {"Ann": pytest.approx(100 / 3), "Bob": 50.0}}


def test_lead_conversion_rate_with_a_filter_and_no_lead_in_range():
    k = run([("leads.csv", CONVERSION)], only=["lead_conversion_rate"], filters={"rep": "bob"})
    assert k["lead_conversion_rate"].value == pytest.approx(50.0)
    k = run([("leads.csv", CONVERSION)], start=dt.date(2024, 5, 1), end=dt.date(2024, 5, 31),
            only=["lead_conversion_rate"])["lead_conversion_rate"]
    assert k.value is None
    assert k.by_period == {"2024-05": None}
    assert k.by == {"channel": {}, "rep": {}}  # columns exist, no record in the interval


def test_lead_conversion_rate_unavailable_without_conversion_fields():
    data = csv("lead_id,created_date,channel\nL1,2024-01-03,web\n")
    k = run([("leads.csv", data)], only=["lead_conversion_rate"])["lead_conversion_rate"]
    assert not k.available and k.value is None
    assert k.missing_fields == ("leads.converted",)


# -- lead response time ---------------------------------------------------------------------
RESPONSE = csv("""
lead_id,created_date,first_response_date
R1,2024-01-01 09:00,2024-01-01 11:00
R2,2024-01-02,2024-01-02 06:30
R3,2024-01-03 10:00,2024-01-05 10:00
R4,2024-01-04 10:00,
R5,2024-01-05 10:00,2024-01-05 09:00
R6,2024-03-01 08:00,2024-03-01 09:00
""")
# hours: 2, 6.5 (a date alone is midnight), 48, none, -1 (left out), 1


def test_lead_response_time_median_mean_and_negatives():
    k = run([("leads.csv", RESPONSE)], only=["lead_response_time"])["lead_response_time"]
    assert k.value == pytest.approx(4.25)  # median of 1, 2, 6.5, 48
    assert k.extra == {"mean_hours": pytest.approx(57.5 / 4), "leads_with_response": 4}
    assert k.by_period == {"2024-01": pytest.approx(6.5), "2024-02": None,
                           "2024-03": pytest.approx(1.0)}
    assert k.by == {}
    assert k.status is None
    assert "1 negative durations left out" in k.explanation


def test_lead_response_time_no_response_in_range_and_unavailable():
    k = run([("leads.csv", RESPONSE)], start=dt.date(2024, 2, 1), end=FEB29,
            only=["lead_response_time"])["lead_response_time"]
    assert k.value is None
    assert k.extra == {"mean_hours": None, "leads_with_response": 0}
    data = csv("lead_id,created_date,converted\nL1,2024-01-03,yes\n")
    k = run([("leads.csv", data)], only=["lead_response_time"])["lead_response_time"]
    assert not k.available and k.missing_fields == ("leads.first_response_date",)


# -- leads to opportunities -------------------------------------------------------------------
OPPORTUNITY_LEADS = csv("""
lead_id,created_date,opportunity_date
O1,2024-01-03,2024-01-10
O2,2024-01-04,
O3,2024-01-05,
O4,2024-02-01,
O5,2024-02-02,2024-05-01
""")
OPPORTUNITY_DEALS = csv("""
deal_id,created_date,amount,lead_id
D1,2024-02-10,100,O3
D2,2024-02-11,50,
""")


def test_lead_to_opportunity_rate_from_dates_and_deals():
    k = run([("leads.csv", OPPORTUNITY_LEADS), ("deals.csv", OPPORTUNITY_DEALS)], end=FEB29,
            only=["lead_to_opportunity_rate"])["lead_to_opportunity_rate"]
    # O1 (date), O3 (on deal D1), O5 (opportunity after the range: cohort) = 3 of 5
    assert k.value == pytest.approx(60.0)
    assert k.by_period == {"2024-01": pytest.approx(200 / 3), "2024-02": 50.0}
    assert k.explanation == "3 became opportunities / 5 leads created × 100 = 60.0 %"


def test_lead_to_opportunity_rate_without_deals_and_only_deals():
    k = run([("leads.csv", OPPORTUNITY_LEADS)], end=FEB29,
            only=["lead_to_opportunity_rate"])["lead_to_opportunity_rate"]
    assert k.value == pytest.approx(40.0)
    no_dates = csv("lead_id,created_date\nO1,2024-01-03\nO3,2024-01-05\nO9,2024-01-06\n")
    k = run([("leads.csv", no_dates), ("deals.csv", OPPORTUNITY_DEALS)], end=FEB29,
            only=["lead_to_opportunity_rate"])["lead_to_opportunity_rate"]
    assert k.available and k.value == pytest.approx(100 / 3)


def test_lead_to_opportunity_rate_unavailable():
    k = run([("leads.csv", csv("lead_id,created_date\nO1,2024-01-03\n"))],
            only=["lead_to_opportunity_rate"])["lead_to_opportunity_rate"]
    assert not k.available and k.missing_fields == ("leads.opportunity_date",)
    k = run([("deals.csv", OPPORTUNITY_DEALS)],
            only=["lead_to_opportunity_rate"])["lead_to_opportunity_rate"]
    assert not k.available and k.missing_fields == ("leads",)


# -- customer acquisition rate --------------------------------------------------------------
ACQUISITION = csv("""
lead_id,created_date,touches,first_response_date,converted,outreach_method
C1,2024-01-03,3,,yes,email
C2,2024-01-04,3,,no,email
C3,2024-01-05,1,,yes,cold call
C4,2024-01-06,0,2024-01-07,yes,email
C5,2024-02-01,,2024-02-02,no,in person
C6,2024-02-02,,,yes,email
C7,2024-02-03,10,,no,Email
""")
# prospects: C1, C2, C3, C5 (no touches count, but a response), C7 = 5; C4 (0 touches) and C6
# (neither) were not contacted. New customers: C1, C3 = 2.


def test_customer_acquisition_rate_by_touches_and_method():
    k = run([("leads.csv", ACQUISITION)],
            only=["customer_acquisition_rate"])["customer_acquisition_rate"]
    assert k.value == pytest.approx(40.0)
    assert k.by_period == {"2024-01": pytest.approx(200 / 3), "2024-02": 0.0, "2024-03": None}
    assert k.by["touches"] == {"1": 100.0, "3": 50.0, "10": 0.0, "(none)": 0.0}
    assert list(k.by["touches"]) == ["1", "3", "10", "(none)"]
    assert k.by["outreach_method"] == {"email": pytest.approx(100 / 3), "cold call": 100.0,
                                       "in person": 0.0}
    assert k.explanation == "2 new customers / 5 prospects contacted × 100 = 40.0 %"


def test_customer_acquisition_rate_without_touches_uses_first_response():
    data = csv("""
lead_id,created_date,first_response_date,converted_date
P1,2024-01-03,2024-01-03,2024-01-20
P2,2024-01-04,2024-01-05,
P3,2024-01-05,,2024-01-09
P4,2024-01-06,2024-01-06,
""")
    k = run([("leads.csv", data)], only=["customer_acquisition_rate"])[
        "customer_acquisition_rate"]
    assert k.value == pytest.approx(100 / 3)  # P1 of P1, P2, P4; P3 was never contacted
    assert k.by == {}  # neither touches nor outreach_method


def test_customer_acquisition_rate_unavailable():
    data = csv("lead_id,created_date,converted\nL1,2024-01-03,yes\n")
    k = run([("leads.csv", data)], only=["customer_acquisition_rate"])[
        "customer_acquisition_rate"]
    assert not k.available and k.missing_fields == ("leads.touches",)
    data = csv("lead_id,created_date,touches\nL1,2024-01-03,2\n")
    k = run([("leads.csv", data)], only=["customer_acquisition_rate"])[
        "customer_acquisition_rate"]
    assert not k.available and k.missing_fields == ("leads.converted",)


# -- average time to conversion ---------------------------------------------------------------
TIME_TO_CONVERSION = csv("""
lead_id,created_date,converted,converted_date
A1,2024-01-01 22:00,,2024-01-11
A2,2024-01-20 08:00,yes,2024-02-09
A3,2024-01-25,,2024-01-20
A4,2024-02-01,no,2024-02-05
A5,2024-02-10,,
""")


def test_avg_time_to_conversion_calendar_days():
    k = run([("leads.csv", TIME_TO_CONVERSION)],
            only=["avg_time_to_conversion"])["avg_time_to_conversion"]
    # A1 10 calendar days (not 9.1 exact days), A2 20; A3 negative (left out); A4 not converted
    assert k.value == pytest.approx(15.0)
    assert k.by_period == {"2024-01": 15.0, "2024-02": None, "2024-03": None}
    assert k.explanation == ("30 days / 2 converted leads = 15.0 days; "
                             "1 negative durations left out")


def test_avg_time_to_conversion_unavailable_with_the_flag_only():
    data = csv("lead_id,created_date,converted\nL1,2024-01-03,yes\n")
    k = run([("leads.csv", data)], only=["avg_time_to_conversion"])["avg_time_to_conversion"]
    assert not k.available and k.missing_fields == ("leads.converted_date",)


# -- close rate on provided leads ----------------------------------------------------------------
PROVIDED_LEADS = csv("""
lead_id,created_date,rep,provided_lead,converted
P1,2024-01-03,Ann,yes,yes
P2,2024-01-04,Ann,yes,no
P3,2024-02-05,Bob,yes,yes
P4,2024-02-06,Bob,no,yes
P5,2024-02-07,Bob,,yes
""")
PROVIDED_DEALS = csv("""
deal_id,created_date,amount,status,close_date,provided_lead,rep
D1,2024-01-02,100,won,2024-01-20,yes,Ann
D2,2024-01-03,100,lost,2024-02-10,yes,Ann
D3,2024-01-04,100,won,2024-02-15,yes,Bob
D4,2024-01-05,100,won,2024-02-15,no,Bob
D5,2024-01-06,100,open,,yes,Bob
D6,2024-01-07,100,won,2024-04-02,yes,Bob
""")


def test_close_rate_provided_leads_from_leads():
    k = run([("leads.csv", PROVIDED_LEADS), ("deals.csv", PROVIDED_DEALS)],
            only=["close_rate_provided_leads"])["close_rate_provided_leads"]
    assert k.value == pytest.approx(200 / 3)  # P1, P3 of P1, P2, P3
    assert k.by_period == {"2024-01": 50.0, "2024-02": 100.0, "2024-03": None}
    assert k.by == {"rep": {"Ann": 50.0, "Bob": 100.0}}
    assert k.explanation.endswith("(from leads)")


def test_close_rate_provided_leads_from_deals():
    k = run([("deals.csv", PROVIDED_DEALS)],
            only=["close_rate_provided_leads"])["close_rate_provided_leads"]
    # provided deals closed in Jan-Mar: D1 won, D2 lost, D3 won (D5 open, D6 closed in April)
    assert k.value == pytest.approx(200 / 3)
    assert k.by_period == {"2024-01": 100.0, "2024-02": 50.0, "2024-03": None}
    assert k.by == {"rep": {"Ann": 50.0, "Bob": 100.0}}
    assert k.explanation == "2 won / 3 provided deals closed × 100 = 66.7 % (from deals)"


def test_close_rate_provided_leads_all_deals_open_and_unavailable():
    open_deals = csv("""
deal_id,created_date,amount,status,provided_lead
D1,2024-01-02,100,open,yes
D2,2024-01-03,100,open,yes
""")
    k = run([("deals.csv", open_deals)],
            only=["close_rate_provided_leads"])["close_rate_provided_leads"]
    assert k.available and k.value is None
    assert k.by == {}  # deals have no rep column
    k = run([("leads.csv", csv("lead_id,created_date,converted\nL1,2024-01-03,yes\n"))],
            only=["close_rate_provided_leads"])["close_rate_provided_leads"]
    assert not k.available and k.missing_fields == ("leads.provided_lead",)


# -- every group D KPI at once; week grain --------------------------------------------------------
def test_week_grain_and_json_shape():
    ks = run([("leads.csv", RESPONSE)], start=dt.date(2024, 1, 1), end=dt.date(2024, 1, 14),
             grain="week", only=["lead_response_time"])
    k = ks["lead_response_time"]
    assert k.by_period == {"2024-W01": pytest.approx(6.5), "2024-W02": None}
    j = k.as_json()
    assert j["unit"] == "hours" and j["direction"] == "lower"
    assert set(j["extra"]) == {"mean_hours", "leads_with_response"}


# -- by_period = the headline over each period alone (the vectorised periods) --------------------
def _periods_are_headlines(files, kpis, start=JAN1, end=MAR31, grain="month"):
    assert_periods_are_headlines(files, kpis, start, end, grain)


@pytest.mark.parametrize("grain", ["month", "week"])
def test_lead_periods_are_headlines(grain):
    cohort = ["qualified_leads", "lead_quality_rate", "lead_conversion_rate"]
    _periods_are_headlines([("leads.csv", QUALIFIED)], cohort, grain=grain)
    _periods_are_headlines([("leads.csv", CONVERSION)], ["lead_conversion_rate"], grain=grain)
    _periods_are_headlines([("leads.csv", RESPONSE)], ["lead_response_time"], grain=grain)
    _periods_are_headlines([("leads.csv", OPPORTUNITY_LEADS), ("deals.csv", OPPORTUNITY_DEALS)],
                           ["lead_to_opportunity_rate"], grain=grain)
    _periods_are_headlines([("leads.csv", ACQUISITION)], ["customer_acquisition_rate"],
                           grain=grain)
    _periods_are_headlines([("leads.csv", TIME_TO_CONVERSION)], ["avg_time_to_conversion"],
                           grain=grain)
    for files in ([("leads.csv", PROVIDED_LEADS)], [("deals.csv", PROVIDED_DEALS)]):
        _periods_are_headlines(files, ["close_rate_provided_leads"], end=dt.date(2024, 4, 30),
                               grain=grain)
