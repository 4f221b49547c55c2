"""Targets (catalogue section 2, "Targets"): quotas spread over calendar months.

A quarter gives 1/3 to each of its months, a year 1/12, a month (or a date) itself. Rows of
the metric only (empty metric = revenue). Company target = rows with neither rep nor team;
when there are none, the sum of the reps' rows (team rows not added on top; no rep rows: the
teams' rows). A rep's target = that rep's rows; a team's = its rows without a rep, else the
sum of its reps' rows. The target of an interval = Σ targets of every calendar month it touches
(not pro rata), None when no month has one; without revenue target rows the company revenue
target is settings.monthly_target × those months. At week grain a period's target is pro rata
by days (`pro_rata=True`).
"""

from __future__ import annotations

import datetime as dt
import re

import polars as pl

from kpi_engine.context import Context
from kpi_engine.query import add_months, days_in_month, month_end, month_start

METRICS = {"revenue": "revenue", "sales": "revenue", "deals": "deals", "deals_won": "deals",
           "leads": "leads", "new_customers": "new_customers", "customers": "new_customers"}


def _months_of(label: str, fy_start: int) -> list[dt.date]:
    m = re.fullmatch(r"(FY)?(\d{4})(?:-Q([1-4]))?|(\d{4})-(\d{2})", label or "")
    if not m:
        return []
    if m.group(4):
        return [dt.date(int(m.group(4)), int(m.group(5)), 1)]
    fiscal, year, q = m.group(1), int(m.group(2)), m.group(3)
    first = dt.date(year, 1, 1)
    if fiscal and fy_start != 1:
        first = dt.date(year - 1, fy_start, 1)  # FY2025 with start 4 = April 2024
    elif fiscal:
        first = dt.date(year, 1, 1)
    if q:
        start = add_months(first, 3 * (int(q) - 1))
        return [add_months(start, i) for i in range(3)]
    return [add_months(first, i) for i in range(12)]


def monthly(ctx: Context, metric: str = "revenue") -> pl.DataFrame:
    """One row per (month, rep, team) share of a target row of the metric (once per context)."""
    from kpi_engine.measures import shared_value

    return shared_value(ctx, f"targets:{metric}", lambda: _monthly(ctx, metric))


def _monthly(ctx: Context, metric: str) -> pl.DataFrame:
    df = ctx.t("targets")
    rows: list[dict] = []
    if df is not None and df.height:
        fy = ctx.settings.fiscal_year_start
        for r in df.select("period", "target", "rep", "team", "metric").iter_rows(named=True):
            m = METRICS.get((r["metric"] or "revenue").strip().lower().replace(" ", "_"))
            if m != metric or r["target"] is None:
                continue
            months = _months_of(r["period"], fy)
            for month in months:
                rows.append({"month": month, "rep": r["rep"], "team": r["team"],
                             "target": r["target"] / len(months)})
    return pl.DataFrame(rows, schema={"month": pl.Date, "rep": pl.String, "team": pl.String,
                                      "target": pl.Float64})


def _months_touched(start: dt.date, end: dt.date) -> list[dt.date]:
    out, m = [], month_start(start)
    while m <= end:
        out.append(m)
        m = add_months(m, 1)
    return out


def _weights(start: dt.date, end: dt.date, pro_rata: bool) -> dict[dt.date, float]:
    if not pro_rata:
        return dict.fromkeys(_months_touched(start, end), 1.0)
    return {m: ((min(month_end(m), end) - max(m, start)).days + 1) / days_in_month(m)
            for m in _months_touched(start, end)}


def _sum(rows: pl.DataFrame, weights: dict[dt.date, float]) -> float | None:
    hit = rows.filter(pl.col("month").is_in(list(weights)))
    if hit.height == 0:
        return None
    return float(sum(weights[m] * t for m, t in zip(hit["month"], hit["target"], strict=True)))


def company_rows(ctx: Context, metric: str) -> pl.DataFrame:
    t = monthly(ctx, metric)
    company = t.filter(pl.col("rep").is_null() & pl.col("team").is_null())
    if company.height:
        return company
    reps = t.filter(pl.col("rep").is_not_null())
    return reps if reps.height else t.filter(pl.col("team").is_not_null())


def company_target(ctx: Context, start: dt.date, end: dt.date, metric: str = "revenue",
                   pro_rata: bool = False) -> float | None:
    weights = _weights(start, end, pro_rata)
    rows = company_rows(ctx, metric)
    if rows.height == 0:
        if metric == "revenue" and ctx.settings.monthly_target is not None:
            return ctx.settings.monthly_target * sum(weights.values())
        return None
    return _sum(rows, weights)


def rep_targets(ctx: Context, start: dt.date, end: dt.date, metric: str = "revenue",
                pro_rata: bool = False) -> dict[str, float | None]:
    t = monthly(ctx, metric).filter(pl.col("rep").is_not_null())
    weights = _weights(start, end, pro_rata)
    return {rep: _sum(t.filter(pl.col("rep") == rep), weights)
            for rep in sorted(set(t["rep"].to_list()))}


def team_targets(ctx: Context, start: dt.date, end: dt.date, metric: str = "revenue",
                 pro_rata: bool = False) -> dict[str, float | None]:
    t = monthly(ctx, metric).filter(pl.col("team").is_not_null())
    weights = _weights(start, end, pro_rata)
    out: dict[str, float | None] = {}
    for team in sorted(set(t["team"].to_list())):
        rows = t.filter(pl.col("team") == team)
        own = rows.filter(pl.col("rep").is_null())
        out[team] = _sum(own if own.height else rows, weights)
    return out


def has_targets(ctx: Context, metric: str) -> bool:
    return monthly(ctx, metric).height > 0 or (
        metric == "revenue" and ctx.settings.monthly_target is not None)


def against_target(ctx: Context, value: float, metric: str,
                   ) -> tuple[dict[str, float | None], str, str | None]:
    """A count KPI against its company target: the extra keys (`target`, `attainment_pct`),
    the explanation's tail ("; 99 / 116 target × 100 = 85.3 %") and the status; ({}, "",
    None) without a target."""
    from kpi_engine.fmt import num, pct

    got = attainment(ctx, value, metric)
    if got is None:
        return {}, "", None
    target, att, status = got
    return ({"target": target, "attainment_pct": att},
            f"; {num(value)} / {num(target)} target × 100 = {pct(att)}", status)


def attainment(ctx: Context, value: float, metric: str,
               ) -> tuple[float, float | None, str | None] | None:
    """A count KPI against the company target of its metric over the range (catalogue 2-4):
    (target, value / target × 100, status by the attainment band), None without a target."""
    from kpi_engine.catalogue.spec import ATTAINMENT
    from kpi_engine.fmt import pct_of

    target = company_target(ctx, ctx.start, ctx.end, metric=metric)
    if target is None:
        return None
    pct = pct_of(value, target)
    return target, pct, ATTAINMENT.status(pct)
