"""D. Last contact (stale_leads_deals): open deals — or, without deals, open leads — with no
contact for more than stale_after_days (S), at the range end and at each period end.

Lazy plan: activities are reduced to one row per id (one group-by): its last activity day up
to the range end, and a bit mask of the period ends whose window [end − S, end] holds one of
its activities (each activity's mask comes from a small per-day table made from the periods).
The records (deals or leads), open from day `a` until day `b`, get their id's row; spread
over the period ends they are open at (`int_ranges`, exploded), they are counted open and,
when created more than S days before the end and without the end's bit, stale. The records
open at the range end (the last period end) give the days since their last contact.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right

import polars as pl

from kpi_engine.catalogue import register
from kpi_engine.catalogue.spec import KPI, Value
from kpi_engine.context import Context
from kpi_engine.deals import deals_lf
from kpi_engine.fmt import num, pct, pct_of
from kpi_engine.plan import Got, Step

NEVER = dt.date(9999, 12, 31)  # `a` of a record never open, `b` of one that never stops
ALWAYS = dt.date(1, 1, 1)  # `b` of a record that stopped at an unknown date: never open
CLOSED = pl.col("status").is_in(["won", "lost"]).fill_null(False)
WORD = 62  # period ends per bit mask (an Int64 table entry holds 62 bits)
EPOCH = dt.date(1970, 1, 1)
POW2 = pl.Series([1 << n for n in range(WORD + 1)], dtype=pl.Int64)


# -- D. last contact -------------------------------------------------------------------------
def _records(ctx: Context) -> tuple[pl.LazyFrame, str, str]:
    """The records last contact is measured on — deals when uploaded, else leads — with `key`,
    `id` and open days [a, b); the records' name and their id column in activities."""
    if ctx.lf("deals") is not None:
        recs = deals_lf(ctx).select(
            key=pl.col("dkey"), id=pl.col("deal_id"), a=pl.col("created").fill_null(NEVER),
            b=pl.when(CLOSED).then(pl.col("closed").fill_null(ALWAYS)).otherwise(NEVER))
        return recs, "deals", "deal_id"
    leads = ctx.lf("leads")
    assert leads is not None
    conv = pl.col("converted_date")
    recs = leads.with_row_index("_row").select(
        key=pl.coalesce(pl.col("lead_id"), pl.lit("#row") + pl.col("_row").cast(pl.String)),
        id=pl.col("lead_id"),
        a=pl.col("created_date").dt.date().fill_null(NEVER),
        b=pl.when(pl.col("converted").not_()).then(pl.lit(NEVER))
        .when(pl.col("converted")).then(conv.fill_null(ALWAYS))
        .otherwise(conv.fill_null(NEVER)),
    )
    return recs, "leads", "lead_id"


def _ends(ctx: Context) -> pl.Expr:
    return pl.lit(pl.Series([p.clip_end for p in ctx.periods], dtype=pl.Date))


def _look_up(table: pl.Series, i: pl.Expr) -> pl.Expr:
    # the cast keeps the type when i is empty (a gather then gives a column of type null)
    return pl.lit(table).gather(i).cast(pl.UInt64)


def _pow2(i: pl.Expr) -> pl.Expr:
    return _look_up(POW2, i)


def _words(ctx: Context) -> range:
    """The masks that hold one bit per period end."""
    return range(-(-len(ctx.periods) // WORD))


def _day_masks(ctx: Context) -> tuple[int, list[pl.Series]]:
    """For each day from the start of the first period end's window to the range end, the
    period ends whose window [end − S, end] holds it, as bit masks (bit i % 62 of mask
    i // 62): the first day's number and one table per mask, entry 0 (earlier days) empty."""
    s, ends = ctx.settings.stale_after_days, [p.clip_end for p in ctx.periods]
    first_day = ends[0] - dt.timedelta(days=s)
    tables: list[list[int]] = [[0] for _ in _words(ctx)]
    for n in range((ctx.end - first_day).days + 1):
        day = first_day + dt.timedelta(days=n)
        lo, hi = bisect_left(ends, day), bisect_right(ends, day + dt.timedelta(days=s))
        for w, table in enumerate(tables):
            table.append((1 << min(max(hi - w * WORD, 0), WORD))
                         - (1 << min(max(lo - w * WORD, 0), WORD)))
    return (first_day - EPOCH).days, [pl.Series(t, dtype=pl.Int64) for t in tables]


def _has_bit(ctx: Context, i: pl.Expr) -> pl.Expr:
    """Bit i of the masks `_m0`, `_m1`, … is set."""
    if len(ctx.periods) <= WORD:
        return (pl.col("_m0") & _pow2(i)) != 0
    words = list(_words(ctx))
    word = pl.col(f"_m{words[-1]}")
    for w in reversed(words[:-1]):
        word = pl.when(i < (w + 1) * WORD).then(pl.col(f"_m{w}")).otherwise(word)
    return (word & _pow2(i % WORD)) != 0


def _contacts(ctx: Context, id_col: str) -> pl.LazyFrame:
    """Per activity id: `last` (its latest activity day up to the range end) and the masks of
    the period ends it was contacted in the window [end − S, end] of (a per-id bit mask keeps
    the group-by to one group per id, not one per id and period)."""
    acts = ctx.lf("activities")
    assert acts is not None
    first_day, tables = _day_masks(ctx)
    at = pl.col("day") - first_day + 1  # the day's entry in the tables
    masks = {f"_m{w}": _look_up(t, at.clip(0)) for w, t in enumerate(tables)}
    return (
        acts.select(id=pl.col(id_col), day=pl.col("activity_date").dt.epoch("d")).drop_nulls()
        .filter(pl.col("day") <= (ctx.end - EPOCH).days)
        .select("id", "day", **masks)
        .group_by("id").agg(last=pl.col("day").max().cast(pl.Date),
                            **{m: pl.col(m).bitwise_or() for m in masks})
    )


def _spans(ctx: Context, recs: pl.LazyFrame, id_col: str) -> pl.LazyFrame:
    """The records open at one period end at least, with the indices of the first end they
    are open at (`_a`), of the first they are not (`_b`), of the first they are old at
    (created more than S days before: `_old`), and their id's contacts (`last`, masks)."""
    s, ends = ctx.settings.stale_after_days, _ends(ctx)
    masks = [pl.col(f"_m{w}").fill_null(0).cast(pl.UInt64) for w in _words(ctx)]
    return (
        recs.with_columns(
            _a=ends.search_sorted(pl.col("a"), side="left"),  # first end on or after a
            _b=ends.search_sorted(pl.col("b"), side="left"),  # first end on or after b
            _old=ends.search_sorted(pl.col("a") + dt.timedelta(days=s + 1), side="left"),
        )
        .filter(pl.col("_a") < pl.col("_b"))
        .join(_contacts(ctx, id_col), on="id", how="left", maintain_order="left")
        .with_columns(masks)
    )


def _by_end(ctx: Context, spans: pl.LazyFrame) -> pl.LazyFrame:
    """Per period end index `_i`: `open` records and `stale` ones."""
    i = pl.col("_i")
    stale = (i >= pl.col("_old")) & ~_has_bit(ctx, i)
    return (spans.with_columns(_i=pl.int_ranges("_a", "_b", dtype=pl.UInt32)).explode("_i")
            .group_by("_i").agg(open=pl.len(), stale=stale.sum()))


def _at_end(ctx: Context, spans: pl.LazyFrame) -> pl.LazyFrame:
    """The records open at the range end (open at the last period end) with `days` since
    their last contact (creation or activity up to the end), in record order, and `mean`."""
    t = ctx.end
    return (
        spans.filter(pl.col("_b") == len(ctx.periods))
        .select("key", days=(pl.lit(t) - pl.max_horizontal("a", "last")).dt.total_days())
        .with_columns(mean=pl.col("days").mean())
    )


def _stale_leads_deals(ctx: Context) -> Step[Value]:
    recs, records, id_col = _records(ctx)
    spans = _spans(ctx, recs, id_col)
    # the range end's counts are the last period end's
    frames = {"contact:by_end": _by_end(ctx, spans), "contact:days": _at_end(ctx, spans)}
    return Step(frames, lambda got: _stale(ctx, got, records))


def _stale(ctx: Context, got: Got, records: str) -> Value:
    counts: list[tuple[int, int]] = [(0, 0)] * len(ctx.periods)
    for i, n_open, n_stale in got["contact:by_end"].select("_i", "open", "stale").iter_rows():
        counts[i] = (n_open, n_stale)
    n_open, n_stale = counts[-1]
    value = pct_of(n_stale, n_open)
    days = got["contact:days"]
    extra = {
        "open_records": n_open,
        "mean_days_since_last_contact": days["mean"][0] if days.height else None,
        "days_since_last_contact": dict(zip(days["key"].to_list(), days["days"].to_list(),
                                            strict=True)),
        "records": records,
    }
    return Value(
        value,
        {p.label: pct_of(s, n) for p, (n, s) in zip(ctx.periods, counts, strict=True)},
        extra=extra,
        explanation=f"{num(n_stale)} of {num(n_open)} open {records} "
        f"without contact for more than {ctx.settings.stale_after_days} days on "
        f"{ctx.end.isoformat()} = {pct(value)}",
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
