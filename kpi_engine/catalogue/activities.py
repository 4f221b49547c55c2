"""E. Sales activity (activities table): activity volume, calls and e-mails per rep, demo and
onboarding calls, follow-up meetings, meetings booked, call-show rate.

Catalogue section 2, "Activities": every activity counts whatever its outcome; `type` is
normalised at ingest (call / email / meeting / demo / onboarding / follow_up / other, null when
unknown) and so is `outcome` (completed / no_show / cancelled / scheduled / opened / replied /
bounced)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from kpi_engine.catalogue import register
from kpi_engine.catalogue.spec import KPI, Band, Value
from kpi_engine.context import Context
from kpi_engine.fmt import div, num, pct, pct_of
from kpi_engine.measures import breakdown, in_interval

ACT = "activities"
CALLS_EMAILS = ("call", "email")
DEMOS_ONBOARDING = ("demo", "onboarding")
SHOW_TYPES = ("demo", "meeting")
NOT_BOOKED = ("cancelled", "scheduled")
SHOW_BAND = Band(good=(60, float("inf"), True, False), watch=((50, 60, True, False),))


def _acts(ctx: Context) -> pl.DataFrame:
    df = ctx.t(ACT)
    assert df is not None
    return df


def _rows(ctx: Context, start: dt.date, end: dt.date,
          types: tuple[str, ...] | None = None) -> pl.DataFrame:
    """Activities dated in [start, end] (of the given types)."""
    df = in_interval(_acts(ctx), "activity_date", start, end)
    return df if types is None else df.filter(pl.col("type").is_in(list(types)))


def _counts(ctx: Context, types: tuple[str, ...] | None) -> tuple[int, dict[str, int]]:
    total = _rows(ctx, ctx.start, ctx.end, types).height
    return total, {p.label: _rows(ctx, p.clip_start, p.clip_end, types).height
                   for p in ctx.periods}


# -- activity_volume --------------------------------------------------------------------------
def _activity_volume(ctx: Context) -> Value:
    total, by_period = _counts(ctx, None)
    rng = _rows(ctx, ctx.start, ctx.end)
    by = {"type": breakdown(rng, "type", pl.len())}
    if ctx.has(ACT, "rep"):
        by["rep"] = breakdown(rng, "rep", pl.len())
    parts = ", ".join(f"{num(n)} {t}" for t, n in
                      sorted(by["type"].items(), key=lambda kv: (-kv[1], kv[0])))
    return Value(float(total), by_period, by,
                 explanation=f"{num(total)} activities in {ctx.range_label}"
                 + (f" ({parts})" if parts else ""))


# -- calls_emails_per_rep ---------------------------------------------------------------------
def _rep_count(rows: pl.DataFrame) -> int:
    return int(rows["rep"].drop_nulls().str.to_lowercase().n_unique())


def _per_rep(ctx: Context, start: dt.date, end: dt.date,
             ) -> tuple[float | None, int, int, float]:
    """(calls + e-mails) / reps / months of [start, end]; with the three inputs."""
    rows = _rows(ctx, start, end)
    calls_emails = rows.filter(pl.col("type").is_in(list(CALLS_EMAILS))).height
    n = ctx.settings.number_of_reps
    reps = n if n is not None else _rep_count(rows)
    months = ctx.months(start, end)
    return div(calls_emails, reps * months), calls_emails, reps, months


def _calls_emails_per_rep(ctx: Context) -> Value:
    value, calls_emails, reps, months = _per_rep(ctx, ctx.start, ctx.end)
    by_period = {p.label: _per_rep(ctx, p.clip_start, p.clip_end)[0] for p in ctx.periods}
    by: dict[str, dict] = {}
    if ctx.has(ACT, "rep"):
        with_rep = _rows(ctx, ctx.start, ctx.end).filter(pl.col("rep").is_not_null())
        agg = pl.col("type").is_in(list(CALLS_EMAILS)).sum() / months
        by["rep"] = breakdown(with_rep, "rep", agg)
    reps_text = (f"{num(reps)} reps (setting)" if ctx.settings.number_of_reps is not None
                 else f"{num(reps)} reps")
    return Value(value, by_period, by,
                 explanation=f"{num(calls_emails)} calls and e-mails / {reps_text} / "
                 f"{num(months, 2)} months = {num(value, 2)} per rep per month")


# -- demos_onboarding_calls, meetings_booked --------------------------------------------------
def _demos_onboarding(ctx: Context) -> Value:
    total, by_period = _counts(ctx, DEMOS_ONBOARDING)
    months = ctx.months()
    per_month = div(total, months)
    return Value(float(total), by_period, extra={"per_month": per_month},
                 explanation=f"{num(total)} demo and onboarding activities in {ctx.range_label}"
                 f" = {num(per_month, 2)} per month over {num(months, 2)} months")


def _meetings_booked(ctx: Context) -> Value:
    total, by_period = _counts(ctx, ("meeting",))
    return Value(float(total), by_period,
                 explanation=f"{num(total)} meetings in {ctx.range_label}")


# -- follow_up_meetings -----------------------------------------------------------------------
def _follow_ups(ctx: Context) -> tuple[pl.DataFrame, bool]:
    """Every follow-up meeting of the data, and whether the data types them as follow_up."""
    acts = _acts(ctx)
    typed = acts.filter(pl.col("type") == "follow_up")
    if typed.height:
        return typed, True
    customer = pl.col("customer_id")
    customer = pl.when(customer.str.contains("@")).then(customer.str.to_lowercase()) \
        .otherwise(customer)
    meetings = acts.filter(pl.col("type") == "meeting").with_columns(
        _day=pl.col("activity_date").dt.date(),
        _key=pl.coalesce(pl.lit("deal:") + pl.col("deal_id"), pl.lit("lead:") + pl.col("lead_id"),
                         pl.lit("customer:") + customer),
    ).filter(pl.col("_key").is_not_null())
    later = meetings.filter(pl.col("_day") > pl.col("_day").min().over("_key"))
    return later, False


def _follow_up_meetings(ctx: Context) -> Value:
    rows, typed = _follow_ups(ctx)
    total = in_interval(rows, "activity_date", ctx.start, ctx.end).height
    by_period = {p.label: in_interval(rows, "activity_date", p.clip_start, p.clip_end).height
                 for p in ctx.periods}
    how = ("activities of type follow-up" if typed else
           "meetings after the first meeting day of the same deal, lead or customer")
    return Value(float(total), by_period,
                 explanation=f"{num(total)} follow-up meetings in {ctx.range_label} ({how})")


# -- call_show_rate ---------------------------------------------------------------------------
def _show(ctx: Context, start: dt.date, end: dt.date) -> tuple[float | None, int, int]:
    rows = _rows(ctx, start, end, SHOW_TYPES)
    booked = rows.filter(pl.col("outcome").is_not_null()
                         & ~pl.col("outcome").is_in(list(NOT_BOOKED))).height
    held = rows.filter(pl.col("outcome") == "completed").height
    return pct_of(held, booked), held, booked


def _call_show_rate(ctx: Context) -> Value:
    value, held, booked = _show(ctx, ctx.start, ctx.end)
    by_period = {p.label: _show(ctx, p.clip_start, p.clip_end)[0] for p in ctx.periods}
    return Value(value, by_period,
                 explanation=f"{num(held)} demos and meetings held / {num(booked)} booked "
                 f"× 100 = {pct(value)}")


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
