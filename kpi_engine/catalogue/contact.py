"""D. Last contact (stale_leads_deals): open deals — or, without deals, open leads — with no
contact for more than stale_after_days, at the range end and at each period end. Kept apart
from pipeline.py, whose open-deal spans it shares."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import polars as pl

from kpi_engine.catalogue import register
from kpi_engine.catalogue.pipeline import FAR, _day, _mean, _memo, _spans
from kpi_engine.catalogue.spec import KPI, Value
from kpi_engine.context import Context
from kpi_engine.deals import deals
from kpi_engine.fmt import num, pct, pct_of


# -- D. last contact -------------------------------------------------------------------------
@_memo
def _records(ctx: Context) -> dict[str, Any]:
    """The records last contact is measured on — deals when uploaded, else leads — as arrays:
    `a`/`b` (open while a <= day < b), `code` (their id's number; n when none), `key`; and the
    `day` and id number (`act_code`) of every activity on one of them, in day order."""
    if ctx.t("deals") is not None:
        id_col, (a, b) = "deal_id", _spans(ctx)
        recs = deals(ctx).select(key=pl.col("dkey"), id=pl.col("deal_id"))
    else:
        id_col, leads = "lead_id", ctx.t("leads")
        assert leads is not None
        conv = pl.col("converted_date").cast(pl.Int64)
        recs = leads.with_row_index("_row").select(
            key=pl.coalesce(pl.col("lead_id"), pl.lit("#row") + pl.col("_row").cast(pl.String)),
            id=pl.col("lead_id"),
            a=pl.col("created_date").dt.date().cast(pl.Int64).fill_null(FAR),
            b=pl.when(pl.col("converted").not_())
            .then(FAR)
            .when(pl.col("converted"))
            .then(conv.fill_null(-FAR))
            .otherwise(conv.fill_null(FAR)),
        )
        a, b = recs["a"].to_numpy(), recs["b"].to_numpy()
    ids = recs["id"].drop_nulls().unique()
    codes = pl.DataFrame({id_col: ids, "_c": pl.int_range(ids.len(), dtype=pl.Int64, eager=True)})
    code = recs.select(pl.col("id").alias(id_col)).join(
        codes, on=id_col, how="left", maintain_order="left"
    )["_c"]
    acts = ctx.t("activities")
    assert acts is not None
    hashed = codes.select(_h=pl.col(id_col).hash(), _id=pl.col(id_col), _c=pl.col("_c"))
    acts = (  # joined on the id's hash (faster than on the string), then checked
        acts.select(id_col, "activity_date")
        .with_columns(_h=pl.col(id_col).hash())
        .join(hashed, on="_h", how="inner", maintain_order="left")
        .filter(pl.col(id_col) == pl.col("_id"))
        .select(day=pl.col("activity_date").dt.date().cast(pl.Int64), code=pl.col("_c"))
        .drop_nulls("day")
    )
    day, act_code = acts["day"].to_numpy(), acts["code"].to_numpy()
    if day.size > 1 and bool((day[1:] < day[:-1]).any()):
        order = np.argsort(day, kind="stable")
        day, act_code = day[order], act_code[order]
    return {
        "a": a,
        "b": b,
        "code": code.fill_null(ids.len()).to_numpy(),
        "n": ids.len(),
        "key": recs["key"],
        "day": day,
        "act_code": act_code,
        "records": "deals" if id_col == "deal_id" else "leads",
    }


def _stale_share(ctx: Context, r: dict[str, Any], t: dt.date) -> float | None:
    """% of the records open at t whose last contact (creation or activity up to t) is more
    than S = stale_after_days before t: created before [t − S, t] and no activity in it."""
    day, s = _day(t), ctx.settings.stale_after_days
    lo = int(np.searchsorted(r["day"], day - s, side="left"))
    hi = int(np.searchsorted(r["day"], day, side="right"))
    contacted = np.zeros(r["n"] + 1, dtype=bool)
    contacted[r["act_code"][lo:hi]] = True
    is_open = (r["a"] <= day) & (day < r["b"])
    stale = is_open & (r["a"] <= day - s - 1) & ~contacted[r["code"]]
    return pct_of(int(stale.sum()), int(is_open.sum()))


def _stale_at_end(ctx: Context, r: dict[str, Any]) -> dict[str, Any]:
    day = _day(ctx.end)
    upto = int(np.searchsorted(r["day"], day, side="right"))
    last = np.full(r["n"] + 1, -FAR, dtype=np.int64)
    np.maximum.at(last, r["act_code"][:upto], r["day"][:upto])
    is_open = (r["a"] <= day) & (day < r["b"])
    days = pl.Series("days", day - np.maximum(r["a"][is_open], last[r["code"][is_open]]))
    stale = int((days > ctx.settings.stale_after_days).sum())
    keys = r["key"].filter(pl.Series(is_open))
    return {
        "value": pct_of(stale, days.len()),
        "stale": stale,
        "open": days.len(),
        "mean": _mean(days),
        "days": dict(zip(keys.to_list(), days.to_list(), strict=True)),
    }


def _stale_leads_deals(ctx: Context) -> Value:
    recs = _records(ctx)
    r = _stale_at_end(ctx, recs)
    by_period = {p.label: _stale_share(ctx, recs, p.clip_end) for p in ctx.periods}
    extra = {
        "open_records": r["open"],
        "mean_days_since_last_contact": r["mean"],
        "days_since_last_contact": r["days"],
        "records": recs["records"],
    }
    return Value(
        r["value"],
        by_period,
        extra=extra,
        explanation=f"{num(r['stale'])} of {num(r['open'])} open {recs['records']} "
        f"without contact for more than {ctx.settings.stale_after_days} days on "
        f"{ctx.end.isoformat()} = {pct(r['value'])}",
    )


register(
    KPI(
        "stale_leads_deals",
        "Last contact",
        "D",
        "percent",
        "lower",
        "rate",
        "share of open leads/deals with no activity for more than stale_after_days; days since "
        "last contact per record",
        "activities, deals|leads",
        _stale_leads_deals,
        ("open_records", "mean_days_since_last_contact", "days_since_last_contact", "records"),
        source="S3#7",
    )
)
