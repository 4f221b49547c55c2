"""E. Sales activity (activities table): activity volume, calls and e-mails per rep, demo and
onboarding calls, follow-up meetings, meetings booked, call-show rate.

Catalogue section 2, "Activities": every activity counts whatever its outcome; `type` is
normalised at ingest (call / email / meeting / demo / onboarding / follow_up / other, null when
unknown) and so is `outcome` (completed / no_show / cancelled / scheduled / opened / replied /
bounced).

Plan: one lazy frame, the range's activities counted per (period index, type, outcome, rep)
(`summary_lf`, key "activities:summary"), which every KPI here finishes on; follow_up_meetings
adds whether any activity is typed follow_up and, for data that is not, the inferred follow-ups
per period (a plan that filters itself empty when follow-ups are typed). The finish helpers
on collected summaries (`per_pid`, `labels`, `breakdown_of`, ...) are measures'. (The e-mail rates of marketing.py plan their own
frame: marketing_base.emails.)"""

from __future__ import annotations

import datetime as dt

import polars as pl

from kpi_engine.catalogue import register
from kpi_engine.catalogue.spec import KPI, Band, Value
from kpi_engine.context import Context
from kpi_engine.fmt import div, num, pct, pct_of
from kpi_engine.measures import breakdown_of, by_pid, in_range, labels, per_pid, pid
from kpi_engine.plan import Step, frame, join

ACT = "activities"
CALLS_EMAILS = ("call", "email")
DEMOS_ONBOARDING = ("demo", "onboarding")
SHOW_TYPES = ("demo", "meeting")
NOT_BOOKED = ("cancelled", "scheduled")
SHOW_BAND = Band(good=(60, float("inf"), True, False), watch=((50, 60, True, False),))


# -- the activities of the range, counted per period, type, outcome and rep ---------------------
SUMMARY = "activities:summary"


def _acts_lf(ctx: Context) -> pl.LazyFrame:
    lf = ctx.lf(ACT)
    assert lf is not None
    return lf


def summary_lf(ctx: Context) -> pl.LazyFrame:
    """One line per (period index `_pid`, type, outcome, rep) of the range's activities with
    their count `n` (frame `SUMMARY`: every activity KPI reads it)."""
    return (_acts_lf(ctx).filter(in_range(ctx, "activity_date"))
            .group_by(pid(ctx, "activity_date"), "type", "outcome", "rep").agg(n=pl.len()))


def summary_step(ctx: Context) -> Step[pl.DataFrame]:
    return frame(SUMMARY, summary_lf(ctx))


def counts_of(ctx: Context, s: pl.DataFrame, where: pl.Expr | None = None) -> list[int]:
    """The activities (meeting a condition) of each period, from a collected summary."""
    s = s if where is None else s.filter(where)
    return [0 if v is None else int(v) for v in per_pid(ctx, s, pl.col("n").sum())]


def _types(types: tuple[str, ...]) -> pl.Expr:
    return pl.col("type").is_in(list(types))


def _counts(ctx: Context, s: pl.DataFrame, types: tuple[str, ...] | None,
            ) -> tuple[int, dict[str, int]]:
    n = counts_of(ctx, s, None if types is None else _types(types))
    return sum(n), labels(ctx, n)


# -- activity_volume --------------------------------------------------------------------------
def _activity_volume(ctx: Context) -> Step[Value]:
    return summary_step(ctx).then(lambda s: _volume(ctx, s))


def _volume(ctx: Context, s: pl.DataFrame) -> Value:
    total, by_period = _counts(ctx, s, None)
    by = {"type": breakdown_of(s, "type", pl.col("n").sum())}
    if ctx.has(ACT, "rep"):
        by["rep"] = breakdown_of(s, "rep", pl.col("n").sum())
    parts = ", ".join(f"{num(n)} {t}" for t, n in
                      sorted(by["type"].items(), key=lambda kv: (-kv[1], kv[0])))
    return Value(float(total), by_period, by,
                 explanation=f"{num(total)} activities in {ctx.range_label}"
                 + (f" ({parts})" if parts else ""))


# -- calls_emails_per_rep ---------------------------------------------------------------------
def _per_rep(ctx: Context, calls_emails: int, reps: int, start: dt.date, end: dt.date,
             ) -> tuple[float | None, int, int, float]:
    """(calls + e-mails) / reps / months of [start, end]; with the three inputs."""
    n = ctx.settings.number_of_reps
    reps = n if n is not None else reps
    months = ctx.months(start, end)
    return div(calls_emails, reps * months), calls_emails, reps, months


def _calls_emails_per_rep(ctx: Context) -> Step[Value]:
    return summary_step(ctx).then(lambda s: _calls_emails(ctx, s))


def _calls_emails(ctx: Context, s: pl.DataFrame) -> Value:
    calls_emails = counts_of(ctx, s, _types(CALLS_EMAILS))
    rep_lines = s.filter(pl.col("rep").is_not_null())
    reps = rep_lines.select("_pid", _r=pl.col("rep").str.to_lowercase()).unique()
    per_period = [0 if v is None else int(v) for v in per_pid(ctx, reps, pl.len())]
    value, total, n_reps, months = _per_rep(ctx, sum(calls_emails), reps["_r"].n_unique(),
                                            ctx.start, ctx.end)
    by_period = labels(ctx, [_per_rep(ctx, c, r, p.clip_start, p.clip_end)[0]
                             for p, c, r in zip(ctx.periods, calls_emails, per_period,
                                                strict=True)])
    by: dict[str, dict] = {}
    if ctx.has(ACT, "rep"):
        agg = pl.col("n").filter(_types(CALLS_EMAILS)).sum() / months
        by["rep"] = breakdown_of(rep_lines, "rep", agg)
    reps_text = (f"{num(n_reps)} reps (setting)" if ctx.settings.number_of_reps is not None
                 else f"{num(n_reps)} reps")
    return Value(value, by_period, by,
                 explanation=f"{num(total)} calls and e-mails / {reps_text} / "
                 f"{num(months, 2)} months = {num(value, 2)} per rep per month")


# -- demos_onboarding_calls, meetings_booked --------------------------------------------------
def _demos_onboarding(ctx: Context) -> Step[Value]:
    return summary_step(ctx).then(lambda s: _demos(ctx, s))


def _demos(ctx: Context, s: pl.DataFrame) -> Value:
    total, by_period = _counts(ctx, s, DEMOS_ONBOARDING)
    months = ctx.months()
    per_month = div(total, months)
    return Value(float(total), by_period, extra={"per_month": per_month},
                 explanation=f"{num(total)} demo and onboarding activities in {ctx.range_label}"
                 f" = {num(per_month, 2)} per month over {num(months, 2)} months")


def _meetings_booked(ctx: Context) -> Step[Value]:
    return summary_step(ctx).then(lambda s: _meetings(ctx, s))


def _meetings(ctx: Context, s: pl.DataFrame) -> Value:
    total, by_period = _counts(ctx, s, ("meeting",))
    return Value(float(total), by_period,
                 explanation=f"{num(total)} meetings in {ctx.range_label}")


# -- follow_up_meetings -----------------------------------------------------------------------
FOLLOW_UP = pl.col("type") == "follow_up"


def _inferred_follow_ups_lf(ctx: Context) -> pl.LazyFrame:
    """The range's meetings after the first meeting day of the same deal, lead or customer,
    counted per `_pid` (`n`); no rows when the data types follow-ups (the whole inference is
    then skipped by the filter)."""
    deal, lead, customer = pl.col("deal_id"), pl.col("lead_id"), pl.col("customer_id")
    customer = pl.when(customer.str.contains("@")).then(customer.str.to_lowercase()) \
        .otherwise(customer)
    # the key "deal:<id>", else "lead:<id>", else "customer:<id>" as (kind, id): no strings built
    kind = pl.when(deal.is_not_null()).then(0).when(lead.is_not_null()).then(1).otherwise(2)
    meetings = _acts_lf(ctx).filter((pl.col("type") == "meeting") & ~FOLLOW_UP.any()).select(
        "activity_date", _day=pl.col("activity_date").dt.date(), _kind=kind.cast(pl.UInt8),
        _id=pl.coalesce(deal, lead, customer),
    ).filter(pl.col("_id").is_not_null())
    firsts = meetings.group_by("_kind", "_id").agg(_first=pl.col("_day").min())
    later = meetings.join(firsts, on=["_kind", "_id"]).filter(pl.col("_day") > pl.col("_first"))
    return (later.filter(in_range(ctx, "activity_date"))
            .group_by(pid(ctx, "activity_date")).agg(n=pl.len()))


def _follow_up_meetings(ctx: Context) -> Step[Value]:
    typed = _acts_lf(ctx).select(typed=FOLLOW_UP.any())
    return join(
        summary=summary_step(ctx),
        typed=frame("activities:follow_ups_typed", typed),
        inferred=frame("activities:follow_ups_inferred", _inferred_follow_ups_lf(ctx)),
    ).then(lambda got: _follow_ups(ctx, got))


def _follow_ups(ctx: Context, got: dict[str, pl.DataFrame]) -> Value:
    typed = bool(got["typed"]["typed"][0])
    n = (counts_of(ctx, got["summary"], FOLLOW_UP) if typed
         else list(by_pid(ctx, got["inferred"], "n", 0).values()))
    total = sum(n)
    how = ("activities of type follow-up" if typed else
           "meetings after the first meeting day of the same deal, lead or customer")
    return Value(float(total), labels(ctx, n),
                 explanation=f"{num(total)} follow-up meetings in {ctx.range_label} ({how})")


# -- call_show_rate ---------------------------------------------------------------------------
def _call_show_rate(ctx: Context) -> Step[Value]:
    return summary_step(ctx).then(lambda s: _show_rate(ctx, s))


def _show_rate(ctx: Context, s: pl.DataFrame) -> Value:
    outcome = pl.col("outcome")
    shows = _types(SHOW_TYPES)
    booked = counts_of(ctx, s, shows & outcome.is_not_null() & ~outcome.is_in(list(NOT_BOOKED)))
    held = counts_of(ctx, s, shows & (outcome == "completed"))
    value = pct_of(sum(held), sum(booked))
    by_period = labels(ctx, [pct_of(h, b) for h, b in zip(held, booked, strict=True)])
    return Value(value, by_period,
                 explanation=f"{num(sum(held))} demos and meetings held / {num(sum(booked))} "
                 f"booked × 100 = {pct(value)}")


register(
    KPI("activity_volume", "Sales activity volume", "E", "count", "higher", "flow",
        "count of activities by type (calls, e-mails, meetings, demos)", ACT, _activity_volume,
        source="S1, S4"),
    KPI("calls_emails_per_rep", "Monthly calls and e-mails per rep", "E", "count", "higher",
        "rate", "(calls + e-mails) / reps / months",
        "activities, activities.rep|settings.number_of_reps", _calls_emails_per_rep,
        source="S0#19"),
    KPI("demos_onboarding_calls", "Monthly demo and onboarding calls", "E", "count", "higher",
        "flow", "count of demo + onboarding activities (per month in extra)", ACT,
        _demos_onboarding, ("per_month",), source="S0#20"),
    KPI("follow_up_meetings", "Follow-up meetings", "E", "count", "higher", "flow",
        "count of follow-up meetings", ACT, _follow_up_meetings, source="S3#5"),
    KPI("meetings_booked", "Meetings booked", "E", "count", "higher", "flow",
        "count of meetings booked", ACT, _meetings_booked, source="S4"),
    KPI("call_show_rate", "Call-show rate", "E", "percent", "higher", "rate",
        "Demos held / Demos booked × 100", "activities.outcome", _call_show_rate,
        band=SHOW_BAND, source="S3#6"),
)
