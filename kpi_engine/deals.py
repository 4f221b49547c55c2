"""Deals as the KPIs see them (catalogue section 2, "Deals and pipeline").

- status: the status cell, else from the stage name (done at ingest: deals.status is filled).
- a won/lost deal's close day: its close_date, else the entered_date of its last stage_history
  entry; with neither it closed at an unknown date (never open, in no outcome KPI).
- open at instant t: created on or before t and not won/lost with a close day on or before t.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from kpi_engine.context import Context


def deals(ctx: Context) -> pl.DataFrame:
    """Every deal with `created` (day), `closed` (day a won/lost deal closed, null when open or
    unknown) and `dkey` (deal_id, else the row)."""
    cache = ctx.__dict__.setdefault("_measure_cache", {})
    if "deals" in cache:
        return cache["deals"]
    df = ctx.t("deals")
    assert df is not None
    df = df.with_row_index("_row").with_columns(
        created=pl.col("created_date").dt.date(),
        dkey=pl.coalesce(pl.col("deal_id"), pl.lit("#row") + pl.col("_row").cast(pl.String)),
    )
    close = pl.col("close_date").dt.date()
    history = ctx.t("stage_history")
    if history is not None and history.height:
        last = history.group_by("deal_id").agg(last_entry=pl.col("entered_date").max().dt.date())
        df = df.join(last, on="deal_id", how="left", maintain_order="left")
        close = pl.coalesce(close, pl.col("last_entry"))
    df = df.with_columns(
        closed=pl.when(pl.col("status").is_in(["won", "lost"])).then(close).otherwise(None)
    )
    cache["deals"] = df
    return df


def deals_lf(ctx: Context) -> pl.LazyFrame:
    """`deals`, lazily: every deal with `created`, `closed` and `dkey`."""
    lf = ctx.lf("deals")
    assert lf is not None
    lf = lf.with_row_index("_row").with_columns(
        created=pl.col("created_date").dt.date(),
        dkey=pl.coalesce(pl.col("deal_id"), pl.lit("#row") + pl.col("_row").cast(pl.String)),
    )
    close = pl.col("close_date").dt.date()
    history, uploaded = ctx.lf("stage_history"), ctx.uploaded.get("stage_history")
    if history is not None and uploaded is not None and uploaded.height:
        last = history.group_by("deal_id").agg(last_entry=pl.col("entered_date").max().dt.date())
        lf = lf.join(last, on="deal_id", how="left", maintain_order="left")
        close = pl.coalesce(close, pl.col("last_entry"))
    return lf.with_columns(
        closed=pl.when(pl.col("status").is_in(["won", "lost"])).then(close).otherwise(None)
    )


def closed_in(ctx: Context, start: dt.date, end: dt.date, status: str | None = None,
              ) -> pl.DataFrame:
    """Won and/or lost deals whose close day lies in [start, end]."""
    d = deals(ctx)
    statuses = [status] if status else ["won", "lost"]
    return d.filter(pl.col("status").is_in(statuses) & pl.col("closed").is_between(start, end))


def won_deals(ctx: Context, start: dt.date, end: dt.date) -> pl.DataFrame:
    return closed_in(ctx, start, end, "won")


def open_at(ctx: Context, t: dt.date) -> pl.DataFrame:
    """Deals open at the end of day t."""
    d = deals(ctx)
    closed_by_t = pl.col("status").is_in(["won", "lost"]).fill_null(False) & (
        pl.col("closed").is_null() | (pl.col("closed") <= t))
    return d.filter((pl.col("created") <= t) & ~closed_by_t)
