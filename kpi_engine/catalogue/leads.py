"""D. Leads and qualification (leads-based): qualified leads, lead quality, response time, lead to
opportunity, lead conversion, customer acquisition, time to conversion, close rate on provided
leads. (stale_leads_deals: pipeline.py; leads_generated, lead_share, cost_per_lead: marketing.py.)

Lead rates are cohort rates (catalogue section 2, "Leads"): the leads created in the interval,
and of those the ones qualified / became an opportunity / converted, whenever that happened.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from kpi_engine.catalogue import register
from kpi_engine.catalogue.spec import KPI, Value
from kpi_engine.context import Context
from kpi_engine.deals import closed_in
from kpi_engine.fmt import num, pct, pct_of
from kpi_engine.measures import breakdown, in_interval

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


def leads(ctx: Context) -> pl.DataFrame:
    """Every lead with `day` (created), `conv`, `qual` and `opp` (bool, never null)."""
    cache = ctx.__dict__.setdefault("_measure_cache", {})
    if "leads.flags" in cache:
        return cache["leads.flags"]
    df = ctx.t("leads")
    assert df is not None
    conv = pl.coalesce(pl.col("converted"), pl.col("converted_date").is_not_null())
    qual = conv | pl.coalesce(
        pl.col("qualified"),
        pl.when(pl.col("qualified_date").is_not_null()).then(pl.lit(True)),
        status_means_qualified(pl.col("status")),
    )
    opp = pl.col("opportunity_date").is_not_null()
    deals = ctx.t("deals")
    if deals is not None and ctx.has("deals", "lead_id"):
        ids = deals["lead_id"].drop_nulls().unique()
        opp = opp | pl.col("lead_id").is_in(ids.implode()).fill_null(False)
    out = df.with_columns(
        day=pl.col("created_date").dt.date(),
        conv=conv.fill_null(False),
        qual=qual.fill_null(False),
        opp=opp,
    )
    cache["leads.flags"] = out
    return out


def _cohort(ctx: Context, start: dt.date, end: dt.date) -> pl.DataFrame:
    return in_interval(leads(ctx), "created_date", start, end)


def _share(df: pl.DataFrame, flag: str) -> tuple[int, int, float | None]:
    n = int(df[flag].sum()) if df.height else 0
    return n, df.height, pct_of(n, df.height)


def _rate_by(df: pl.DataFrame, dim: str, flag: str) -> dict:
    return breakdown(df, dim, pl.col(flag).cast(pl.Float64).mean() * 100)


def _dims(ctx: Context, table: str, dims: tuple[str, ...], df: pl.DataFrame, flag: str) -> dict:
    return {d: _rate_by(df, d, flag) for d in dims if ctx.has(table, d)}


# -- counts and cohort rates ----------------------------------------------------------------
def _qualified_leads(ctx: Context) -> Value:
    rng = _cohort(ctx, ctx.start, ctx.end)
    n, total, _ = _share(rng, "qual")
    by_period = {p.label: _share(_cohort(ctx, p.clip_start, p.clip_end), "qual")[0]
                 for p in ctx.periods}
    return Value(float(n), by_period,
                 explanation=f"{num(n)} of {num(total)} leads created in {ctx.range_label} "
                 f"are qualified")


def _cohort_rate(flag: str, what: str, dims: tuple[str, ...] = ()):
    def compute(ctx: Context) -> Value:
        rng = _cohort(ctx, ctx.start, ctx.end)
        n, total, value = _share(rng, flag)
        by_period = {p.label: _share(_cohort(ctx, p.clip_start, p.clip_end), flag)[2]
                     for p in ctx.periods}
        return Value(value, by_period, _dims(ctx, "leads", dims, rng, flag),
                     explanation=f"{num(n)} {what} / {num(total)} leads created × 100 = "
                     f"{pct(value)}")
    return compute


# -- durations --------------------------------------------------------------------------------
def _response_hours(df: pl.DataFrame) -> tuple[pl.Series, int]:
    """Hours from creation to first response (non-negative), and how many were negative."""
    h = df.select(
        (pl.col("first_response_date") - pl.col("created_date")).dt.total_hours(fractional=True)
    ).to_series().drop_nulls()
    return h.filter(h >= 0), int((h < 0).sum())


def _median(s: pl.Series) -> float | None:
    return float(s.median()) if s.len() else None  # type: ignore[arg-type]


def _mean(s: pl.Series) -> float | None:
    return float(s.mean()) if s.len() else None  # type: ignore[arg-type]


def _negatives(n: int) -> str:
    return f"; {num(n)} negative durations left out" if n else ""


def _lead_response_time(ctx: Context) -> Value:
    hours, negative = _response_hours(_cohort(ctx, ctx.start, ctx.end))
    value, mean = _median(hours), _mean(hours)
    by_period = {p.label: _median(_response_hours(_cohort(ctx, p.clip_start, p.clip_end))[0])
                 for p in ctx.periods}
    extra = {"mean_hours": mean, "leads_with_response": hours.len()}
    return Value(value, by_period, extra=extra,
                 explanation=f"median of (first response − created) over {num(hours.len())} "
                 f"leads = {num(value, 1)} hours (mean {num(mean, 1)} hours)"
                 f"{_negatives(negative)}")


def _conversion_days(df: pl.DataFrame) -> tuple[pl.Series, int]:
    conv = df.filter(pl.col("conv") & pl.col("converted_date").is_not_null())
    d = conv.select((pl.col("converted_date") - pl.col("day")).dt.total_days()).to_series()
    return d.filter(d >= 0).cast(pl.Float64), int((d < 0).sum())


def _avg_time_to_conversion(ctx: Context) -> Value:
    days, negative = _conversion_days(_cohort(ctx, ctx.start, ctx.end))
    value = _mean(days)
    by_period = {p.label: _mean(_conversion_days(_cohort(ctx, p.clip_start, p.clip_end))[0])
                 for p in ctx.periods}
    total = float(days.sum()) if days.len() else 0.0
    return Value(value, by_period,
                 explanation=f"{num(total)} days / {num(days.len())} converted leads = "
                 f"{num(value, 1)} days{_negatives(negative)}")


# -- customer acquisition rate ------------------------------------------------------------------
def _prospects(df: pl.DataFrame) -> pl.DataFrame:
    """Prospects contacted: touches > 0; touches empty (or no column): a first response."""
    contacted = pl.coalesce(pl.col("touches") > 0, pl.col("first_response_date").is_not_null())
    return df.filter(contacted)


def _by_touches(df: pl.DataFrame) -> dict:
    if df.height == 0:
        return {}
    g = (df.group_by("touches").agg(v=pl.col("conv").cast(pl.Float64).mean() * 100)
         .sort("touches", nulls_last=True))
    return {("(none)" if t is None else str(t)): v
            for t, v in zip(g["touches"], g["v"], strict=True)}


def _customer_acquisition_rate(ctx: Context) -> Value:
    pros = _prospects(_cohort(ctx, ctx.start, ctx.end))
    n, total, value = _share(pros, "conv")
    by_period = {p.label: _share(_prospects(_cohort(ctx, p.clip_start, p.clip_end)), "conv")[2]
                 for p in ctx.periods}
    by: dict[str, dict] = {}
    if ctx.has("leads", "touches"):
        by["touches"] = _by_touches(pros)
    if ctx.has("leads", "outreach_method"):
        by["outreach_method"] = _rate_by(pros, "outreach_method", "conv")
    return Value(value, by_period, by,
                 explanation=f"{num(n)} new customers / {num(total)} prospects contacted × 100 "
                 f"= {pct(value)}")


# -- close rate on provided leads -------------------------------------------------------------
def _provided_from_deals(ctx: Context, start: dt.date, end: dt.date) -> pl.DataFrame:
    d = closed_in(ctx, start, end).filter(pl.col("provided_lead").fill_null(False))
    return d.with_columns(won=pl.col("status") == "won")


def _provided_leads(ctx: Context, start: dt.date, end: dt.date) -> pl.DataFrame:
    return _cohort(ctx, start, end).filter(pl.col("provided_lead").fill_null(False))


def _close_rate_provided_leads(ctx: Context) -> Value:
    if ctx.has("leads", "provided_lead"):
        table, flag, rows = "leads", "conv", _provided_leads
        words = ("converted", "provided leads created")
    else:
        table, flag, rows = "deals", "won", _provided_from_deals
        words = ("won", "provided deals closed")
    rng = rows(ctx, ctx.start, ctx.end)
    n, total, value = _share(rng, flag)
    by_period = {p.label: _share(rows(ctx, p.clip_start, p.clip_end), flag)[2]
                 for p in ctx.periods}
    return Value(value, by_period, _dims(ctx, table, ("rep",), rng, flag),
                 explanation=f"{num(n)} {words[0]} / {num(total)} {words[1]} × 100 = "
                 f"{pct(value)} (from {table})")


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
