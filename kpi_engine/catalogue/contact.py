"""D. Last contact (stale_leads_deals): open deals — or, without deals, open leads — with no
contact for more than stale_after_days, at the range end and at each period end.

Lazy plan: each record (deal or lead) opens on day `a` and stops being open on day `b`; spread
over the indices of the period ends it is open at (`int_ranges`, exploded), it is stale at an
end when it was created more than S days before and no activity of its id falls in the
window [end − S, end]. Activities are first reduced to their latest day per id and period
(the period whose end is the first on or after the activity), which says both which period
ends each id was contacted in the window of, and its last contact at the range end."""

from __future__ import annotations

import datetime as dt

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
WORD = 62  # period ends per bit mask
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


def _pow2(n: pl.Expr) -> pl.Expr:
    # a look-up, many times faster than pow; the cast keeps its type when n is empty
    return pl.lit(POW2).gather(n).cast(pl.UInt64)


def _words(ctx: Context) -> range:
    """The masks that hold one bit per period end."""
    return range(-(-len(ctx.periods) // WORD))


def _bits(ctx: Context, first: pl.Expr, stop: pl.Expr) -> dict[str, pl.Expr]:
    """The period-end indices [first, stop) (first <= stop <= the number of ends) as bit
    masks `_m0`, `_m1`, … (bit i % 62 of mask i // 62)."""
    if len(ctx.periods) <= WORD:
        return {"_m0": _pow2(stop) - _pow2(first)}
    out = {}
    for w in _words(ctx):
        lo = (first.cast(pl.Int64) - w * WORD).clip(0, WORD)
        hi = (stop.cast(pl.Int64) - w * WORD).clip(0, WORD)
        out[f"_m{w}"] = _pow2(hi) - _pow2(lo)
    return out


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
    s, ends = ctx.settings.stale_after_days, [p.clip_end for p in ctx.periods]
    dtype = ctx.uploaded["activities"].schema["activity_date"]

    def midnights(shift: int) -> pl.Expr:  # of the period ends shifted by `shift` days
        return pl.lit(pl.Series([dt.datetime.combine(e + dt.timedelta(days=shift), dt.time())
                                 for e in ends]).cast(dtype))
    # compared as date-times: no conversion of every activity to a day
    at = pl.col("activity_date")
    first = midnights(1).search_sorted(at, side="right")  # the first end on or after the day
    stop = midnights(-s).search_sorted(at, side="right")  # after the last end <= day + S
    return (
        acts.select("activity_date", id=pl.col(id_col)).drop_nulls()
        .with_columns(_j=first).filter(pl.col("_j") < len(ends))
        .select("id", "activity_date", **_bits(ctx, pl.col("_j"), stop))
        .group_by("id").agg(last=at.max().dt.date(),
                            **{f"_m{w}": pl.col(f"_m{w}").bitwise_or() for w in _words(ctx)})
    )


def _with_contacts(ctx: Context, recs: pl.LazyFrame, id_col: str) -> pl.LazyFrame:
    masks = [pl.col(f"_m{w}").fill_null(0).cast(pl.UInt64) for w in _words(ctx)]
    return (recs.join(_contacts(ctx, id_col), on="id", how="left", maintain_order="left")
            .with_columns(masks))


def _by_end(ctx: Context, recs: pl.LazyFrame) -> pl.LazyFrame:
    """Per period end index `_i`: `open` records and `stale` ones."""
    s, ends = ctx.settings.stale_after_days, _ends(ctx)
    masks = [f"_m{w}" for w in _words(ctx)]
    spans = recs.select(
        *masks,
        _a=ends.search_sorted(pl.col("a"), side="left"),  # first end on or after a
        _b=ends.search_sorted(pl.col("b"), side="left"),  # first end on or after b
        _old=ends.search_sorted(pl.col("a") + dt.timedelta(days=s + 1), side="left"),
    ).filter(pl.col("_a") < pl.col("_b"))
    i = pl.col("_i")
    stale = (i >= pl.col("_old")) & ~_has_bit(ctx, i)
    return (spans.with_columns(_i=pl.int_ranges("_a", "_b", dtype=pl.UInt32)).explode("_i")
            .group_by("_i").agg(open=pl.len(), stale=stale.sum()))


def _at_end(ctx: Context, recs: pl.LazyFrame) -> pl.LazyFrame:
    """The records open at the range end with `days` since their last contact (creation or
    activity up to the end), in record order, and `mean` (of all their days)."""
    t = ctx.end
    return (
        recs.filter((pl.col("a") <= t) & (pl.lit(t) < pl.col("b")))
        .select("key", days=(pl.lit(t) - pl.max_horizontal("a", "last")).dt.total_days())
        .with_columns(mean=pl.col("days").mean())
    )


def _stale_leads_deals(ctx: Context) -> Step[Value]:
    recs, records, id_col = _records(ctx)
    recs = _with_contacts(ctx, recs, id_col)
    # two frames, not a third for the range end's counts: the last period ends on the range
    # end, and Polars shares the records' sub-plan between fewer plans more reliably
    frames = {"contact:by_end": _by_end(ctx, recs), "contact:days": _at_end(ctx, recs)}
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
