"""Deals-based KPIs: won revenue and deals won (A), the pipeline (F), conversion and closing (G)
and last contact (stale_leads_deals, D). (pipeline_coverage: team.py.)

Catalogue section 2, "Deals and pipeline": outcome KPIs use won/lost deals whose close date
(close_date, else the last stage_history entry) lies in the interval; stocks use the deals open
at the interval's end; a deal's stage and probability at t follow its stage history once it has
closed; stage history is collapsed (consecutive rows of one stage) and ordered by the funnel.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import polars as pl

from kpi_engine.catalogue import register
from kpi_engine.catalogue.spec import ATTAINMENT, INF, KPI, Band, Value
from kpi_engine.context import Context
from kpi_engine.deals import closed_in, deals
from kpi_engine.fmt import div, money, num, pct, pct_of
from kpi_engine.ingest.clean_labels import deal_status
from kpi_engine.measures import breakdown, display_names
from kpi_engine.targets import company_target

WON = "deals.close_date|stage_history, deals.status|deals.stage"
DIMS = ("rep", "channel", "team")
UNKNOWN = "(unknown)"
BANDS = ("0-25", "25-50", "50-75", "75-100")
CLOSED = pl.col("status").is_in(["won", "lost"])


# -- helpers ---------------------------------------------------------------------------------
def _per(ctx: Context, fn: Callable[[dt.date, dt.date], Any]) -> dict[str, Any]:
    return {p.label: fn(p.clip_start, p.clip_end) for p in ctx.periods}


def _dims(ctx: Context, df: pl.DataFrame, agg: pl.Expr, dims: tuple[str, ...] = DIMS,
          ) -> dict[str, dict[str, Any]]:
    return {d: breakdown(df, d, agg) for d in dims if ctx.has("deals", d)}


def _amount(df: pl.DataFrame) -> float:
    return float(df["amount"].sum() or 0.0) if df.height else 0.0


def _with_amount(df: pl.DataFrame) -> pl.DataFrame:
    return df.filter(pl.col("amount").is_not_null())


def _days(df: pl.DataFrame) -> pl.Series:
    """close − created in days of the deals, negative durations left out."""
    d = df.select((pl.col("closed") - pl.col("created")).dt.total_days().alias("d"))["d"]
    return d.filter(d >= 0)


def _mean(s: pl.Series) -> float | None:
    return float(s.mean()) if s.len() else None  # type: ignore[arg-type]


def _won(ctx: Context, s: dt.date, e: dt.date) -> pl.DataFrame:
    return closed_in(ctx, s, e, "won")


def _ads(df: pl.DataFrame) -> tuple[float | None, float, int]:
    """average deal size of won deals: Σ amount / won deals having one."""
    w = _with_amount(df)
    total = _amount(w)
    return div(total, w.height), total, w.height


def _win_rate(df: pl.DataFrame) -> tuple[float | None, int, int]:
    won = df.filter(pl.col("status") == "won").height
    return pct_of(won, df.height), won, df.height


def open_at(ctx: Context, t: dt.date) -> pl.DataFrame:
    """Deals open at the end of day t. (kpi_engine.deals.open_at drops a deal whose status is
    null — neither status nor stage — because `is_in` on null gives null; such a deal is not
    won/lost, so it is open.)"""
    closed_by_t = CLOSED.fill_null(False) & (pl.col("closed").is_null() | (pl.col("closed") <= t))
    return deals(ctx).filter((pl.col("created") <= t) & ~closed_by_t)


# -- stage history ---------------------------------------------------------------------------
def _cache(ctx: Context) -> dict[str, Any]:
    return ctx.__dict__.setdefault("_measure_cache", {})


def _stage_names(ctx: Context) -> dict[str, str]:
    """lower-case stage -> its most frequent spelling across deals and stage_history."""
    cache = _cache(ctx)
    if "pipeline:names" not in cache:
        parts = [df["stage"] for df in (ctx.t("deals"), ctx.t("stage_history"))
                 if df is not None and "stage" in df.columns]
        cache["pipeline:names"] = (display_names(pl.concat(parts).cast(pl.String))
                                   if parts else {})
    return cache["pipeline:names"]


def _raw_history(ctx: Context) -> pl.DataFrame:
    h = ctx.t("stage_history")
    assert h is not None
    return (
        h.with_row_index("_row")
        .with_columns(skey=pl.col("stage").str.to_lowercase(),
                      day=pl.col("entered_date").dt.date())
        .filter(pl.col("deal_id").is_not_null() & pl.col("skey").is_not_null())
    )


def _funnel(ctx: Context) -> tuple[list[str], dict[str, int]]:
    """The funnel stages (lower-case keys) in order, and every stage's first appearance."""
    cache = _cache(ctx)
    if "pipeline:funnel" in cache:
        return cache["pipeline:funnel"]
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
    cache["pipeline:funnel"] = funnel, pos
    return funnel, pos


def _history(ctx: Context) -> pl.DataFrame:
    """Stage history in time order per deal, consecutive rows of a stage collapsed into the
    first, with `next_day` (the deal's next entry, null for its last)."""
    cache = _cache(ctx)
    if "pipeline:history" in cache:
        return cache["pipeline:history"]
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
    h = h.with_columns(next_day=pl.col("day").shift(-1).over("deal_id"))
    cache["pipeline:history"] = h
    return h


def _at(ctx: Context, t: dt.date) -> pl.DataFrame:
    """Deals open at t with `stage_t` (its stage at t) and `prob_t` (its probability at t)."""
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
    med = (deals(ctx).filter(still & pl.col("stage").is_not_null())
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
    rng = _won(ctx, ctx.start, ctx.end)
    total = _amount(rng)
    by_period = _per(ctx, lambda s, e: _amount(_won(ctx, s, e)))
    n = _with_amount(rng).height
    return Value(total, by_period, _dims(ctx, rng, pl.col("amount").sum()),
                 explanation=f"Σ amount of {num(n)} won deals closed in {ctx.range_label} = "
                 f"{money(total, ctx.currency)}")


def _deals_won(ctx: Context) -> Value:
    rng = _won(ctx, ctx.start, ctx.end)
    n = rng.height
    by_period = _per(ctx, lambda s, e: float(_won(ctx, s, e).height))
    text = f"{num(n)} won deals closed in {ctx.range_label}"
    extra: dict[str, Any] = {}
    status = None
    target = company_target(ctx, ctx.start, ctx.end, metric="deals")
    if target is not None:
        att = pct_of(n, target)
        extra = {"target": target, "attainment_pct": att}
        status = ATTAINMENT.status(att)
        text += f"; {num(n)} / {num(target)} target × 100 = {pct(att)}"
    return Value(float(n), by_period, _dims(ctx, rng, pl.len()), extra, text, status)


# -- F. pipeline -----------------------------------------------------------------------------
def _created(ctx: Context, s: dt.date, e: dt.date) -> pl.DataFrame:
    return deals(ctx).filter(pl.col("created").is_between(s, e))


def _new_opportunities(ctx: Context) -> Value:
    rng = _created(ctx, ctx.start, ctx.end)
    by_period = _per(ctx, lambda s, e: float(_created(ctx, s, e).height))
    return Value(float(rng.height), by_period, _dims(ctx, rng, pl.len()),
                 explanation=f"{num(rng.height)} deals created in {ctx.range_label}")


def _pipeline_value(ctx: Context) -> Value:
    d = _at(ctx, ctx.end)
    total = _amount(d)
    weighted = float(d.select((pl.col("amount") * pl.col("prob_t")).sum()).item() or 0.0)
    by_period = _per(ctx, lambda s, e: _amount(open_at(ctx, e)))
    by = ({"stage": breakdown(d, "stage_t", pl.col("amount").sum(), _stage_names(ctx))}
          if ctx.has("deals", "stage") else {})
    return Value(total, by_period, by, {"weighted": weighted},
                 explanation=f"Σ amount of {num(_with_amount(d).height)} deals open on "
                 f"{ctx.end.isoformat()} = {money(total, ctx.currency)}; weighted by "
                 f"probability = {money(weighted, ctx.currency)}")


def _deals_by_stage(ctx: Context) -> Value:
    d = _at(ctx, ctx.end)
    names = _stage_names(ctx)
    by: dict[str, dict[str, Any]] = {"stage": breakdown(d, "stage_t", pl.len(), names)}
    extra: dict[str, Any] = {
        "value_by_stage": breakdown(d, "stage_t", pl.col("amount").sum(), names)}
    if ctx.has("deals", "probability"):
        by["probability_band"] = _by_band(d, pl.len())
        extra["value_by_probability_band"] = {
            k: float(v) for k, v in _by_band(d, pl.col("amount").sum()).items()}
    by_period = _per(ctx, lambda s, e: float(open_at(ctx, e).height))
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


def _velocity_of(ctx: Context, s: dt.date, e: dt.date) -> tuple[float | None, str]:
    closed = closed_in(ctx, s, e)
    won = closed.filter(pl.col("status") == "won")
    ads = _ads(won)[0]
    rate = _win_rate(closed)[0]
    cycle = _mean(_days(won))
    n_open = open_at(ctx, e).height
    value = None
    if ads is not None and rate is not None:
        value = div(ads * n_open * rate / 100, cycle)
    text = (f"{money(ads, ctx.currency)} × {num(n_open)} open deals × {pct(rate)} / "
            f"{num(cycle)} days = {money(value, ctx.currency)} per day")
    return value, text


def _pipeline_velocity(ctx: Context) -> Value:
    value, text = _velocity_of(ctx, ctx.start, ctx.end)
    days = ctx.settings.selling_days_per_month
    per_month = None if value is None else value * days
    return Value(value, _per(ctx, lambda s, e: _velocity_of(ctx, s, e)[0]),
                 extra={"per_month": per_month, "selling_days_per_month": days},
                 explanation=f"{text}; × {num(days)} selling days = "
                 f"{money(per_month, ctx.currency)} per month")


def _deals_by_channel(ctx: Context) -> Value:
    rng = _won(ctx, ctx.start, ctx.end)
    by = {"channel": breakdown(rng, "channel", pl.len())}
    value_by = breakdown(rng, "channel", pl.col("amount").sum())
    won_value = _amount(rng)
    by_period = _per(ctx, lambda s, e: float(_won(ctx, s, e).height))
    return Value(float(rng.height), by_period, by,
                 {"value_by_channel": value_by, "won_value": won_value},
                 explanation=f"{num(rng.height)} won deals ({money(won_value, ctx.currency)}) "
                 f"over {len(by['channel'])} channels")


# -- G. conversion and closing ---------------------------------------------------------------
def _win_rate_kpi(ctx: Context) -> Value:
    rng = closed_in(ctx, ctx.start, ctx.end)
    value, won, n = _win_rate(rng)
    by_period = _per(ctx, lambda s, e: _win_rate(closed_in(ctx, s, e))[0])
    agg = (pl.col("status") == "won").sum() / pl.len() * 100
    return Value(value, by_period, _dims(ctx, rng, agg, ("rep", "team")),
                 explanation=f"{num(won)} won / {num(n)} closed deals × 100 = {pct(value)}")


def _quote_to_close_of(ctx: Context, s: dt.date, e: dt.date) -> tuple[float | None, int, int]:
    quotes = deals(ctx).filter(pl.col("quote_date").is_between(s, e))
    won = quotes.filter((pl.col("status") == "won")
                        & (pl.col("closed").is_null() | (pl.col("closed") <= ctx.end))).height
    return pct_of(won, quotes.height), won, quotes.height


def _quote_to_close(ctx: Context) -> Value:
    value, won, n = _quote_to_close_of(ctx, ctx.start, ctx.end)
    return Value(value, _per(ctx, lambda s, e: _quote_to_close_of(ctx, s, e)[0]),
                 explanation=f"{num(won)} won / {num(n)} quotes sent × 100 = {pct(value)}")


def _average_deal_size(ctx: Context) -> Value:
    rng = _won(ctx, ctx.start, ctx.end)
    value, total, n = _ads(rng)
    return Value(value, _per(ctx, lambda s, e: _ads(_won(ctx, s, e))[0]),
                 extra={"won_value": total, "won_deals": rng.height},
                 explanation=f"{money(total, ctx.currency)} / {num(n)} won deals = "
                 f"{money(value, ctx.currency)}")


def _cycle_kpi(status: str, what: str) -> Callable[[Context], Value]:
    def compute(ctx: Context) -> Value:
        days = _days(closed_in(ctx, ctx.start, ctx.end, status))
        value = _mean(days)
        by_period = _per(ctx, lambda s, e: _mean(_days(closed_in(ctx, s, e, status))))
        return Value(value, by_period,
                     explanation=f"{num(float(days.sum() or 0))} days / {num(days.len())} "
                     f"{what} = {num(value)} days")
    return compute


def _drop_off_of(df: pl.DataFrame) -> dict[str, Any]:
    lost = df.filter(pl.col("status") == "lost")
    unwinnable = lost.filter(pl.col("winnable").not_()).height
    return {"n": df.height, "lost": lost.height, "unwinnable": unwinnable,
            "value": pct_of(lost.height - unwinnable, df.height)}


def _conversation_drop_off(ctx: Context) -> Value:
    r = _drop_off_of(closed_in(ctx, ctx.start, ctx.end))
    by_period = _per(ctx, lambda s, e: _drop_off_of(closed_in(ctx, s, e))["value"])
    extra = {"lost_share": pct_of(r["lost"], r["n"]),
             "unwinnable_share_of_lost": pct_of(r["unwinnable"], r["lost"]),
             "unwinnable_share_of_all": pct_of(r["unwinnable"], r["n"])}
    return Value(r["value"], by_period, extra=extra,
                 explanation=f"({num(r['lost'])} lost − {num(r['unwinnable'])} unwinnable) / "
                 f"{num(r['n'])} closed deals × 100 = {pct(r['value'])}")


# -- D. last contact -------------------------------------------------------------------------
def _open_leads(ctx: Context, t: dt.date) -> pl.DataFrame:
    df = ctx.t("leads")
    assert df is not None
    conv_day = pl.col("converted_date") <= t
    converted = (pl.when(pl.col("converted").not_()).then(False)
                 .when(pl.col("converted")).then(pl.col("converted_date").is_null() | conv_day)
                 .otherwise(conv_day.fill_null(False)))
    return (
        df.with_row_index("_row")
        .with_columns(created=pl.col("created_date").dt.date(),
                      key=pl.coalesce(pl.col("lead_id"),
                                      pl.lit("#row") + pl.col("_row").cast(pl.String)))
        .filter((pl.col("created") <= t) & ~converted)
    )


def _stale_at(ctx: Context, t: dt.date) -> dict[str, Any]:
    on_deals = ctx.t("deals") is not None
    if on_deals:
        recs, id_col = open_at(ctx, t).with_columns(key=pl.col("dkey")), "deal_id"
    else:
        recs, id_col = _open_leads(ctx, t), "lead_id"
    acts = ctx.t("activities")
    assert acts is not None
    last = (acts.filter(pl.col(id_col).is_not_null() & (pl.col("activity_date").dt.date() <= t))
            .group_by(id_col).agg(_act=pl.col("activity_date").dt.date().max()))
    recs = recs.join(last, on=id_col, how="left", maintain_order="left").with_columns(
        days=(pl.lit(t) - pl.max_horizontal("created", "_act")).dt.total_days())
    stale = recs.filter(pl.col("days") > ctx.settings.stale_after_days).height
    return {"value": pct_of(stale, recs.height), "stale": stale, "open": recs.height,
            "mean": _mean(recs["days"]), "records": "deals" if on_deals else "leads",
            "days": dict(zip(recs["key"], recs["days"], strict=True))}


def _stale_leads_deals(ctx: Context) -> Value:
    r = _stale_at(ctx, ctx.end)
    by_period = _per(ctx, lambda s, e: _stale_at(ctx, e)["value"])
    extra = {"open_records": r["open"], "mean_days_since_last_contact": r["mean"],
             "days_since_last_contact": r["days"], "records": r["records"]}
    return Value(r["value"], by_period, extra=extra,
                 explanation=f"{num(r['stale'])} of {num(r['open'])} open {r['records']} "
                 f"without contact for more than {ctx.settings.stale_after_days} days on "
                 f"{ctx.end.isoformat()} = {pct(r['value'])}")


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
    KPI("stale_leads_deals", "Last contact", "D", "percent", "lower", "rate",
        "share of open leads/deals with no activity for more than stale_after_days; days since "
        "last contact per record", "activities, deals|leads", _stale_leads_deals,
        ("open_records", "mean_days_since_last_contact", "days_since_last_contact", "records"),
        source="S3#7"),
)
