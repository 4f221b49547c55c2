"""The long results table behind the CSV download."""

from __future__ import annotations

import polars as pl

from kpi_engine.catalogue.spec import Result
from kpi_engine.evaluate import Results
from kpi_engine.long import results_long


def _result(kpi_id: str, value, by_period=None, by=None, available=True, missing=()):  # noqa: ANN001
    return Result(kpi_id, kpi_id, value, "money", available, missing, None, "higher",
                  by_period or {}, by or {}, {}, None)


def test_one_row_per_headline_period_and_breakdown_value():
    res = Results("2025-01-01", "2025-02-28", "month", "EUR", {
        "revenue": _result("revenue", 300.0, {"2025-01": 100.0, "2025-02": 200.0},
                           {"region": {"North": 120.0, "(none)": 180.0}}),
        "cac": _result("cac", None, available=False, missing=("marketing.cost",)),
    })
    df = results_long(res)
    assert df.height == 1 + 2 + 2 + 1
    rev = df.filter(pl.col("kpi") == "revenue")
    assert rev.filter(pl.col("part") == "headline")["value"].to_list() == [300.0]
    assert rev.filter(pl.col("part") == "period")["key"].to_list() == ["2025-01", "2025-02"]
    by = rev.filter(pl.col("part") == "by")
    assert dict(zip(by["key"], by["value"], strict=True)) == {"North": 120.0, "(none)": 180.0}
    assert by["dimension"].unique().to_list() == ["region"]
    # period and breakdown values add up to the headline for a flow
    assert rev.filter(pl.col("part") == "period")["value"].sum() == 300.0
    cac = df.filter(pl.col("kpi") == "cac").row(0, named=True)
    assert cac["value"] is None and cac["needs"] == "marketing.cost" and not cac["available"]
    assert cac["group"] == "H"
