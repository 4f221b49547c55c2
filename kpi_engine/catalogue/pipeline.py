"""Deals-based KPIs: won revenue and deals won (A), the pipeline (F), conversion and closing (G).
(pipeline_coverage: team.py; stale_leads_deals: contact.py.)

Catalogue section 2, "Deals and pipeline": outcome KPIs use won/lost deals whose close date
(close_date, else the last stage_history entry) lies in the interval; stocks use the deals open
at the interval's end; a deal's stage and probability at t follow its stage history once it has
closed; stage history is collapsed (consecutive rows of one stage) and ordered by the funnel.

Lazy plan (frames in pipeline_base.py): the outcome KPIs share two small frames of the deals
closed in the range (per status; per period and status) and the breakdowns of the won ones;
stocks share one frame of counts and sums per period end and three of the deals open at the
range end; the stage KPIs share the collapsed history's aggregates. Finishes only combine those
counts and sums.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl

from kpi_engine.catalogue import register
from kpi_engine.catalogue.pipeline_base import (
    DIMS,
    Closed,
    Outcome,
    at_end,
    at_end_by_band,
    at_end_by_stage,
    closed_step,
    funnel,
    named,
    open_by_end,
    reached,
    stage_names,
    stays,
    win_rate_by,
    won_by,
)
from kpi_engine.catalogue.spec import INF, KPI, Band, Value
from kpi_engine.context import Context
from kpi_engine.deals import deals_lf
from kpi_engine.fmt import div, money, num, pct, pct_of
from kpi_engine.measures import breakdown_dict, breakdown_lf, by_pid, labels, pid
from kpi_engine.plan import Step, done, frame, join
from kpi_engine.targets import against_target

WON = "deals.close_date|stage_history, deals.status|deals.stage"


def _won_per(ctx: Context, c: Closed, fn: Callable[[Outcome], Any]) -> dict[str, Any]:
    """fn of each period's won deals."""
    return labels(ctx, [fn(won) for won, _ in c.periods])


# -- A. won revenue, deals won ---------------------------------------------------------------
def _won_revenue(ctx: Context) -> Step[Value]:
    def finish(r: dict[str, Any]) -> Value:
        c: Closed = r["c"]
        total = c.won.amount
        return Value(total, _won_per(ctx, c, lambda w: w.amount), r["by"],
                     explanation=f"Σ amount of {num(c.won.n_amount)} won deals closed in "
                     f"{ctx.range_label} = {money(total, ctx.currency)}")
    return join(c=closed_step(ctx), by=won_by(ctx, "amount")).then(finish)


def _deals_won(ctx: Context) -> Step[Value]:
    def finish(r: dict[str, Any]) -> Value:
        c: Closed = r["c"]
        n = c.won.n
        extra, against, status = against_target(ctx, n, "deals")
        return Value(float(n), _won_per(ctx, c, lambda w: float(w.n)), r["by"], extra,
                     f"{num(n)} won deals closed in {ctx.range_label}{against}", status)
    return join(c=closed_step(ctx), by=won_by(ctx, "n")).then(finish)


# -- F. pipeline -----------------------------------------------------------------------------
def _new_opportunities(ctx: Context) -> Step[Value]:
    created = deals_lf(ctx).filter(pl.col("created").is_between(ctx.start, ctx.end))
    per = frame("pipeline:created_by_period",
                created.group_by(pid(ctx, "created")).agg(n=pl.len()))
    dims = {d: frame(f"pipeline:created_by:{d}", breakdown_lf(created, d, n=pl.len()))
            .then(lambda f: breakdown_dict(f, "n")) for d in DIMS if ctx.has("deals", d)}

    def finish(r: dict[str, Any]) -> Value:
        counts = by_pid(ctx, r["per"], "n", 0)
        n = sum(counts.values())
        return Value(float(n), {k: float(v) for k, v in counts.items()}, r["by"],
                     explanation=f"{num(n)} deals created in {ctx.range_label}")
    return join(per=per, by=join(**dims)).then(finish)


def _stage_by(ctx: Context) -> Step[dict[str, Any]]:
    return join(f=at_end_by_stage(ctx), names=stage_names(ctx)).then(
        lambda r: {"n": named(r["f"], "n", r["names"]),
                   "amount": named(r["f"], "amount", r["names"])})


def _pipeline_value(ctx: Context) -> Step[Value]:
    def finish(r: dict[str, Any]) -> Value:
        end = r["end"]
        total, weighted = end["amount"], end["weighted"]
        by = {"stage": r["stage"]["amount"]} if r["stage"] is not None else {}
        return Value(total, labels(ctx, [amount for _, amount in r["ends"]]), by,
                     {"weighted": weighted},
                     explanation=f"Σ amount of {num(end['n_amount'])} deals open on "
                     f"{ctx.end.isoformat()} = {money(total, ctx.currency)}; weighted by "
                     f"probability = {money(weighted, ctx.currency)}")
    stage = _stage_by(ctx) if ctx.has("deals", "stage") else done(None)
    return join(end=at_end(ctx), ends=open_by_end(ctx), stage=stage).then(finish)


def _deals_by_stage(ctx: Context) -> Step[Value]:
    def finish(r: dict[str, Any]) -> Value:
        n = r["end"]["n"]
        by: dict[str, dict[str, Any]] = {"stage": r["stage"]["n"]}
        extra: dict[str, Any] = {"value_by_stage": r["stage"]["amount"]}
        if r["bands"] is not None:
            by["probability_band"] = r["bands"]["n"]
            extra["value_by_probability_band"] = r["bands"]["amount"]
        return Value(float(n), labels(ctx, [float(k) for k, _ in r["ends"]]), by, extra,
                     explanation=f"{num(n)} deals open on {ctx.end.isoformat()} in "
                     f"{len(by['stage'])} stages")
    bands = at_end_by_band(ctx) if ctx.has("deals", "probability") else done(None)
    return join(end=at_end(ctx), ends=open_by_end(ctx), stage=_stage_by(ctx),
                bands=bands).then(finish)


def _stage_conversion(ctx: Context) -> Step[Value]:
    def finish(r: dict[str, Any]) -> Value:
        stages, names = r["funnel"], r["names"]
        reach = {k: int(r["reached"].get(k, 0)) for k in stages}
        name = [names.get(k, k) for k in stages]
        steps = {f"{name[i]}->{name[i + 1]}": pct_of(reach[stages[i + 1]], reach[stages[i]])
                 for i in range(len(stages) - 1)}
        value = pct_of(reach[stages[-1]], reach[stages[0]]) if stages else None
        reaching = {names.get(k, k): reach[k] for k in stages}
        text = (f"{num(reach[stages[-1]])} deals reaching {name[-1]} / "
                f"{num(reach[stages[0]])} reaching {name[0]} × 100 = {pct(value)}"
                if stages else "no funnel stages")
        return Value(value, {}, {"step": steps}, {"deals_reaching_stage": reaching}, text)
    return join(funnel=funnel(ctx), reached=reached(ctx), names=stage_names(ctx)).then(finish)


def _time_in_stage(ctx: Context) -> Step[Value]:
    def finish(r: dict[str, Any]) -> Value:
        s = r["stays"]
        value = s["mean"]
        by = {"stage": named(s["by_stage"], "mean", r["names"])}
        return Value(value, {}, by, explanation=f"{num(float(s['total'] or 0))} days / "
                     f"{num(s['n'])} stays = {num(value)} days")
    return join(stays=stays(ctx), names=stage_names(ctx)).then(finish)


def _velocity_of(ctx: Context, won: Outcome, closed: int, n_open: int,
                 ) -> tuple[float | None, str]:
    """Velocity from the deals closed (and won) in an interval and those open at its end."""
    ads = won.ads
    rate = pct_of(won.n, closed)
    cycle = won.cycle
    value = None
    if ads is not None and rate is not None:
        value = div(ads * n_open * rate / 100, cycle)
    text = (f"{money(ads, ctx.currency)} × {num(n_open)} open deals × {pct(rate)} / "
            f"{num(cycle)} days = {money(value, ctx.currency)} per day")
    return value, text


def _pipeline_velocity(ctx: Context) -> Step[Value]:
    def finish(r: dict[str, Any]) -> Value:
        c: Closed = r["c"]
        ends: list[tuple[int, float]] = r["ends"]
        value, text = _velocity_of(ctx, c.won, c.n, ends[-1][0])
        days = ctx.settings.selling_days_per_month
        per_month = None if value is None else value * days
        by_period = labels(ctx, [_velocity_of(ctx, w, w.n + lost.n, n_open)[0]
                               for (w, lost), (n_open, _) in zip(c.periods, ends, strict=True)])
        return Value(value, by_period,
                     extra={"per_month": per_month, "selling_days_per_month": days},
                     explanation=f"{text}; × {num(days)} selling days = "
                     f"{money(per_month, ctx.currency)} per month")
    return join(c=closed_step(ctx), ends=open_by_end(ctx)).then(finish)


def _deals_by_channel(ctx: Context) -> Step[Value]:
    def finish(r: dict[str, Any]) -> Value:
        c: Closed = r["c"]
        by = r["n"]
        won_value = c.won.amount
        return Value(float(c.won.n), _won_per(ctx, c, lambda w: float(w.n)), by,
                     {"value_by_channel": r["amount"].get("channel", {}),
                      "won_value": won_value},
                     explanation=f"{num(c.won.n)} won deals ({money(won_value, ctx.currency)}) "
                     f"over {len(by['channel'])} channels")
    dims = ("channel",)
    return join(c=closed_step(ctx), n=won_by(ctx, "n", dims),
                amount=won_by(ctx, "amount", dims)).then(finish)


# -- G. conversion and closing ---------------------------------------------------------------
def _win_rate_kpi(ctx: Context) -> Step[Value]:
    def finish(r: dict[str, Any]) -> Value:
        c: Closed = r["c"]
        value = pct_of(c.won.n, c.n)
        by_period = labels(ctx, [pct_of(w.n, w.n + lost.n) for w, lost in c.periods])
        return Value(value, by_period, r["by"],
                     explanation=f"{num(c.won.n)} won / {num(c.n)} closed deals × 100 = "
                     f"{pct(value)}")
    return join(c=closed_step(ctx), by=win_rate_by(ctx)).then(finish)


def _quote_to_close(ctx: Context) -> Step[Value]:
    quotes = deals_lf(ctx).filter(pl.col("quote_date").is_between(ctx.start, ctx.end))
    won = ((pl.col("status") == "won")
           & (pl.col("closed").is_null() | (pl.col("closed") <= ctx.end))).sum()
    total = frame("pipeline:quotes", quotes.select(n=pl.len(), won=won))
    per = frame("pipeline:quotes_by_period",
                quotes.group_by(pid(ctx, "quote_date")).agg(n=pl.len(), won=won))

    def finish(r: dict[str, Any]) -> Value:
        n, n_won = r["total"].row(0)
        value = pct_of(n_won, n)
        rates = r["per"].select("_pid", rate=pl.col("won") / pl.col("n") * 100)
        return Value(value, by_pid(ctx, rates, "rate"),
                     explanation=f"{num(n_won)} won / {num(n)} quotes sent × 100 = {pct(value)}")
    return join(total=total, per=per).then(finish)


def _average_deal_size(ctx: Context) -> Step[Value]:
    def finish(c: Closed) -> Value:
        value, total = c.won.ads, c.won.amount
        return Value(value, _won_per(ctx, c, lambda w: w.ads),
                     extra={"won_value": total, "won_deals": c.won.n},
                     explanation=f"{money(total, ctx.currency)} / {num(c.won.n_amount)} won "
                     f"deals = {money(value, ctx.currency)}")
    return closed_step(ctx).then(finish)


def _cycle_kpi(status: str, what: str) -> Callable[[Context], Step[Value]]:
    def pick(outcomes: tuple[Outcome, Outcome]) -> Outcome:
        return outcomes[0] if status == "won" else outcomes[1]

    def compute(ctx: Context) -> Step[Value]:
        def finish(c: Closed) -> Value:
            o = pick((c.won, c.lost))
            return Value(o.cycle, labels(ctx, [pick(p).cycle for p in c.periods]),
                         explanation=f"{num(float(o.dd_sum))} days / {num(o.dd_n)} {what} = "
                         f"{num(o.cycle)} days")
        return closed_step(ctx).then(finish)
    return compute


def _conversation_drop_off(ctx: Context) -> Step[Value]:
    def finish(c: Closed) -> Value:
        lost, unwinnable = c.lost.n, c.lost.unwinnable
        value = pct_of(lost - unwinnable, c.n)
        by_period = labels(ctx, [pct_of(lo.n - lo.unwinnable, w.n + lo.n) for w, lo in c.periods])
        extra = {"lost_share": pct_of(lost, c.n),
                 "unwinnable_share_of_lost": pct_of(unwinnable, lost),
                 "unwinnable_share_of_all": pct_of(unwinnable, c.n)}
        return Value(value, by_period, extra=extra,
                     explanation=f"({num(lost)} lost − {num(unwinnable)} unwinnable) / "
                     f"{num(c.n)} closed deals × 100 = {pct(value)}")
    return closed_step(ctx).then(finish)

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
