"""D. Leads and qualification (leads-based): qualified leads, lead quality, response time, lead to
opportunity, lead conversion, customer acquisition, time to conversion, close rate on provided
leads. (stale_leads_deals: pipeline.py; leads_generated, lead_share, cost_per_lead: marketing.py.)

Lead rates are cohort rates (catalogue section 2, "Leads"): the leads created in the interval,
and of those the ones qualified / became an opportunity / converted, whenever that happened.

Plans: the range's leads with their flags are counted once per (period, channel, rep)
(`summary`, also read by leads_generated, lead_share, cost_per_lead and visitor_to_lead_rate of
marketing.py); the durations are aggregated per period and over the range (median, mean, sum,
how many, how many negative); the acquisition and provided-lead rates count rows and hits per
period, their breakdowns per dimension value.
"""

from __future__ import annotations

import polars as pl

from kpi_engine.catalogue import register
from kpi_engine.catalogue.spec import KPI, Value
from kpi_engine.context import Context
from kpi_engine.deals import deals_lf
from kpi_engine.fmt import num, pct, pct_of
from kpi_engine.measures import (
    breakdown_dict,
    breakdown_lf,
    breakdown_of,
    in_range,
    labels,
    per_pid,
    pid,
    shared_value,
)
from kpi_engine.plan import Step, frame, join

QUALIFIED_IN = "leads.qualified|leads.qualified_date|leads.status"
CONVERTED_IN = "leads.converted|leads.converted_date"

# section 1 leads.status: a status meaning qualified (or converted) ...
_STEMS = "qualif|kwalifik|квалифиц|kvalific|convert|konverter|konwert"
_QUALIFIED_STATUS = rf"(?i)(?:{_STEMS}|合格)"
# ... but not when it is negated (any language) or says marketing qualified (MQL)
_NOT_QUALIFIED_STATUS = (
    r"(?i)\b(?:not|non|no|un|dis|nie|dys|не|дис|ej|inte|icke|nicht|kein)[\s\-_]*(?:yet[\s\-_]*)?"
    rf"(?:za|s)?(?:{_STEMS})|\bo(?:kvalific|konverter)|[不未非无没]合格|未转化"
    r"|marketing|маркетинг|营销|市场|\bmql\b"
)


def status_means_qualified(status: pl.Expr) -> pl.Expr:
    """A Lead Status meaning qualified or converted (null status: False)."""
    s = status.str.strip_chars()
    yes = (s.str.contains(_QUALIFIED_STATUS) & ~s.str.contains(_NOT_QUALIFIED_STATUS)) | (
        s.str.to_lowercase() == "sql")
    return yes.fill_null(False)


def _flags(ctx: Context) -> pl.LazyFrame:
    """The leads created in the range with `_pid`, `day` (created), `conv` and `qual` (bool,
    never null)."""
    return shared_value(ctx, "leads:flags", lambda: _flagged(ctx))


def _flagged(ctx: Context) -> pl.LazyFrame:
    lf = ctx.lf("leads")
    assert lf is not None
    conv = pl.coalesce(pl.col("converted"), pl.col("converted_date").is_not_null())
    qual = conv | pl.coalesce(
        pl.col("qualified"),
        pl.when(pl.col("qualified_date").is_not_null()).then(pl.lit(True)),
        status_means_qualified(pl.col("status")),
    )
    return lf.filter(in_range(ctx, "created_date")).with_columns(
        pid(ctx, "created_date"),
        day=pl.col("created_date").dt.date(),
        conv=conv.fill_null(False),
        qual=qual.fill_null(False),
    )


SUMMARY_DIMS = ("channel", "rep")


def summary(ctx: Context) -> Step[pl.DataFrame]:
    """One line per (period index `_pid`, channel, rep) of the leads created in the range: `n`
    leads, `qual`, `conv` and `opp` of them (the lead KPIs of C and D read it). A lead became
    an opportunity with an opportunity_date, or when its lead_id is on a deal."""
    return shared_value(ctx, "leads:summary", lambda: frame("leads:summary", _summary_plan(ctx)))


def _summary_plan(ctx: Context) -> pl.LazyFrame:
    rows, keys = _flags(ctx), ("_pid", *SUMMARY_DIMS)
    dated = pl.col("opportunity_date").is_not_null()
    lines = rows.group_by(keys).agg(n=pl.len(), qual=pl.col("qual").sum(),
                                    conv=pl.col("conv").sum(), opp=dated.sum())
    deals = ctx.lf("deals")
    if deals is not None and ctx.has("deals", "lead_id"):
        # counted apart (a semi join of the leads without a date), cheaper than flagging each lead
        ids = deals.select("lead_id").drop_nulls()
        on_deal = (rows.filter(~dated).join(ids, on="lead_id", how="semi")
                   .group_by(keys).agg(_o=pl.len()))
        lines = (lines.join(on_deal, on=keys, how="left", nulls_equal=True)
                 .with_columns(opp=pl.col("opp") + pl.col("_o").fill_null(0)).drop("_o"))
    return lines


def counts(ctx: Context, lines: pl.DataFrame, col: str = "n") -> list[int]:
    """Σ `col` of the summary per period: the leads created (`n`), or those with a flag."""
    return [0 if v is None else int(v) for v in per_pid(ctx, lines, pl.col(col).sum())]


def count_by(ctx: Context, dim: str) -> Step[pl.DataFrame]:
    """The leads created in the range per lower-cased value `_k` of a dimension: `_n`."""
    k = pl.col(dim).str.to_lowercase()
    if dim in SUMMARY_DIMS:
        return summary(ctx).then(lambda lines: lines.group_by(_k=k).agg(_n=pl.col("n").sum()))
    lf = ctx.lf("leads")
    assert lf is not None
    return frame(f"leads:count_by:{dim}",
                 lf.filter(in_range(ctx, "created_date")).group_by(_k=k).agg(_n=pl.len()))


def _rate_of(lines: pl.DataFrame, dim: str, flag: str) -> dict:
    """Per value of a dimension: the share of the summary's leads having the flag × 100."""
    return breakdown_of(lines, dim, pl.col(flag).sum() / pl.col("n").sum() * 100)


# -- counts and cohort rates ----------------------------------------------------------------
def _qualified_leads(ctx: Context) -> Step[Value]:
    def finish(lines: pl.DataFrame) -> Value:
        per = counts(ctx, lines, "qual")
        n, total = sum(per), sum(counts(ctx, lines))
        return Value(float(n), labels(ctx, per),
                     explanation=f"{num(n)} of {num(total)} leads created in {ctx.range_label} "
                     f"are qualified")
    return summary(ctx).then(finish)


def _cohort_rate(flag: str, what: str, dims: tuple[str, ...] = ()):
    def compute(ctx: Context) -> Step[Value]:
        def finish(lines: pl.DataFrame) -> Value:
            hits, cohorts = counts(ctx, lines, flag), counts(ctx, lines)
            n, total = sum(hits), sum(cohorts)
            value = pct_of(n, total)
            by_period = labels(ctx, [pct_of(h, c) for h, c in zip(hits, cohorts, strict=True)])
            by = {d: _rate_of(lines, d, flag) for d in dims if ctx.has("leads", d)}
            return Value(value, by_period, by,
                         explanation=f"{num(n)} {what} / {num(total)} leads created × 100 = "
                         f"{pct(value)}")
        return summary(ctx).then(finish)
    return compute


# -- durations --------------------------------------------------------------------------------
def _durations(ctx: Context, key: str, rows: pl.LazyFrame, value: pl.Expr) -> Step[pl.DataFrame]:
    """Over the rows' durations `_x` (nulls left out): the `median`, `mean` and `sum` of the
    non-negative ones, how many (`n`) and how many negative (`neg`); per period (`_pid`) and
    over the range (`_pid` null)."""
    x = pl.col("_x")
    ok = x.filter(x >= 0)
    aggs = [ok.median().alias("median"), ok.mean().alias("mean"), ok.sum().alias("sum"),
            (x >= 0).sum().alias("n"), (x < 0).sum().alias("neg")]
    rows = rows.select("_pid", _x=value).filter(x.is_not_null())
    whole = rows.select(pl.lit(None, pl.UInt32).alias("_pid"), *aggs)
    return frame(key, pl.concat([whole, rows.group_by("_pid").agg(aggs)]))


def _whole(got: pl.DataFrame) -> dict:
    return got.filter(pl.col("_pid").is_null()).row(0, named=True)


def _opt(v: float | None) -> float | None:
    return None if v is None else float(v)


def _per_period(ctx: Context, got: pl.DataFrame, col: str) -> dict:
    """A period's `col` (None for a period without rows)."""
    return labels(ctx, [_opt(v) for v in per_pid(ctx, got.filter(pl.col("_pid").is_not_null()),
                                                   pl.col(col).first())])


def _negatives(n: int) -> str:
    return f"; {num(n)} negative durations left out" if n else ""


def _lead_response_time(ctx: Context) -> Step[Value]:
    hours = (pl.col("first_response_date") - pl.col("created_date")).dt.total_hours(
        fractional=True)
    rows = _durations(ctx, "leads:response_hours", _flags(ctx), hours)

    def finish(got: pl.DataFrame) -> Value:
        r = _whole(got)
        value, mean, n = _opt(r["median"]), _opt(r["mean"]), int(r["n"])
        extra = {"mean_hours": mean, "leads_with_response": n}
        return Value(value, _per_period(ctx, got, "median"), extra=extra,
                     explanation=f"median of (first response − created) over {num(n)} "
                     f"leads = {num(value, 1)} hours (mean {num(mean, 1)} hours)"
                     f"{_negatives(int(r['neg']))}")
    return rows.then(finish)


def _avg_time_to_conversion(ctx: Context) -> Step[Value]:
    converted = _flags(ctx).filter(pl.col("conv") & pl.col("converted_date").is_not_null())
    days = (pl.col("converted_date") - pl.col("day")).dt.total_days().cast(pl.Float64)
    rows = _durations(ctx, "leads:conversion_days", converted, days)

    def finish(got: pl.DataFrame) -> Value:
        r = _whole(got)
        value, n = _opt(r["mean"]), int(r["n"])
        total = float(r["sum"] or 0.0)
        return Value(value, _per_period(ctx, got, "mean"),
                     explanation=f"{num(total)} days / {num(n)} converted leads = "
                     f"{num(value, 1)} days{_negatives(int(r['neg']))}")
    return rows.then(finish)


# -- shares of rows with a flag -------------------------------------------------------------------
def _share_frame(key: str, rows: pl.LazyFrame, flag: str) -> Step[pl.DataFrame]:
    """Per period (`_pid`) of the rows: how many (`n`) and how many have the flag (`hit`)."""
    return frame(key, rows.group_by("_pid").agg(n=pl.len(), hit=pl.col(flag).sum()))


def _rates(ctx: Context, got: pl.DataFrame) -> tuple[int, int, float | None, dict]:
    """(flagged, rows, share × 100) over the range, and the share of each period."""
    n, total = int(got["hit"].sum()), int(got["n"].sum())
    by_period = labels(ctx, [None] * len(ctx.periods))
    for i, h, c in zip(got["_pid"], got["hit"], got["n"], strict=True):
        by_period[ctx.periods[i].label] = pct_of(int(h), int(c))
    return n, total, pct_of(n, total), by_period


def _mean_by(key: str, rows: pl.LazyFrame, dim: str, flag: str) -> Step[dict]:
    """The share × 100 of the rows having the flag, per value of a dimension."""
    share = pl.col(flag).cast(pl.Float64).mean() * 100
    return frame(key, breakdown_lf(rows, dim, v=share)).then(lambda g: breakdown_dict(g, "v"))


# -- customer acquisition rate ------------------------------------------------------------------
def _prospects(ctx: Context) -> pl.LazyFrame:
    """Prospects contacted: touches > 0; touches empty (or no column): a first response."""
    contacted = pl.coalesce(pl.col("touches") > 0, pl.col("first_response_date").is_not_null())
    return _flags(ctx).filter(contacted)


def _by_touches(ctx: Context) -> Step[dict]:
    g = (_prospects(ctx).group_by("touches")
         .agg(v=pl.col("conv").cast(pl.Float64).mean() * 100).sort("touches", nulls_last=True))
    return frame("leads:prospects_by_touches", g).then(
        lambda g: {("(none)" if t is None else str(t)): v
                   for t, v in zip(g["touches"], g["v"], strict=True)})


def _customer_acquisition_rate(ctx: Context) -> Step[Value]:
    by: dict[str, Step] = {}
    if ctx.has("leads", "touches"):
        by["touches"] = _by_touches(ctx)
    if ctx.has("leads", "outreach_method"):
        by["outreach_method"] = _mean_by("leads:prospects_by_outreach_method", _prospects(ctx),
                                         "outreach_method", "conv")

    def finish(got: dict) -> Value:
        n, total, value, by_period = _rates(ctx, got["rows"])
        return Value(value, by_period, {d: got[d] for d in by},
                     explanation=f"{num(n)} new customers / {num(total)} prospects contacted "
                     f"× 100 = {pct(value)}")
    return join(rows=_share_frame("leads:prospects", _prospects(ctx), "conv"), **by).then(finish)


# -- close rate on provided leads -------------------------------------------------------------
def _provided_from_deals(ctx: Context) -> pl.LazyFrame:
    closed = (pl.col("status").is_in(["won", "lost"]) & pl.col("provided_lead").fill_null(False)
              & in_range(ctx, "closed"))
    return deals_lf(ctx).filter(closed).with_columns(pid(ctx, "closed"),
                                                      won=pl.col("status") == "won")


def _close_rate_provided_leads(ctx: Context) -> Step[Value]:
    if ctx.has("leads", "provided_lead"):
        table, flag = "leads", "conv"
        rows = _flags(ctx).filter(pl.col("provided_lead").fill_null(False))
        words = ("converted", "provided leads created")
    else:
        table, flag, rows = "deals", "won", _provided_from_deals(ctx)
        words = ("won", "provided deals closed")
    by = ({"rep": _mean_by(f"leads:provided_by_rep:{table}", rows, "rep", flag)}
          if ctx.has(table, "rep") else {})

    def finish(got: dict) -> Value:
        n, total, value, by_period = _rates(ctx, got["rows"])
        return Value(value, by_period, {d: got[d] for d in by},
                     explanation=f"{num(n)} {words[0]} / {num(total)} {words[1]} × 100 = "
                     f"{pct(value)} (from {table})")
    return join(rows=_share_frame(f"leads:provided:{table}", rows, flag), **by).then(finish)


register(
    KPI("qualified_leads", "Qualified leads", "D", "count", "higher", "flow",
        "count of leads that are qualified", QUALIFIED_IN, _qualified_leads, source="S1, S3#2"),
    KPI("lead_quality_rate", "Lead quality", "D", "percent", "higher", "rate",
        "Qualified leads / All leads × 100 (by channel shows marketing lead quality)",
        QUALIFIED_IN, _cohort_rate("qual", "qualified", ("channel",)), source="S3#12"),
    KPI("lead_response_time", "Lead response time", "D", "hours", "lower", "mean",
        "median and mean of (first response − lead created), hours",
        "leads.first_response_date", _lead_response_time, ("mean_hours", "leads_with_response"),
        source="S3#3"),
    KPI("lead_to_opportunity_rate", "Leads to opportunities", "D", "percent", "higher", "rate",
        "Leads that became opportunities / Leads × 100",
        "leads, leads.opportunity_date|deals.lead_id",
        _cohort_rate("opp", "became opportunities"), source="S3#13"),
    KPI("lead_conversion_rate", "Lead conversion rate", "D", "percent", "higher", "rate",
        "(Total conversions / Total leads) × 100 (S1's qualified leads → deals is not used)",
        CONVERTED_IN, _cohort_rate("conv", "converted", ("channel", "rep")),
        source="S0#5, S1, S2, S3#28, S4"),
    KPI("customer_acquisition_rate", "Customer acquisition rate", "D", "percent", "higher",
        "rate", "New customers / Prospects contacted × 100, also by number of touches and by "
        "outreach method", f"leads.touches|leads.first_response_date, {CONVERTED_IN}",
        _customer_acquisition_rate, source="S3#29"),
    KPI("avg_time_to_conversion", "Average time to conversion", "D", "days", "lower", "mean",
        "mean (converted date − created date), days", "leads.converted_date",
        _avg_time_to_conversion, source="S3#24"),
    KPI("close_rate_provided_leads", "Close rate on provided leads", "D", "percent", "higher",
        "rate", "Won provided leads / Provided leads × 100, per rep",
        "leads.provided_lead|deals.provided_lead", _close_rate_provided_leads, source="S3#27"),
)
