"""Properties that must hold on any data (hypothesis): sums, ranges, filters."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kpi_engine.evaluate import evaluate
from kpi_engine.ingest.build import empty_frame
from kpi_engine.query import Query

REPS = ["Anna", "Ben", None]
REGIONS = ["North", "South", None]

order_rows = st.lists(
    st.tuples(
        st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2024, 6, 30)),
        st.floats(min_value=-50, max_value=1000, allow_nan=False).map(lambda x: round(x, 2)),
        st.sampled_from(["c1", "c2", "c3", "c4", None]),
        st.sampled_from(REPS),
        st.sampled_from(REGIONS),
    ),
    min_size=1,
    max_size=40,
)


def orders_table(rows) -> pl.DataFrame:
    base = empty_frame("orders")
    df = pl.DataFrame(
        {
            "order_date": [dt.datetime.combine(r[0], dt.time()) for r in rows],
            "revenue": [r[1] for r in rows],
            "order_id": [f"o{i}" for i in range(len(rows))],
            "customer_id": [r[2] for r in rows],
            "rep": [r[3] for r in rows],
            "region": [r[4] for r in rows],
        },
        schema_overrides={"customer_id": pl.String, "rep": pl.String, "region": pl.String},
    )
    return pl.concat([base, df], how="diagonal_relaxed")


FLOWS = ["revenue", "orders_count", "expansion_revenue"]
RATES = ["repeat_sales_by_channel"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(order_rows, st.sampled_from(["week", "month", "quarter", "year"]))
def test_flows_sum_over_periods_except_expansion(rows, grain):
    res = evaluate({"orders": orders_table(rows)}, Query(grain=grain),
                   only=["revenue", "orders_count"]).kpis
    rev = res["revenue"]
    assert sum(rev.by_period.values()) == pytest.approx(rev.value, abs=1e-6)
    assert sum(res["orders_count"].by_period.values()) == pytest.approx(res["orders_count"].value)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(order_rows)
def test_breakdown_sums_to_the_total(rows):
    res = evaluate({"orders": orders_table(rows)}, Query(), only=["revenue"]).kpis["revenue"]
    if "region" in res.by:  # absent when no row has a region (the column is missing)
        assert sum(res.by["region"].values()) == pytest.approx(res.value, abs=1e-6)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(order_rows)
def test_filtering_by_a_rep_equals_computing_on_that_reps_rows(rows):
    assume(any(r[3] == "Anna" for r in rows))
    table = orders_table(rows)
    span = Query(start=dt.date(2024, 1, 1), end=dt.date(2024, 6, 30))
    filtered = evaluate({"orders": table}, Query(start=span.start, end=span.end,
                                                 filters={"rep": "anna"}),
                        only=["revenue", "orders_count"]).kpis
    own = evaluate({"orders": table.filter(pl.col("rep") == "Anna")}, span,
                   only=["revenue", "orders_count"]).kpis
    for k in ("revenue", "orders_count"):
        assert filtered[k].value == pytest.approx(own[k].value)
        assert filtered[k].by_period == pytest.approx(own[k].by_period)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(order_rows)
def test_rates_stay_in_range(rows):
    res = evaluate({"orders": orders_table([r for r in rows if r[1] >= 0])}, Query(),
                   only=RATES).kpis
    for k in RATES:
        v = res[k].value
        assert v is None or 0 <= v <= 100 + 1e-9
