"""Deals-based KPIs: won revenue and deals won (A), the pipeline (F), conversion and closing (G)
and last contact (stale_leads_deals, D). (pipeline_coverage: team.py.)

Catalogue section 2, "Deals and pipeline": outcome KPIs use won/lost deals whose close date
(close_date, else the last stage_history entry) lies in the interval; stocks use the deals open
at the interval's end; a deal's stage and probability at t follow its stage history once it has
closed; stage history is collapsed (consecutive rows of one stage) and ordered by the funnel.

Speed: flows filter the range once and slice it per period (`_split`); stocks at each period
end compare per-deal open/close day numbers (`_spans`); last contact joins the activities to
the records once and checks each period end's window [t − stale_after_days, t] (`_records`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import polars as pl

from kpi_engine.catalogue import register
from kpi_engine.catalogue.spec import INF, KPI, Band, Value
from kpi_engine.context import Context
from kpi_engine.deals import deals
from kpi_engine.fmt import div, money, num, pct, pct_of
from kpi_engine.ingest.clean_labels import deal_status
from kpi_engine.measures import breakdown, display_names
from kpi_engine.targets import attainment

WON = "deals.close_date|stage_history, deals.status|deals.stage"
DIMS = ("rep", "channel", "team")
UNKNOWN = "(unknown)"
BANDS = ("0-25", "25-50", "50-75", "75-100")
CLOSED = pl.col("status").is_in(["won", "lost"])
DAY0 = dt.date(1970, 1, 1)
FAR = 1 << 40  # a day number after (negated: before) every date
AGGS = {"n": pl.len(), "amount": pl.col("amount").sum()}
T = TypeVar("T")


# -- helpers ---------------------------------------------------------------------------------
def _cache(ctx: Context) -> dict[str, Any]:
    return ctx.__dict__.setdefault("_measure_cache", {})


def _memo(fn: Callable[[Context], T]) -> Callable[[Context], T]:
    """fn(ctx) computed once per Context."""
    key = f"pipeline:{fn.__name__}"

    def wrapped(ctx: Context) -> T:
        cache = _cache(ctx)
        if key not in cache:
            cache[key] = fn(ctx)
        return cache[key]
    return wrapped


def _day(t: dt.date) -> int:
    return (t - DAY0).days


def _dims(ctx: Context, df: pl.DataFrame, agg: pl.Expr, dims: tuple[str, ...] = DIMS,
          ) -> dict[str, dict[str, Any]]:
    return {d: breakdown(df, d, agg) for d in dims if ctx.has("deals", d)}


def _won_by(ctx: Context, agg: str, dims: tuple[str, ...] = DIMS) -> dict[str, dict[str, Any]]:
    """_dims of the won deals closed in the range for an AGGS agg (shared by three KPIs)."""
    cache = _cache(ctx)
    out: dict[str, dict[str, Any]] = {}
    for d in (d for d in dims if ctx.has("deals", d)):
        if (key := f"pipeline:won:{d}:{agg}") not in cache:
            cache[key] = breakdown(_closed(ctx)["won"], d, AGGS[agg])
        out[d] = dict(cache[key])
    return out


def _amount(df: pl.DataFrame) -> float:
    return float(df["amount"].sum() or 0.0) if df.height else 0.0


def _with_amount(df: pl.DataFrame) -> pl.DataFrame:
    return df.filter(pl.col("amount").is_not_null())


def _days(df: pl.DataFrame) -> pl.Series:
    """close − created in days of closed deals (`_dd`), negative durations left out."""
    return df["_dd"].filter(df["_dd"] >= 0)


def _mean(s: pl.Series) -> float | None:
    return float(s.mean()) if s.len() else None  # type: ignore[arg-type]


def _count(df: pl.DataFrame) -> float:
    return float(df.height)


def _ads(df: pl.DataFrame) -> tuple[float | None, float, int]:
    """average deal size of won deals: Σ amount / won deals having one."""
    w = _with_amount(df)
    total = _amount(w)
    return div(total, w.height), total, w.height


# -- per period: one pass over the range, then a slice per period ------------------------------
def _cut(df: pl.DataFrame, idx: np.ndarray, k: int) -> list[pl.DataFrame]:
    """df (sorted by period number idx) as k slices, one per period."""
    ends = np.cumsum(np.bincount(idx, minlength=k))
    return [df.slice(int(e) - int(n), int(n))
            for e, n in zip(ends, np.diff(ends, prepend=0), strict=True)]


def _split(ctx: Context, df: pl.DataFrame, col: str, cols: list[Any] | None = None,
           ) -> tuple[pl.DataFrame, pl.DataFrame, np.ndarray]:
    """The rows of df whose day `col` lies in the range (df's order); the same rows (only
    `cols` when given) stably sorted by period; and their period numbers. Rows of period k in
    df's order = what filtering df on the period's (clipped) bounds gives."""
    rows = df.filter(pl.col(col).is_between(ctx.start, ctx.end))
    starts = np.array([_day(p.clip_start) for p in ctx.periods], dtype=np.int64)
    idx = np.searchsorted(starts, rows[col].cast(pl.Int64).to_numpy(), side="right") - 1
    by_p = rows.select(cols) if cols else rows
    if idx.size > 1 and bool((idx[1:] < idx[:-1]).any()):
        order = np.argsort(idx, kind="stable")
        by_p, idx = by_p.select(pl.all().gather(order)), idx[order]
    return rows, by_p, idx


def _per(ctx: Context, parts: list[pl.DataFrame], fn: Callable[[pl.DataFrame], Any],
         ) -> dict[str, Any]:
    return {p.label: fn(part) for p, part in zip(ctx.periods, parts, strict=True)}


@_memo
def _closed(ctx: Context) -> dict[str, Any]:
    """Won and lost deals closed in the range (`all`; `won`: the won ones) and in every period
    (`all_p`, `won_p`, `lost_p`: narrow frames)."""
    src = deals(ctx).filter(CLOSED).with_columns(
        _dd=(pl.col("closed") - pl.col("created")).dt.total_days())
    rng, by_p, idx = _split(ctx, src, "closed", ["status", "amount", "winnable", "_dd"])
    k = len(ctx.periods)
    out = {"all": rng, "won": rng.filter(pl.col("status") == "won"), "all_p": _cut(by_p, idx, k)}
    for status in ("won", "lost"):
        m = by_p["status"] == status
        out[f"{status}_p"] = _cut(by_p.filter(m), idx[m.to_numpy()], k)
    return out


# -- open deals ------------------------------------------------------------------------------
@_memo
def _spans(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    """Per deal of deals(ctx): the day number it opens (created; FAR when unknown) and the day
    it stops being open (its close day; -FAR when won/lost at an unknown date; FAR when not won
    or lost — a null status is neither, so open). Open at t: opens <= t < stops."""
    s = deals(ctx).select(
        a=pl.col("created").cast(pl.Int64).fill_null(FAR),
        b=pl.when(CLOSED.fill_null(False)).then(pl.col("closed").cast(pl.Int64).fill_null(-FAR))
        .otherwise(FAR))
    return s["a"].to_numpy(), s["b"].to_numpy()


def _open_mask(ctx: Context, t: dt.date) -> np.ndarray:
    a, b = _spans(ctx)
    day = _day(t)
    return (a <= day) & (day < b)


def open_at(ctx: Context, t: dt.date) -> pl.DataFrame:
    """Deals open at the end of day t. (kpi_engine.deals.open_at drops a deal whose status is
    null — neither status nor stage — because `is_in` on null gives null; such a deal is not
    won/lost, so it is open.)"""
    return deals(ctx).filter(pl.Series(_open_mask(ctx, t)))


def _open_amount(ctx: Context, t: dt.date) -> float:
    amounts = deals(ctx)["amount"].filter(pl.Series(_open_mask(ctx, t)))
    return float(amounts.sum() or 0.0) if amounts.len() else 0.0


# -- stage history ---------------------------------------------------------------------------
@_memo
def _stage_names(ctx: Context) -> dict[str, str]:
    """lower-case stage -> its most frequent spelling across deals and stage_history."""
    parts = [df["stage"] for df in (ctx.t("deals"), ctx.t("stage_history"))
             if df is not None and "stage" in df.columns]
    return display_names(pl.concat(parts).cast(pl.String)) if parts else {}


def _raw_history(ctx: Context) -> pl.DataFrame:
    h = ctx.t("stage_history")
    assert h is not None
    return (
        h.with_row_index("_row")
        .with_columns(skey=pl.col("stage").str.to_lowercase(),
                      day=pl.col("entered_date").dt.date())
        .filter(pl.col("deal_id").is_not_null() & pl.col("skey").is_not_null())
    )


@_memo
def _funnel(ctx: Context) -> tuple[list[str], dict[str, int]]:
    """The funnel stages (lower-case keys) in order, and every stage's first appearance."""
    h = _raw_history(ctx).sort(["entered_date", "_row"])
    first = h.unique("skey", keep="first", maintain_order=True)
    appear = first["skey"].to_list()
    pos = {k: i for i, k in enumerate(appear)}
    status = deal_status(first["stage"]).to_list()
    lost = {k for k, s in zip(appear, status, strict=True) if s == "lost"}
    src: pl.DataFrame | None = None
    if ctx.has("stage_history", "stage_order"):
        src = h.select("skey", "stage_order")
    elif ctx.has("deals", "stage_order"):
        src = ctx.uploaded["deals"].select(skey=pl.col("stage").str.to_lowercase(),
                                           stage_order=pl.col("stage_order"))
    if src is not None:
        firsts = src.drop_nulls().unique("skey", keep="first", maintain_order=True)
        order = dict(zip(firsts["skey"], firsts["stage_order"], strict=True))
        funnel = sorted((k for k in appear if k in order and k not in lost),
                        key=lambda k: (order[k], pos[k]))
    else:
        funnel = [k for k in appear if k not in lost]
    return funnel, pos


@_memo
def _history(ctx: Context) -> pl.DataFrame:
    """Stage history in time order per deal, consecutive rows of a stage collapsed into the
    first, with `next_day` (the deal's next entry, null for its last)."""
    funnel, pos = _funnel(ctx)
    rank = {k: i for i, k in enumerate(funnel)}
    other = {k: len(funnel) + i for k, i in pos.items() if k not in rank}
    h = (
        _raw_history(ctx)
        .with_columns(_o=pl.col("skey").replace_strict({**rank, **other}, return_dtype=pl.Int64))
        .sort(["deal_id", "day", "_o", "_row"])
    )
    prev = pl.col("skey").shift(1).over("deal_id")
    h = h.filter(prev.is_null() | (prev != pl.col("skey")))
    return h.with_columns(next_day=pl.col("day").shift(-1).over("deal_id"))


@_memo
def _at_end(ctx: Context) -> pl.DataFrame:
    """Deals open at the range's end t with `stage_t` (its stage at t) and `prob_t` (its
    probability at t)."""
    t = ctx.end
    d = open_at(ctx, t)
    still = ~CLOSED.fill_null(False)
    hist_stage: pl.Expr = pl.lit(None, pl.String)
    if ctx.t("stage_history") is not None:
        last = (_history(ctx).filter(pl.col("day") <= t).group_by("deal_id", maintain_order=True)
                .agg(_hstage=pl.col("stage").last()))
        d = d.join(last, on="deal_id", how="left", maintain_order="left")
        hist_stage = pl.col("_hstage")
    d = d.with_columns(stage_t=pl.when(still).then(pl.col("stage"))
                       .otherwise(pl.coalesce(hist_stage, pl.lit(UNKNOWN))))
    d = d.with_columns(_sk=pl.when(pl.col("stage_t") != UNKNOWN)
                       .then(pl.col("stage_t").str.to_lowercase()))
    med = (deals(ctx).select("status", "stage", "probability")
           .filter(still & pl.col("stage").is_not_null())
           .group_by(_sk=pl.col("stage").str.to_lowercase())
           .agg(_med=pl.col("probability").median()))
    d = d.join(med, on="_sk", how="left", maintain_order="left")
    return d.with_columns(prob_t=pl.when(still).then(pl.col("probability"))
                          .otherwise(pl.col("_med")))


def _band(prob: pl.Expr) -> pl.Expr:
    p = prob * 100
    return (pl.when(p < 25).then(pl.lit(BANDS[0])).when(p < 50).then(pl.lit(BANDS[1]))
            .when(p < 75).then(pl.lit(BANDS[2])).when(p.is_not_null()).then(pl.lit(BANDS[3])))


def _by_band(d: pl.DataFrame, agg: pl.Expr) -> dict[str, Any]:
    g = d.with_columns(_b=_band(pl.col("prob_t"))).filter(pl.col("_b").is_not_null())
    g = g.group_by("_b").agg(agg.alias("_v"))
    got = dict(zip(g["_b"], g["_v"], strict=True))
    return {b: got.get(b, 0) for b in BANDS}


# -- A. won revenue, deals won ---------------------------------------------------------------
def _won_revenue(ctx: Context) -> Value:
    c = _closed(ctx)
    total = _amount(c["won"])
    n = _with_amount(c["won"]).height
    return Value(total, _per(ctx, c["won_p"], _amount), _won_by(ctx, "amount"),
                 explanation=f"Σ amount of {num(n)} won deals closed in {ctx.range_label} = "
                 f"{money(total, ctx.currency)}")


def _deals_won(ctx: Context) -> Value:
    c = _closed(ctx)
    n = c["won"].height
    text = f"{num(n)} won deals closed in {ctx.range_label}"
    extra: dict[str, Any] = {}
    status = None
    against = attainment(ctx, n, "deals")
    if against is not None:
        target, att, status = against
        extra = {"target": target, "attainment_pct": att}
        text += f"; {num(n)} / {num(target)} target × 100 = {pct(att)}"
    return Value(float(n), _per(ctx, c["won_p"], _count), _won_by(ctx, "n"), extra,
                 text, status)


# -- F. pipeline -----------------------------------------------------------------------------
def _new_opportunities(ctx: Context) -> Value:
    rng, by_p, idx = _split(ctx, deals(ctx), "created", ["created"])
    by_period = _per(ctx, _cut(by_p, idx, len(ctx.periods)), _count)
    return Value(float(rng.height), by_period, _dims(ctx, rng, pl.len()),
                 explanation=f"{num(rng.height)} deals created in {ctx.range_label}")


def _pipeline_value(ctx: Context) -> Value:
    d = _at_end(ctx)
    total = _amount(d)
    weighted = float(d.select((pl.col("amount") * pl.col("prob_t")).sum()).item() or 0.0)
    by_period = {p.label: _open_amount(ctx, p.clip_end) for p in ctx.periods}
    by = ({"stage": breakdown(d, "stage_t", pl.col("amount").sum(), _stage_names(ctx))}
          if ctx.has("deals", "stage") else {})
    return Value(total, by_period, by, {"weighted": weighted},
                 explanation=f"Σ amount of {num(_with_amount(d).height)} deals open on "
                 f"{ctx.end.isoformat()} = {money(total, ctx.currency)}; weighted by "
                 f"probability = {money(weighted, ctx.currency)}")


def _deals_by_stage(ctx: Context) -> Value:
    d = _at_end(ctx)
    names = _stage_names(ctx)
    by: dict[str, dict[str, Any]] = {"stage": breakdown(d, "stage_t", pl.len(), names)}
    extra: dict[str, Any] = {
        "value_by_stage": breakdown(d, "stage_t", pl.col("amount").sum(), names)}
    if ctx.has("deals", "probability"):
        by["probability_band"] = _by_band(d, pl.len())
        extra["value_by_probability_band"] = {
            k: float(v) for k, v in _by_band(d, pl.col("amount").sum()).items()}
    by_period = {p.label: float(_open_mask(ctx, p.clip_end).sum()) for p in ctx.periods}
    return Value(float(d.height), by_period, by, extra,
                 explanation=f"{num(d.height)} deals open on {ctx.end.isoformat()} in "
                 f"{len(by['stage'])} stages")


def _reached(ctx: Context) -> tuple[list[str], dict[str, int]]:
    funnel, _ = _funnel(ctx)
    h = _history(ctx).filter(pl.col("day").is_between(ctx.start, ctx.end))
    g = h.group_by("skey").agg(pl.col("deal_id").n_unique().alias("n"))
    got = dict(zip(g["skey"], g["n"], strict=True))
    return funnel, {k: int(got.get(k, 0)) for k in funnel}


def _stage_conversion(ctx: Context) -> Value:
    funnel, reach = _reached(ctx)
    names = _stage_names(ctx)
    name = [names.get(k, k) for k in funnel]
    steps = {f"{name[i]}->{name[i + 1]}": pct_of(reach[funnel[i + 1]], reach[funnel[i]])
             for i in range(len(funnel) - 1)}
    value = pct_of(reach[funnel[-1]], reach[funnel[0]]) if funnel else None
    reaching = {names.get(k, k): reach[k] for k in funnel}
    text = (f"{num(reach[funnel[-1]])} deals reaching {name[-1]} / {num(reach[funnel[0]])} "
            f"reaching {name[0]} × 100 = {pct(value)}" if funnel else "no funnel stages")
    return Value(value, {}, {"step": steps}, {"deals_reaching_stage": reaching}, text)


def _time_in_stage(ctx: Context) -> Value:
    h = _history(ctx).filter(pl.col("day").is_between(ctx.start, ctx.end)
                             & pl.col("next_day").is_not_null())
    h = h.with_columns(stay=(pl.col("next_day") - pl.col("day")).dt.total_days())
    value = _mean(h["stay"])
    by = {"stage": breakdown(h, "stage", pl.col("stay").mean(), _stage_names(ctx))}
    return Value(value, {}, by, explanation=f"{num(float(h['stay'].sum() or 0))} days / "
                 f"{num(h.height)} stays = {num(value)} days")


def _velocity_of(ctx: Context, closed: pl.DataFrame, won: pl.DataFrame, e: dt.date,
                 ) -> tuple[float | None, str]:
    """Velocity from the deals closed (and won) in an interval ending on e."""
    ads = _ads(won)[0]
    rate = pct_of(won.height, closed.height)
    cycle = _mean(_days(won))
    n_open = int(_open_mask(ctx, e).sum())
    value = None
    if ads is not None and rate is not None:
        value = div(ads * n_open * rate / 100, cycle)
    text = (f"{money(ads, ctx.currency)} × {num(n_open)} open deals × {pct(rate)} / "
            f"{num(cycle)} days = {money(value, ctx.currency)} per day")
    return value, text


def _pipeline_velocity(ctx: Context) -> Value:
    c = _closed(ctx)
    value, text = _velocity_of(ctx, c["all"], c["won"], ctx.end)
    days = ctx.settings.selling_days_per_month
    per_month = None if value is None else value * days
    by_period = {p.label: _velocity_of(ctx, a, w, p.clip_end)[0]
                 for p, a, w in zip(ctx.periods, c["all_p"], c["won_p"], strict=True)}
    return Value(value, by_period,
                 extra={"per_month": per_month, "selling_days_per_month": days},
                 explanation=f"{text}; × {num(days)} selling days = "
                 f"{money(per_month, ctx.currency)} per month")


def _deals_by_channel(ctx: Context) -> Value:
    c = _closed(ctx)
    rng = c["won"]
    by = _won_by(ctx, "n", ("channel",))
    value_by = _won_by(ctx, "amount", ("channel",)).get("channel", {})
    won_value = _amount(rng)
    return Value(float(rng.height), _per(ctx, c["won_p"], _count), by,
                 {"value_by_channel": value_by, "won_value": won_value},
                 explanation=f"{num(rng.height)} won deals ({money(won_value, ctx.currency)}) "
                 f"over {len(by['channel'])} channels")


# -- G. conversion and closing ---------------------------------------------------------------
def _win_rate_kpi(ctx: Context) -> Value:
    c = _closed(ctx)
    won, n = c["won"].height, c["all"].height
    value = pct_of(won, n)
    by_period = {p.label: pct_of(w.height, a.height)
                 for p, a, w in zip(ctx.periods, c["all_p"], c["won_p"], strict=True)}
    agg = (pl.col("status") == "won").sum() / pl.len() * 100
    return Value(value, by_period, _dims(ctx, c["all"], agg, ("rep", "team")),
                 explanation=f"{num(won)} won / {num(n)} closed deals × 100 = {pct(value)}")


def _quote_to_close_of(ctx: Context, quotes: pl.DataFrame) -> tuple[float | None, int, int]:
    won = quotes.filter((pl.col("status") == "won")
                        & (pl.col("closed").is_null() | (pl.col("closed") <= ctx.end))).height
    return pct_of(won, quotes.height), won, quotes.height


def _quote_to_close(ctx: Context) -> Value:
    rng, by_p, idx = _split(ctx, deals(ctx), "quote_date", ["status", "closed"])
    value, won, n = _quote_to_close_of(ctx, rng)
    by_period = _per(ctx, _cut(by_p, idx, len(ctx.periods)),
                     lambda df: _quote_to_close_of(ctx, df)[0])
    return Value(value, by_period,
                 explanation=f"{num(won)} won / {num(n)} quotes sent × 100 = {pct(value)}")


def _average_deal_size(ctx: Context) -> Value:
    c = _closed(ctx)
    value, total, n = _ads(c["won"])
    return Value(value, _per(ctx, c["won_p"], lambda df: _ads(df)[0]),
                 extra={"won_value": total, "won_deals": c["won"].height},
                 explanation=f"{money(total, ctx.currency)} / {num(n)} won deals = "
                 f"{money(value, ctx.currency)}")


def _cycle_kpi(status: str, what: str) -> Callable[[Context], Value]:
    def compute(ctx: Context) -> Value:
        c = _closed(ctx)
        days = _days(c["all"].filter(pl.col("status") == status))
        value = _mean(days)
        return Value(value, _per(ctx, c[f"{status}_p"], lambda df: _mean(_days(df))),
                     explanation=f"{num(float(days.sum() or 0))} days / {num(days.len())} "
                     f"{what} = {num(value)} days")
    return compute


def _drop_off(n: int, lost: pl.DataFrame) -> dict[str, Any]:
    unwinnable = int((~lost["winnable"]).sum())
    return {"n": n, "lost": lost.height, "unwinnable": unwinnable,
            "value": pct_of(lost.height - unwinnable, n)}


def _conversation_drop_off(ctx: Context) -> Value:
    c = _closed(ctx)
    r = _drop_off(c["all"].height, c["all"].filter(pl.col("status") == "lost"))
    by_period = {p.label: _drop_off(a.height, lost)["value"]
                 for p, a, lost in zip(ctx.periods, c["all_p"], c["lost_p"], strict=True)}
    extra = {"lost_share": pct_of(r["lost"], r["n"]),
             "unwinnable_share_of_lost": pct_of(r["unwinnable"], r["lost"]),
             "unwinnable_share_of_all": pct_of(r["unwinnable"], r["n"])}
    return Value(r["value"], by_period, extra=extra,
                 explanation=f"({num(r['lost'])} lost − {num(r['unwinnable'])} unwinnable) / "
                 f"{num(r['n'])} closed deals × 100 = {pct(r['value'])}")


QUOTE_BAND = Band(good=(30, INF, True, False), watch=((20, 30, True, False),))

register(
    KPI("won_revenue", "Won revenue", "A", "money", "higher", "flow",
        "Σ amount of won deals (by close date)", WON, _won_revenue,
        source="S3 (closing survey), S4"),
    KPI("deals_won", "Deals won", "A", "count", "higher", "flow",
        "count of won deals (by close date)", WON, _deals_won, ("target", "attainment_pct"),
        source="S3 (closing survey)"),
    KPI("new_opportunities", "Sales opportunities", "F", "count", "higher", "flow",
        "count of deals created", "deals", _new_opportunities, source="S0#3"),
    KPI("pipeline_value", "Pipeline value", "F", "money", "higher", "stock",
        "Σ amount of open deals; weighted = Σ amount × probability", "deals", _pipeline_value,
        ("weighted",), source="S0#4"),
    KPI("deals_by_stage", "Deals by stage", "F", "count", "neutral", "stock",
        "count and value of open deals per stage and per probability band "
        "0–25/25–50/50–75/75–100 %", "deals.stage", _deals_by_stage,
        ("value_by_stage", "value_by_probability_band"), source="S3#15, S3#16"),
    KPI("stage_conversion", "Stage-to-stage conversion", "F", "percent", "higher", "rate",
        "deals that reached stage k+1 / deals that reached stage k × 100", "stage_history",
        _stage_conversion, ("deals_reaching_stage",), source="S3#17"),
    KPI("time_in_stage", "Duration per stage", "F", "days", "lower", "mean",
        "mean days between entering a stage and entering the next", "stage_history",
        _time_in_stage, source="S3#18"),
    KPI("pipeline_velocity", "Pipeline (sales) velocity", "F", "money", "higher", "rate",
        "(Average deal value × Number of active opportunities × Win rate) / Sales cycle in days; "
        "× selling days per month = monthly forecast", WON, _pipeline_velocity,
        ("per_month", "selling_days_per_month"), source="S1, S3#22"),
    KPI("deals_by_channel", "Deals by acquisition channel", "F", "count", "higher", "breakdown",
        "count and value of won deals per channel", f"{WON}, deals.channel", _deals_by_channel,
        ("value_by_channel", "won_value"), source="S3#19"),
    KPI("win_rate", "Opportunity win rate", "G", "percent", "higher", "rate",
        "Won deals / Closed deals (won + lost) × 100", WON, _win_rate_kpi, source="S4"),
    KPI("quote_to_close", "Quote-to-close ratio", "G", "percent", "higher", "rate",
        "(Closed-won deals / Quotes sent) × 100; 30 % or more is good",
        "deals.quote_date, deals.status|deals.stage", _quote_to_close, band=QUOTE_BAND,
        source="S0#18, S3#30"),
    KPI("average_deal_size", "Average deal size (revenue per deal)", "G", "money", "higher",
        "rate", "Σ won amount / Number of won deals", WON, _average_deal_size,
        ("won_value", "won_deals"), source="S1, S3#31, S4"),
    KPI("sales_cycle_length", "Average sales cycle length", "G", "days", "lower", "mean",
        "Length of all won sales cycles / Number of won deals (close − created, days)", WON,
        _cycle_kpi("won", "won deals"), source="S0#13, S2, S4"),
    KPI("avg_time_to_loss", "Average time to loss", "G", "days", "neutral", "mean",
        "Σ (close − created) of lost deals / Number of lost deals", WON,
        _cycle_kpi("lost", "lost deals"), source="S3#25"),
    KPI("conversation_drop_off", "Winnable deals lost", "G", "percent", "lower", "rate",
        "Lost share × (1 − unwinnable share of lost)", f"{WON}, deals.winnable",
        _conversation_drop_off,
        ("lost_share", "unwinnable_share_of_lost", "unwinnable_share_of_all"), source="S3#8"),
)
