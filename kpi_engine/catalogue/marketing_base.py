"""What the marketing (B, C) and lead (D) KPIs plan on, and their finish helpers.

Plans: the marketing rows weighted over the range and over each period (`sums`: the weighted
Σ of every measure per period and over the range, one frame per set of fields a row must have;
`community`: the latest community size per channel), and the range's e-mail activities counted
per period and rep (`emails`).

Finish helpers work on the small collected frames: ratios per value of a dimension of a count
summary (`n` rows per line) or of a breakdown_lf frame (the value per period index and the
breakdowns they build on are measures': `per_pid`, `labels`, `names_of`, `breakdown_of`).
Plans built once per evaluation are shared through `measures.shared_value`.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from kpi_engine.context import Context
from kpi_engine.fmt import div
from kpi_engine.measures import (
    NONE_KEY,
    breakdown_lf,
    breakdown_of,
    in_range,
    labels,
    names_of,
    pid,
    shared_value,
)
from kpi_engine.plan import Step, done, frame

FUNNEL = ("view_content", "add_to_cart", "initiate_checkout", "purchases")
# the marketing measures summed by `sums` (community_size is never summed: the latest counts)
FIELDS = ("cost", "impressions", "clicks", "sessions", "visitors", "engagements", "leads",
          "conversions", "attributed_revenue", "mentions", "emails_sent", "emails_opened",
          *FUNNEL)
ACT = "activities"


# -- finish helpers ------------------------------------------------------------------------------
def ratio_of(frame: pl.DataFrame, dim: str, num_col: str, den_col: str, scale: float = 1.0,
             n: str = "n") -> dict[str, float | None]:
    """Σ numerator / Σ denominator (× scale; None for a zero sum) per value of a dimension of
    a summary (`n` rows per line)."""
    names = names_of(frame, dim, n)
    nums = breakdown_of(frame, dim, pl.col(num_col).sum(), names)
    dens = breakdown_of(frame, dim, pl.col(den_col).sum(), names)
    return {k: scaled(div(v, dens.get(k)), scale) for k, v in nums.items()}


def scaled(q: float | None, scale: float) -> float | None:
    return None if q is None else q * scale


def ratio_dict(frame: pl.DataFrame, num_col: str, den_col: str, scale: float = 1.0,
               ) -> dict[str, float | None]:
    """Σ numerator / Σ denominator (× scale) per value of a breakdown_lf frame."""
    names = frame.select(pl.coalesce("_name", "_k").fill_null(NONE_KEY)).to_series()
    return {k: scaled(div(a, b), scale)
            for k, a, b in zip(names, frame[num_col], frame[den_col], strict=True)}


# -- marketing rows -------------------------------------------------------------------------------
def _marketing(ctx: Context) -> pl.LazyFrame:
    """The marketing rows with `d` (the row's day) and `_mr` (a month row)."""
    return shared_value(ctx, "marketing:rows", lambda: _marketing_rows(ctx))


def _marketing_rows(ctx: Context) -> pl.LazyFrame:
    lf = ctx.lf("marketing")
    assert lf is not None
    month_row = (pl.col("_month_row").fill_null(False)
                 if "_month_row" in lf.collect_schema().names() else pl.lit(False))
    return lf.with_columns(d=pl.col("date").dt.date(), _mr=month_row)


def weight(start: dt.date | pl.Expr, end: dt.date | pl.Expr) -> pl.Expr:
    """1 for a dated row in [start, end], 0 outside; a month row: its month's share inside."""
    d = pl.col("d")
    first, last = d.dt.month_start(), d.dt.month_end()
    lo = start if isinstance(start, pl.Expr) else pl.lit(start)
    hi = end if isinstance(end, pl.Expr) else pl.lit(end)
    overlap = pl.min_horizontal(last, hi) - pl.max_horizontal(first, lo)
    days = (overlap.dt.total_days() + 1).clip(lower_bound=0)
    inside = ((d >= start) & (d <= end)).cast(pl.Float64)
    return pl.when(pl.col("_mr")).then(days / last.dt.day()).otherwise(inside)


def w(field: str) -> pl.Expr:
    """A field's weighted contribution, an empty cell as 0."""
    return pl.col(field).fill_null(0.0) * pl.col("_w")


def having(*fields: str) -> pl.Expr:
    """Rows where every one of the fields has a value."""
    return pl.all_horizontal(pl.lit(True), *(pl.col(f).is_not_null() for f in fields))


def range_rows(ctx: Context, *fields: str) -> pl.LazyFrame:
    """The marketing rows counting in the range (having the fields), with their weight `_w`."""
    m = _marketing(ctx).with_columns(_w=weight(ctx.start, ctx.end))
    return m.filter((pl.col("_w") > 0) & having(*fields))


def period_rows(ctx: Context, *fields: str) -> pl.LazyFrame:
    """The marketing rows counting in each period (having the fields), with `_pid` and `_w`
    (1, or the share of a month row's month inside the period)."""
    m = _marketing(ctx).filter(having(*fields))
    dated = (m.filter(~pl.col("_mr") & in_range(ctx, "d"))
             .with_columns(pid(ctx, "d"), _w=pl.lit(1.0)))
    spans = pl.LazyFrame({"_pid": range(len(ctx.periods)),
                          "_s": [p.clip_start for p in ctx.periods],
                          "_e": [p.clip_end for p in ctx.periods]},
                         schema={"_pid": pl.UInt32, "_s": pl.Date, "_e": pl.Date})
    months = (m.filter(pl.col("_mr") & pl.col("d").is_not_null()).join(spans, how="cross")
              .with_columns(_w=weight(pl.col("_s"), pl.col("_e")))
              .filter(pl.col("_w") > 0).drop("_s", "_e"))
    return pl.concat([dated, months], how="diagonal_relaxed")


def sums(ctx: Context, *fields: str) -> Step[pl.DataFrame]:
    """The weighted Σ of every measure of FIELDS over the rows having `fields`: one line per
    period (`_pid`) with rows and one for the whole range (`_pid` null)."""
    key = "marketing:sums" + "".join(f":{f}" for f in fields)
    return shared_value(ctx, key, lambda: frame(key, _sums_plan(ctx, fields)))


def _sums_plan(ctx: Context, fields: tuple[str, ...]) -> pl.LazyFrame:
    aggs = [w(f).sum().alias(f) for f in FIELDS]
    whole = range_rows(ctx, *fields).select(pl.lit(None, pl.UInt32).alias("_pid"), *aggs)
    per = period_rows(ctx, *fields).group_by("_pid").agg(aggs)
    return pl.concat([whole, per])


def total(got: pl.DataFrame) -> dict[str, float]:
    """{field: Σ over the range} of a `sums` frame."""
    row = got.filter(pl.col("_pid").is_null()).row(0, named=True)
    return {f: float(row[f] or 0.0) for f in FIELDS}


def by_period(ctx: Context, got: pl.DataFrame) -> list[dict[str, float]]:
    """[{field: Σ over the period}] of a `sums` frame, in ctx.periods order (0 without rows)."""
    out = [dict.fromkeys(FIELDS, 0.0) for _ in ctx.periods]
    for row in got.filter(pl.col("_pid").is_not_null()).iter_rows(named=True):
        out[row["_pid"]] = {f: float(row[f] or 0.0) for f in FIELDS}
    return out


Sums = tuple[dict[str, float], list[dict[str, float]]]


def totals(ctx: Context, *fields: str) -> Step[Sums]:
    """(Σ over the range, Σ per period) of every measure over the rows having the fields."""
    return sums(ctx, *fields).then(lambda got: (total(got), by_period(ctx, got)))


def rate(ctx: Context, num_f: str, den_f: str, having: tuple[str, ...] = (),
         scale: float = 100.0,
         ) -> Step[tuple[float | None, dict[str, float | None], float, float]]:
    """(Σ num / Σ den × scale over the range, by_period, Σ num, Σ den)."""

    def finish(s: Sums) -> tuple[float | None, dict[str, float | None], float, float]:
        whole, per = s
        n, d = whole[num_f], whole[den_f]
        by = labels(ctx, [scaled(div(p[num_f], p[den_f]), scale) for p in per])
        return scaled(div(n, d), scale), by, n, d
    return totals(ctx, *having).then(finish)


def ratio_by(key: str, rows: pl.LazyFrame, dim: str, num_expr: pl.Expr, den_expr: pl.Expr,
             scale: float = 1.0) -> Step[dict[str, float | None]]:
    """Σ numerator / Σ denominator (× scale) per value of a dimension; None for a zero sum."""
    g = breakdown_lf(rows, dim, _num=num_expr, _den=den_expr)
    return frame(key, g).then(lambda got: ratio_dict(got, "_num", "_den", scale))


def community(ctx: Context) -> Step[pl.DataFrame]:
    """Σ over channels of each channel's latest community size (`_s`): per period (`_pid`)
    and over the range (`_pid` null)."""
    k = pl.col("channel").str.to_lowercase()

    def latest(rows: pl.LazyFrame, *by: str) -> pl.LazyFrame:
        rows = rows.with_columns(_k=k).filter(pl.col("d") == pl.col("d").max().over("_k", *by))
        per = rows.group_by("_k", *by).agg(_s=pl.col("community_size").max())
        return per.group_by(*by).agg(pl.col("_s").sum()) if by else per.select(
            pl.lit(None, pl.UInt32).alias("_pid"), pl.col("_s").sum())

    field = "community_size"
    both = pl.concat([latest(range_rows(ctx, field)), latest(period_rows(ctx, field), "_pid")])
    return frame("marketing:community", both)


# -- e-mail activities --------------------------------------------------------------------------
def emails(ctx: Context) -> Step[pl.DataFrame]:
    """The range's e-mail activities per period (`_pid`) and rep: `n`, `opened` (opened or
    replied) and `replied`."""
    lf = ctx.lf(ACT)
    assert lf is not None
    outcome = pl.col("outcome")
    lines = (lf.filter(in_range(ctx, "activity_date") & (pl.col("type") == "email"))
             .group_by(pid(ctx, "activity_date"), "rep")
             .agg(n=pl.len(), opened=outcome.is_in(["opened", "replied"]).sum(),
                  replied=(outcome == "replied").sum()))
    return frame("marketing:emails", lines)


def has_emails(ctx: Context) -> Step[bool]:
    """The activities have an outcome and at least one e-mail (any date)."""
    lf = ctx.lf(ACT)
    if lf is None or not ctx.has(ACT, "outcome"):
        return done(False)
    any_email = lf.select(_any=(pl.col("type") == "email").any())
    return frame("marketing:has_emails", any_email).then(lambda got: bool(got["_any"][0]))
