"""I. Team and targets: sales per rep, target attainment, reps meeting quota; with the two
target-based KPIs of other groups: monthly_sales_progress (A) and pipeline_coverage (F).

Catalogue section 2, "Sales without orders" and "Targets": sales = orders' revenue when there is
an orders table, else won_revenue (won deals by close date), a rep's sales being the rep's orders
/ won deals; every target comes from kpi_engine.targets (pro rata only for week periods)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from kpi_engine.catalogue import register
from kpi_engine.catalogue.spec import ATTAINMENT, INF, KPI, Band, Value
from kpi_engine.context import Context
from kpi_engine.deals import open_at, won_deals
from kpi_engine.fmt import div, money, num, pct, pct_of, ratio
from kpi_engine.measures import breakdown, display_names, in_interval, orders
from kpi_engine.query import days_in_month, month_end, month_start, period_of
from kpi_engine.targets import company_target, monthly, rep_targets, team_targets

WON_ALTS = ("deals.close_date+deals.status", "deals.close_date+deals.stage",
            "stage_history+deals.status", "stage_history+deals.stage")
REV_ALTS = ("orders.revenue", "orders.quantity+orders.unit_price")
SALES = "|".join(("orders", *WON_ALTS))  # *sales* = orders, else *won*
TARGET = "targets|settings.monthly_target"
QUOTA_BAND = Band(good=(60, 90, True, True))
COVERAGE_BAND = Band(good=(3, 4, True, True), watch=((4, INF, False, False),))
SOURCE_TABLE = {"orders": "orders", "won_revenue": "deals"}


# -- sales ------------------------------------------------------------------------------------
def _source(ctx: Context) -> str:
    """`orders` when the upload has orders (deals-only uploads: `won_revenue`)."""
    if ctx.has("orders", "order_date") or not ctx.has("deals"):
        return "orders"
    return "won_revenue"


def _sales_rows(ctx: Context, source: str, start: dt.date, end: dt.date) -> pl.DataFrame:
    """The sales records of [start, end]: `amount`, `rep`, `team`."""
    if source == "orders":
        df = in_interval(orders(ctx), "order_date", start, end)
        return df.select(amount=pl.col("revenue"), rep=pl.col("rep"), team=pl.col("team"))
    df = won_deals(ctx, start, end)
    return df.select(amount=pl.col("amount"), rep=pl.col("rep"), team=pl.col("team"))


def _total(rows: pl.DataFrame) -> float:
    return float(rows["amount"].sum() or 0.0) if rows.height else 0.0


def _sales(ctx: Context, source: str, start: dt.date, end: dt.date) -> float:
    return _total(_sales_rows(ctx, source, start, end))


def _source_text(source: str) -> str:
    return "orders' revenue" if source == "orders" else "won revenue (no orders table)"


def _pro_rata(ctx: Context) -> bool:
    return ctx.grain == "week"


def _by_key(rows: pl.DataFrame, dim: str) -> dict[str, float]:
    """Σ amount per lower-cased value of a dimension (rows with a value)."""
    g = (rows.filter(pl.col(dim).is_not_null())
         .group_by(_k=pl.col(dim).str.to_lowercase()).agg(pl.col("amount").sum()))
    return {k: float(v or 0.0) for k, v in zip(g["_k"], g["amount"], strict=True)}


def _merge(targets: dict[str, float | None]) -> dict[str, float | None]:
    """Targets keyed by lower-cased name (spellings of one rep or team added up)."""
    out: dict[str, float | None] = {}
    for name, t in targets.items():
        k = name.lower()
        out[k] = t if out.get(k) is None else (out[k] or 0.0) + (t or 0.0)
    return out


def _names(ctx: Context, dim: str, rows: pl.DataFrame) -> dict[str, str]:
    """lower-case -> the most frequent spelling over the targets and the sales records."""
    t = ctx.t("targets")
    values = [rows[dim]] + ([t[dim]] if t is not None else [])
    return display_names(pl.concat([v.cast(pl.String) for v in values]))


# -- sales_per_rep ----------------------------------------------------------------------------
def _per_rep_source(ctx: Context) -> tuple[str, bool]:
    """(sales source, whether its records carry the rep)."""
    if ctx.has("orders", "rep"):
        return "orders", True
    if ctx.has("deals", "rep"):
        return "won_revenue", True
    return _source(ctx), False


def _per_rep(ctx: Context, source: str, start: dt.date, end: dt.date,
             ) -> tuple[float | None, float, int, pl.DataFrame]:
    rows = _sales_rows(ctx, source, start, end)
    total = _total(rows)
    n = ctx.settings.number_of_reps
    reps = n if n is not None else int(rows["rep"].drop_nulls().str.to_lowercase().n_unique())
    return div(total, reps), total, reps, rows


def _sales_per_rep(ctx: Context) -> Value:
    source, with_rep = _per_rep_source(ctx)
    value, total, reps, rows = _per_rep(ctx, source, ctx.start, ctx.end)
    by_period = {p.label: _per_rep(ctx, source, p.clip_start, p.clip_end)[0]
                 for p in ctx.periods}
    by = {"rep": breakdown(rows, "rep", pl.col("amount").sum())} if with_rep else {}
    setting = " (setting)" if ctx.settings.number_of_reps is not None else ""
    c = ctx.currency
    return Value(value, by_period, by, {"source": source},
                 explanation=f"{money(total, c)} {_source_text(source)} / {num(reps)} reps"
                 f"{setting} = {money(value, c)} per rep")


# -- target_attainment ------------------------------------------------------------------------
def _team_sales(ctx: Context, source: str, rows: pl.DataFrame) -> dict[str, float] | None:
    """A team's sales: its records' team; without one, the sales of the reps the targets name
    in the team; None when neither is known."""
    if ctx.has(SOURCE_TABLE[source], "team"):
        return _by_key(rows, "team")
    if not ctx.has(SOURCE_TABLE[source], "rep"):
        return None
    rep_sales = _by_key(rows, "rep")
    members = (monthly(ctx, "revenue").filter(pl.col("rep").is_not_null()
                                              & pl.col("team").is_not_null())
               .select(team=pl.col("team").str.to_lowercase(),
                       rep=pl.col("rep").str.to_lowercase()).unique())
    out: dict[str, float] = {}
    for team, rep in zip(members["team"], members["rep"], strict=True):
        out[team] = out.get(team, 0.0) + rep_sales.get(rep, 0.0)
    return out


def _attainment_by(ctx: Context, dim: str, sales: dict[str, float],
                   targets: dict[str, float | None], rows: pl.DataFrame,
                   ) -> dict[str, float | None]:
    names = _names(ctx, dim, rows)
    return {names.get(k, k): pct_of(sales.get(k, 0.0), t) for k, t in _merge(targets).items()}


def _target_attainment(ctx: Context) -> Value:
    source = _source(ctx)
    rows = _sales_rows(ctx, source, ctx.start, ctx.end)
    sales = _total(rows)
    target = company_target(ctx, ctx.start, ctx.end)
    value = pct_of(sales, target)
    by_period = {p.label: pct_of(_sales(ctx, source, p.clip_start, p.clip_end),
                                 company_target(ctx, p.clip_start, p.clip_end,
                                                pro_rata=_pro_rata(ctx)))
                 for p in ctx.periods}
    by: dict[str, dict] = {}
    table = SOURCE_TABLE[source]
    if ctx.has("targets", "rep") and ctx.has(table, "rep"):
        by["rep"] = _attainment_by(ctx, "rep", _by_key(rows, "rep"),
                                   rep_targets(ctx, ctx.start, ctx.end), rows)
    team_sales = _team_sales(ctx, source, rows) if ctx.has("targets", "team") else None
    if team_sales is not None:
        by["team"] = _attainment_by(ctx, "team", team_sales,
                                    team_targets(ctx, ctx.start, ctx.end), rows)
    c = ctx.currency
    fallback = (" (settings.monthly_target × months)" if target is not None
                and not _has_revenue_rows(ctx) else "")
    return Value(value, by_period, by, {"source": source},
                 explanation=f"{money(sales, c)} {_source_text(source)} / {money(target, c)} "
                 f"target{fallback} × 100 = {pct(value)}")


def _has_revenue_rows(ctx: Context) -> bool:
    return monthly(ctx, "revenue").height > 0


# -- quota_attainment_share -------------------------------------------------------------------
def _quota(ctx: Context, source: str, start: dt.date, end: dt.date, pro_rata: bool,
           ) -> tuple[float | None, int, int]:
    """Reps at ≥ 100 % of a non-zero target / reps with one × 100; (value, meeting, with)."""
    quotas = {k: t for k, t in _merge(rep_targets(ctx, start, end, pro_rata=pro_rata)).items()
              if t}
    sales = _by_key(_sales_rows(ctx, source, start, end), "rep")
    meeting = sum(1 for k, t in quotas.items() if (pct_of(sales.get(k, 0.0), t) or 0) >= 100)
    return pct_of(meeting, len(quotas)), meeting, len(quotas)


def _quota_attainment_share(ctx: Context) -> Value:
    source = _source(ctx)
    if not ctx.has(SOURCE_TABLE[source], "rep"):
        return Value(None, {p.label: None for p in ctx.periods}, extra={"source": source},
                     explanation="orders have no rep: each rep's sales are unknown")
    value, meeting, with_quota = _quota(ctx, source, ctx.start, ctx.end, False)
    by_period = {p.label: _quota(ctx, source, p.clip_start, p.clip_end, _pro_rata(ctx))[0]
                 for p in ctx.periods}
    return Value(value, by_period, extra={"source": source},
                 explanation=f"{num(meeting)} of {num(with_quota)} reps with a quota reached "
                 f"100 % ({_source_text(source)}) = {pct(value)}")


# -- monthly_sales_progress -------------------------------------------------------------------
def _monthly_sales_progress(ctx: Context) -> Value:
    source = _source(ctx)
    end = ctx.end
    first, last = month_start(end), month_end(end)
    mtd = _sales(ctx, source, max(first, ctx.start), end)
    elapsed = (end - first).days + 1
    projection = mtd / elapsed * days_in_month(end)
    target = company_target(ctx, first, last)
    value = pct_of(mtd, target)
    projection_pct = pct_of(projection, target)
    by_period = {p.label: pct_of(_sales(ctx, source, p.clip_start, p.clip_end),
                                 company_target(ctx, p.clip_start, p.clip_end,
                                                pro_rata=_pro_rata(ctx)))
                 for p in ctx.periods}
    month = first.strftime("%Y-%m")
    extra = {"month": month, "mtd": mtd, "target": target, "projection": projection,
             "projection_pct": projection_pct, "source": source}
    c = ctx.currency
    return Value(value, by_period, extra=extra, status=ATTAINMENT.status(projection_pct),
                 explanation=f"{money(mtd, c)} {_source_text(source)} month-to-date / "
                 f"{money(target, c)} target of {month} × 100 = {pct(value)}; projection "
                 f"{money(mtd, c)} / {elapsed} days × {days_in_month(end)} = "
                 f"{money(projection, c)} ({pct(projection_pct)} of target)")


# -- pipeline_coverage ------------------------------------------------------------------------
def _pipeline_at(ctx: Context, t: dt.date) -> float:
    df = open_at(ctx, t)
    return float(df["amount"].sum() or 0.0) if df.height else 0.0


def _next_target(ctx: Context, period_end: dt.date) -> tuple[str, float | None]:
    """The grain period after the one ending on period_end: its label and whole target."""
    label, start, end = period_of(period_end + dt.timedelta(days=1), ctx.grain,
                                  ctx.settings.fiscal_year_start)
    return label, company_target(ctx, start, end, pro_rata=_pro_rata(ctx))


def _pipeline_coverage(ctx: Context) -> Value:
    _, _, last_end = period_of(ctx.end, ctx.grain, ctx.settings.fiscal_year_start)
    pipeline = _pipeline_at(ctx, ctx.end)
    next_label, target = _next_target(ctx, last_end)
    value = div(pipeline, target)
    by_period = {p.label: div(_pipeline_at(ctx, p.clip_end), _next_target(ctx, p.end)[1])
                 for p in ctx.periods}
    c = ctx.currency
    return Value(value, by_period, extra={"next_period": next_label},
                 explanation=f"{money(pipeline, c)} open pipeline on {ctx.end.isoformat()} / "
                 f"{money(target, c)} target of {next_label} = {ratio(value)}")


register(
    KPI("sales_per_rep", "Sales per representative", "I", "money", "higher", "rate",
        "Total sales in period / Number of reps",
        "orders.rep|deals.rep|settings.number_of_reps, " + "|".join((*REV_ALTS, *WON_ALTS)),
        _sales_per_rep, ("source",), source="S0#9, S1"),
    KPI("target_attainment", "Sales target attainment", "I", "percent", "higher", "rate",
        "(Sales in current period ÷ Sales target) × 100", f"{SALES}, {TARGET}",
        _target_attainment, ("source",), band=ATTAINMENT, source="S0#17"),
    KPI("quota_attainment_share", "Reps meeting quota", "I", "percent", "neutral", "rate",
        "reps with attainment ≥ 100 % / reps with a quota × 100; below 60 % targets are too "
        "hard, above 90 % too easy",
        "targets.rep, orders.rep|" + "|".join(f"deals.rep+{a}" for a in WON_ALTS),
        _quota_attainment_share, ("source",), band=QUOTA_BAND, source="S3#26, S4"),
    KPI("monthly_sales_progress", "Month-to-date progress", "A", "percent", "higher", "value",
        "revenue month-to-date / monthly target × 100, with run-rate projection = MTD / days "
        "elapsed × days in month", f"{SALES}, {TARGET}", _monthly_sales_progress,
        ("month", "mtd", "target", "projection", "projection_pct", "source"), source="S4"),
    KPI("pipeline_coverage", "Pipeline coverage", "F", "ratio", "higher", "stock",
        "Open pipeline value / Revenue target of the next period (3–4× is healthy)",
        f"deals, {TARGET}", _pipeline_coverage, ("next_period",), band=COVERAGE_BAND,
        source="S3#23"),
)
