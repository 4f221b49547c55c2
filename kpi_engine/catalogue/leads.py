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
from kpi_engine.catalogue.activities import breakdown_of, labels, per_pid, period_rows
from kpi_engine.catalogue.spec import KPI, Value
from kpi_engine.context import Context
from kpi_engine.deals import deals
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


SUMMARY_DIMS = ("channel", "rep")


def summary(ctx: Context) -> pl.DataFrame:
    """One line per (period index `_pid`, channel, rep) of the leads created in the range: `n`
    leads, `qual`, `conv` and `opp` of them (cached: the lead KPIs of C and D read it)."""
    cache = ctx.__dict__.setdefault("_measure_cache", {})
    if "leads:summary" not in cache:
        rows = period_rows(ctx, leads(ctx), "created_date")
        cache["leads:summary"] = rows.lazy().group_by("_pid", *SUMMARY_DIMS).agg(
            n=pl.len(), qual=pl.col("qual").sum(), conv=pl.col("conv").sum(),
            opp=pl.col("opp").sum()).collect()
    return cache["leads:summary"]


def counts(ctx: Context, col: str = "n") -> list[int]:
    """Σ `col` of the summary per period: the leads created (`n`), or those with a flag."""
    return [0 if v is None else int(v) for v in per_pid(ctx, summary(ctx), pl.col(col).sum())]


def count_by(ctx: Context, dim: str) -> pl.DataFrame:
    """The leads created in the range per lower-cased value `_k` of a dimension: `_n`."""
    if dim in SUMMARY_DIMS:
        rows = summary(ctx).select(dim, n=pl.col("n"))
    else:
        rows = _cohort(ctx, ctx.start, ctx.end).group_by(dim).agg(n=pl.len())
    return rows.group_by(_k=pl.col(dim).str.to_lowercase()).agg(_n=pl.col("n").sum())


def _cohort(ctx: Context, start: dt.date, end: dt.date) -> pl.DataFrame:
    return in_interval(leads(ctx), "created_date", start, end)


def _share(df: pl.DataFrame, flag: str) -> tuple[int, int, float | None]:
    n = int(df[flag].sum()) if df.height else 0
    return n, df.height, pct_of(n, df.height)


def _rate_of(frame: pl.DataFrame, dim: str, flag: str) -> dict:
    """Per value of a dimension: the share of the summary's leads having the flag × 100."""
    return breakdown_of(frame, dim, pl.col(flag).sum() / pl.col("n").sum() * 100)


def _dims(ctx: Context, dims: tuple[str, ...], flag: str) -> dict:
    return {d: _rate_of(summary(ctx), d, flag) for d in dims if ctx.has("leads", d)}


# -- counts and cohort rates ----------------------------------------------------------------
def _qualified_leads(ctx: Context) -> Value:
    per = counts(ctx, "qual")
    n, total = sum(per), sum(counts(ctx))
    return Value(float(n), labels(ctx, per),
                 explanation=f"{num(n)} of {num(total)} leads created in {ctx.range_label} "
                 f"are qualified")


def _cohort_rate(flag: str, what: str, dims: tuple[str, ...] = ()):
    def compute(ctx: Context) -> Value:
        hits, cohorts = counts(ctx, flag), counts(ctx)
        n, total = sum(hits), sum(cohorts)
        value = pct_of(n, total)
        by_period = labels(ctx, [pct_of(h, c) for h, c in zip(hits, cohorts, strict=True)])
        return Value(value, by_period, _dims(ctx, dims, flag),
                     explanation=f"{num(n)} {what} / {num(total)} leads created × 100 = "
                     f"{pct(value)}")
    return compute


# -- durations --------------------------------------------------------------------------------
def _response_hours(df: pl.DataFrame) -> pl.DataFrame:
    """`_h`: hours from creation to first response, where known."""
    h = (pl.col("first_response_date") - pl.col("created_date")).dt.total_hours(fractional=True)
    return df.with_columns(_h=h).filter(pl.col("_h").is_not_null())


def _median(s: pl.Series) -> float | None:
    return float(s.median()) if s.len() else None  # type: ignore[arg-type]


def _mean(s: pl.Series) -> float | None:
    return float(s.mean()) if s.len() else None  # type: ignore[arg-type]


def _negatives(n: int) -> str:
    return f"; {num(n)} negative durations left out" if n else ""


def _per_period(ctx: Context, rows: pl.DataFrame, agg: pl.Expr) -> dict:
    """agg over the rows (with `_pid`) of each period; None for a period without rows."""
    return labels(ctx, [None if v is None else float(v) for v in per_pid(ctx, rows, agg)])


def _lead_response_time(ctx: Context) -> Value:
    rows = _response_hours(period_rows(ctx, leads(ctx), "created_date"))
    hours = rows["_h"].filter(rows["_h"] >= 0)
    negative = int((rows["_h"] < 0).sum())
    value, mean = _median(hours), _mean(hours)
    by_period = _per_period(ctx, rows.filter(pl.col("_h") >= 0), pl.col("_h").median())
    extra = {"mean_hours": mean, "leads_with_response": hours.len()}
    return Value(value, by_period, extra=extra,
                 explanation=f"median of (first response − created) over {num(hours.len())} "
                 f"leads = {num(value, 1)} hours (mean {num(mean, 1)} hours)"
                 f"{_negatives(negative)}")


def _conversion_days(df: pl.DataFrame) -> pl.DataFrame:
    """`_d`: whole days from creation to conversion of the converted leads with a date."""
    conv = df.filter(pl.col("conv") & pl.col("converted_date").is_not_null())
    return conv.with_columns(_d=(pl.col("converted_date") - pl.col("day")).dt.total_days())


def _avg_time_to_conversion(ctx: Context) -> Value:
    rows = _conversion_days(period_rows(ctx, leads(ctx), "created_date"))
    days = rows["_d"].filter(rows["_d"] >= 0).cast(pl.Float64)
    negative = int((rows["_d"] < 0).sum())
    value = _mean(days)
    by_period = _per_period(ctx, rows.filter(pl.col("_d") >= 0),
                            pl.col("_d").cast(pl.Float64).mean())
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


def _rates(ctx: Context, rows: pl.DataFrame, flag: str,
           ) -> tuple[int, int, float | None, dict]:
    """(flagged, rows, share × 100) of rows with `_pid`, and the share of each period."""
    n, total, value = _share(rows, flag)
    hits = per_pid(ctx, rows, pl.col(flag).sum())
    sizes = per_pid(ctx, rows, pl.len())
    by_period = labels(ctx, [None if c is None else pct_of(int(h), int(c))
                              for h, c in zip(hits, sizes, strict=True)])
    return n, total, value, by_period


def _customer_acquisition_rate(ctx: Context) -> Value:
    pros = _prospects(period_rows(ctx, leads(ctx), "created_date"))
    n, total, value, by_period = _rates(ctx, pros, "conv")
    by: dict[str, dict] = {}
    if ctx.has("leads", "touches"):
        by["touches"] = _by_touches(pros)
    if ctx.has("leads", "outreach_method"):
        by["outreach_method"] = breakdown(pros, "outreach_method",
                                          pl.col("conv").cast(pl.Float64).mean() * 100)
    return Value(value, by_period, by,
                 explanation=f"{num(n)} new customers / {num(total)} prospects contacted × 100 "
                 f"= {pct(value)}")


# -- close rate on provided leads -------------------------------------------------------------
def _provided_from_deals(ctx: Context) -> pl.DataFrame:
    d = deals(ctx).filter(pl.col("status").is_in(["won", "lost"])
                          & pl.col("provided_lead").fill_null(False))
    return period_rows(ctx, d, "closed").with_columns(won=pl.col("status") == "won")


def _provided_leads(ctx: Context) -> pl.DataFrame:
    rows = period_rows(ctx, leads(ctx), "created_date")
    return rows.filter(pl.col("provided_lead").fill_null(False))


def _close_rate_provided_leads(ctx: Context) -> Value:
    if ctx.has("leads", "provided_lead"):
        table, flag, rows = "leads", "conv", _provided_leads(ctx)
        words = ("converted", "provided leads created")
    else:
        table, flag, rows = "deals", "won", _provided_from_deals(ctx)
        words = ("won", "provided deals closed")
    n, total, value, by_period = _rates(ctx, rows, flag)
    by = ({"rep": breakdown(rows, "rep", pl.col(flag).cast(pl.Float64).mean() * 100)}
          if ctx.has(table, "rep") else {})
    return Value(value, by_period, by,
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
