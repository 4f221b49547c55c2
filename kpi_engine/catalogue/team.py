"""I. Team and targets: sales per rep, target attainment, reps meeting quota; with the two
target-based KPIs of other groups: monthly_sales_progress (A) and pipeline_coverage (F).

Catalogue section 2, "Sales without orders" and "Targets": sales = orders' revenue when there is
an orders table, else won_revenue (won deals by close date), a rep's sales being the rep's orders
/ won deals; every target comes from kpi_engine.targets (pro rata only for week periods).

Plan: the range's sales records (orders_lf, else the won deals of deals_lf) summed per (period
index, rep, team) ("team:sales:<source>": reps, the by-rep breakdown, spellings); the range's
sales, each period's, each lower-cased rep's or team's over the range and each rep's per period
are summed on the records themselves (as close as can be to the eager sums over the rows:
quotas compare them to 100 %); month-to-date sales and the open pipeline at the end of the
range and of each period are one-row frames. The targets are the owner's few rows, read
eagerly through kpi_engine.targets and turned into per-period targets in the finish."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from kpi_engine.catalogue import register
from kpi_engine.catalogue.spec import ATTAINMENT, INF, KPI, Band, Value
from kpi_engine.context import Context, between
from kpi_engine.deals import deals_lf
from kpi_engine.fmt import div, money, num, pct, pct_of, ratio
from kpi_engine.measures import (
    breakdown_of,
    in_range,
    labels,
    names_of,
    orders_lf,
    per_pid,
    pid,
    shared_value,
)
from kpi_engine.plan import Step, done, frame, join
from kpi_engine.query import add_months, days_in_month, month_end, month_start, period_of
from kpi_engine.targets import company_rows, monthly, team_targets

WON_ALTS = ("deals.close_date+deals.status", "deals.close_date+deals.stage",
            "stage_history+deals.status", "stage_history+deals.stage")
REV_ALTS = ("orders.revenue", "orders.quantity+orders.unit_price")
SALES = "|".join(("orders", *WON_ALTS))  # *sales* = orders, else *won*
TARGET = "targets|settings.monthly_target"
QUOTA_BAND = Band(good=(60, 90, True, True))
COVERAGE_BAND = Band(good=(3, 4, True, True), watch=((4, INF, False, False),))
SOURCE_TABLE = {"orders": "orders", "won_revenue": "deals"}
Got = dict[str, Any]


# -- sales ------------------------------------------------------------------------------------
def _source(ctx: Context) -> str:
    """`orders` when the upload has orders (deals-only uploads: `won_revenue`)."""
    if ctx.has("orders", "order_date") or not ctx.has("deals"):
        return "orders"
    return "won_revenue"


def _records_lf(ctx: Context, source: str) -> pl.LazyFrame:
    """Every sales record (any day): `_day` (its date or date-time), `amount`, `rep`, `team`."""
    if source == "orders":
        return orders_lf(ctx).select(_day=pl.col("order_date"), amount=pl.col("revenue"),
                                     rep=pl.col("rep"), team=pl.col("team"))
    return deals_lf(ctx).filter(pl.col("status") == "won").select(
        _day=pl.col("closed"), amount=pl.col("amount"), rep=pl.col("rep"), team=pl.col("team"))


def _rows_lf(ctx: Context, source: str) -> pl.LazyFrame:
    """The range's sales records, with `_pid`."""
    return (_records_lf(ctx, source).filter(in_range(ctx, "_day"))
            .with_columns(pid(ctx, "_day")))


def _sales_step(ctx: Context, source: str) -> Step[pl.DataFrame]:
    """The range's sales summed per (period index, rep, team): `amount`, records `n`."""
    summary = _rows_lf(ctx, source).group_by("_pid", "rep", "team").agg(
        pl.col("amount").sum(), n=pl.len())
    return frame(f"team:sales:{source}", summary)


def _by_key_step(ctx: Context, source: str, dim: str, per_period: bool = False,
                 ) -> Step[pl.DataFrame]:
    """Σ amount per lower-cased value `_k` of a dimension (records with a value), over the
    range or per period (`_pid`). On the records, not on a summary: the sums stay those of the
    records to the last bit (quotas compare them to 100 %)."""
    keys = ["_pid"] if per_period else []
    sums = (_rows_lf(ctx, source).filter(pl.col(dim).is_not_null())
            .group_by(*keys, _k=pl.col(dim).str.to_lowercase()).agg(pl.col("amount").sum()))
    return frame(f"team:{'period_' if per_period else ''}{dim}:{source}", sums)


def _sums(frame: pl.DataFrame) -> dict[str, float]:
    """{key: Σ amount} of a _by_key_step frame (over the range)."""
    return {k: float(v or 0.0) for k, v in zip(frame["_k"], frame["amount"], strict=True)}


def _total_step(ctx: Context, source: str) -> Step[float]:
    """The range's sales: one sum over the records (as the eager sum over the rows gave it;
    the sum of the summary's lines may differ in the last bit, which a rounding can show)."""
    total = _rows_lf(ctx, source).select(pl.col("amount").sum())
    return frame(f"team:total:{source}", total).then(lambda f: float(f["amount"][0] or 0.0))


def _per_step(ctx: Context, source: str) -> Step[list[float]]:
    """Each period's sales, one sum over the period's records each: the sums the eager sums
    over each period's rows gave (a group-by sums in another order: the last bit differs)."""
    amount, period = pl.col("amount"), pl.col("_pid")
    per = _rows_lf(ctx, source).select(amount.filter(period == i).sum().alias(f"_{i}")
                                       for i in range(len(ctx.periods)))
    return frame(f"team:per_period:{source}", per).then(
        lambda f: [float(v or 0.0) for v in f.row(0)] if f.width else [])


def _source_text(source: str) -> str:
    return "orders' revenue" if source == "orders" else "won revenue (no orders table)"


def _pro_rata(ctx: Context) -> bool:
    return ctx.grain == "week"


def _merge(targets: dict[str, float | None]) -> dict[str, float | None]:
    """Targets keyed by lower-cased name (spellings of one rep or team added up)."""
    out: dict[str, float | None] = {}
    for name, t in targets.items():
        k = name.lower()
        out[k] = t if out.get(k) is None else (out[k] or 0.0) + (t or 0.0)
    return out


def _target_names_step(ctx: Context, dim: str) -> Step[pl.DataFrame | None]:
    """The targets' spellings of a dimension (`v`, one `n` per row); None without targets."""
    t = ctx.lf("targets")
    if t is None:
        return done(None)
    return frame(f"team:target_{dim}s",
                 t.select(v=pl.col(dim).cast(pl.String), n=pl.lit(1, pl.Int64)))


def _names(dim: str, summary: pl.DataFrame, targets: pl.DataFrame | None) -> dict[str, str]:
    """lower-case -> the most frequent spelling over the targets and the sales records."""
    frames = [summary.select(v=pl.col(dim).cast(pl.String), n=pl.col("n").cast(pl.Int64))]
    if targets is not None:
        frames.append(targets)
    return names_of(pl.concat(frames), "v")


# -- targets per period: targets.company_target and rep_targets on rows read once -------------
def _month_weights(start: dt.date, end: dt.date, pro_rata: bool) -> dict[dt.date, float]:
    """The calendar months [start, end] touches: 1 each, or pro rata by days (targets._weights)."""
    months, m = [], month_start(start)
    while m <= end:
        months.append(m)
        m = add_months(m, 1)
    if not pro_rata:
        return dict.fromkeys(months, 1.0)
    return {m: ((min(month_end(m), end) - max(m, start)).days + 1) / days_in_month(m)
            for m in months}


def _target_rows(ctx: Context) -> dict:
    """The revenue target rows as (month, target) lists: the company's (targets.company_rows)
    and each rep's (sorted by rep; rows in order), once per context."""
    def make() -> dict:
        company = company_rows(ctx, "revenue")
        reps = monthly(ctx, "revenue").filter(pl.col("rep").is_not_null())
        by_rep: dict[str, list[tuple[dt.date, float]]] = {}
        for rep, month, target in zip(reps["rep"], reps["month"], reps["target"], strict=True):
            by_rep.setdefault(rep, []).append((month, target))
        return {"company": list(zip(company["month"], company["target"], strict=True)),
                "reps": {rep: by_rep[rep] for rep in sorted(by_rep)}}
    return shared_value(ctx, "team:targets", make)


def _weighted(rows: list[tuple[dt.date, float]], weights: dict[dt.date, float],
              ) -> float | None:
    """Σ weight × target of the rows in the weighted months, None when none is (targets._sum)."""
    hit = [(m, t) for m, t in rows if m in weights]
    return float(sum(weights[m] * t for m, t in hit)) if hit else None


def _company_target(ctx: Context, start: dt.date, end: dt.date, pro_rata: bool = False,
                    ) -> float | None:
    """targets.company_target(ctx, start, end, "revenue", pro_rata), per period cheaply."""
    weights = _month_weights(start, end, pro_rata)
    rows = _target_rows(ctx)["company"]
    if not rows:
        per_month = ctx.settings.monthly_target
        return None if per_month is None else per_month * sum(weights.values())
    return _weighted(rows, weights)


def _rep_targets(ctx: Context, start: dt.date, end: dt.date, pro_rata: bool = False,
                 ) -> dict[str, float | None]:
    """targets.rep_targets(ctx, start, end, "revenue", pro_rata), per period cheaply."""
    weights = _month_weights(start, end, pro_rata)
    return {rep: _weighted(rows, weights) for rep, rows in _target_rows(ctx)["reps"].items()}


# -- sales_per_rep ----------------------------------------------------------------------------
def _per_rep_source(ctx: Context) -> tuple[str, bool]:
    """(sales source, whether its records carry the rep)."""
    if ctx.has("orders", "rep"):
        return "orders", True
    if ctx.has("deals", "rep"):
        return "won_revenue", True
    return _source(ctx), False


def _per_rep(ctx: Context, total: float, reps: int) -> tuple[float | None, int]:
    n = ctx.settings.number_of_reps
    reps = n if n is not None else reps
    return div(total, reps), reps


def _sales_per_rep(ctx: Context) -> Step[Value]:
    source, with_rep = _per_rep_source(ctx)
    return join(summary=_sales_step(ctx, source), total=_total_step(ctx, source),
                per=_per_step(ctx, source),
                ).then(lambda got: _sales_per_rep_of(ctx, source, with_rep, got))


def _sales_per_rep_of(ctx: Context, source: str, with_rep: bool, got: Got) -> Value:
    summary, total = got["summary"], got["total"]
    reps = (summary.filter(pl.col("rep").is_not_null())
            .select("_pid", _r=pl.col("rep").str.to_lowercase()).unique())
    value, n_reps = _per_rep(ctx, total, reps["_r"].n_unique())
    per_period = [0 if v is None else int(v) for v in per_pid(ctx, reps, pl.len())]
    by_period = labels(ctx, [_per_rep(ctx, t, r)[0]
                             for t, r in zip(got["per"], per_period, strict=True)])
    by = {"rep": breakdown_of(summary, "rep", pl.col("amount").sum())} if with_rep else {}
    setting = " (setting)" if ctx.settings.number_of_reps is not None else ""
    c = ctx.currency
    return Value(value, by_period, by, {"source": source},
                 explanation=f"{money(total, c)} {_source_text(source)} / {num(n_reps)} reps"
                 f"{setting} = {money(value, c)} per rep")


# -- target_attainment ------------------------------------------------------------------------
def _team_sales_step(ctx: Context, source: str) -> Step[dict[str, float] | None]:
    """A team's sales: its records' team; without one, the sales of the reps the targets name
    in the team; None when neither is known."""
    if ctx.has(SOURCE_TABLE[source], "team"):
        return _by_key_step(ctx, source, "team").then(_sums)
    if not ctx.has(SOURCE_TABLE[source], "rep"):
        return done(None)
    return _by_key_step(ctx, source, "rep").then(lambda f: _team_of_reps(ctx, _sums(f)))


def _team_of_reps(ctx: Context, rep_sales: dict[str, float]) -> dict[str, float]:
    members = (monthly(ctx, "revenue").filter(pl.col("rep").is_not_null()
                                              & pl.col("team").is_not_null())
               .select(team=pl.col("team").str.to_lowercase(),
                       rep=pl.col("rep").str.to_lowercase()).unique())
    out: dict[str, float] = {}
    for team, rep in zip(members["team"], members["rep"], strict=True):
        out[team] = out.get(team, 0.0) + rep_sales.get(rep, 0.0)
    return out


def _attainment_by(dim: str, sales: dict[str, float], targets: dict[str, float | None],
                   summary: pl.DataFrame, target_names: pl.DataFrame | None,
                   ) -> dict[str, float | None]:
    names = _names(dim, summary, target_names)
    return {names.get(k, k): pct_of(sales.get(k, 0.0), t) for k, t in _merge(targets).items()}


def _target_attainment(ctx: Context) -> Step[Value]:
    source = _source(ctx)
    steps: dict[str, Step[Any]] = {"total": _total_step(ctx, source),
                                   "per": _per_step(ctx, source)}
    if ctx.has("targets", "rep") and ctx.has(SOURCE_TABLE[source], "rep"):
        steps.update(rep=_by_key_step(ctx, source, "rep").then(_sums),
                     rep_names=_target_names_step(ctx, "rep"))
    if ctx.has("targets", "team"):
        steps.update(team=_team_sales_step(ctx, source),
                     team_names=_target_names_step(ctx, "team"))
    if len(steps) > 2:  # the records' spellings, for the names of the breakdowns
        steps["summary"] = _sales_step(ctx, source)
    return join(**steps).then(lambda got: _attainment(ctx, source, got))


def _attainment(ctx: Context, source: str, got: Got) -> Value:
    sales = got["total"]
    target = _company_target(ctx, ctx.start, ctx.end)
    value = pct_of(sales, target)
    by_period = _attainment_by_period(ctx, got["per"])
    by: dict[str, dict] = {}
    if "rep" in got:
        by["rep"] = _attainment_by("rep", got["rep"], _rep_targets(ctx, ctx.start, ctx.end),
                                   got["summary"], got["rep_names"])
    if got.get("team") is not None:
        by["team"] = _attainment_by("team", got["team"],
                                    team_targets(ctx, ctx.start, ctx.end), got["summary"],
                                    got["team_names"])
    c = ctx.currency
    fallback = (" (settings.monthly_target × months)" if target is not None
                and not _has_revenue_rows(ctx) else "")
    return Value(value, by_period, by, {"source": source},
                 explanation=f"{money(sales, c)} {_source_text(source)} / {money(target, c)} "
                 f"target{fallback} × 100 = {pct(value)}")


def _attainment_by_period(ctx: Context, per: list[float]) -> dict[str, float | None]:
    """Each period's sales / its company target × 100."""
    return labels(ctx, [pct_of(v, _company_target(ctx, p.clip_start, p.clip_end,
                                                   pro_rata=_pro_rata(ctx)))
                        for p, v in zip(ctx.periods, per, strict=True)])


def _has_revenue_rows(ctx: Context) -> bool:
    return monthly(ctx, "revenue").height > 0


# -- quota_attainment_share -------------------------------------------------------------------
def _quota(ctx: Context, sales: dict[str, float], start: dt.date, end: dt.date,
           pro_rata: bool) -> tuple[float | None, int, int]:
    """Reps at ≥ 100 % of a non-zero target / reps with one × 100; (value, meeting, with):
    sales = each rep's sales of [start, end]."""
    quotas = {k: t for k, t in _merge(_rep_targets(ctx, start, end, pro_rata)).items() if t}
    meeting = sum(1 for k, t in quotas.items() if (pct_of(sales.get(k, 0.0), t) or 0) >= 100)
    return pct_of(meeting, len(quotas)), meeting, len(quotas)


def _quota_attainment_share(ctx: Context) -> Step[Value]:
    source = _source(ctx)
    if not ctx.has(SOURCE_TABLE[source], "rep"):
        return done(Value(None, {p.label: None for p in ctx.periods}, extra={"source": source},
                          explanation="orders have no rep: each rep's sales are unknown"))
    return join(range=_by_key_step(ctx, source, "rep"),
                periods=_by_key_step(ctx, source, "rep", per_period=True),
                ).then(lambda got: _quota_share(ctx, source, got))


def _quota_share(ctx: Context, source: str, got: Got) -> Value:
    value, meeting, with_quota = _quota(ctx, _sums(got["range"]), ctx.start, ctx.end, False)
    per: list[dict[str, float]] = [{} for _ in ctx.periods]
    g = got["periods"]
    for i, k, v in zip(g["_pid"], g["_k"], g["amount"], strict=True):
        per[i][k] = float(v or 0.0)
    by_period = labels(ctx, [_quota(ctx, r, p.clip_start, p.clip_end, _pro_rata(ctx))[0]
                             for p, r in zip(ctx.periods, per, strict=True)])
    return Value(value, by_period, extra={"source": source},
                 explanation=f"{num(meeting)} of {num(with_quota)} reps with a quota reached "
                 f"100 % ({_source_text(source)}) = {pct(value)}")


# -- monthly_sales_progress -------------------------------------------------------------------
def _monthly_sales_progress(ctx: Context) -> Step[Value]:
    source = _source(ctx)
    first = month_start(ctx.end)
    mtd = (_records_lf(ctx, source).filter(between("_day", max(first, ctx.start), ctx.end))
           .select(pl.col("amount").sum()))
    return join(per=_per_step(ctx, source), mtd=frame(f"team:mtd:{source}", mtd),
                ).then(lambda got: _progress(ctx, source, got))


def _progress(ctx: Context, source: str, got: Got) -> Value:
    end = ctx.end
    first, last = month_start(end), month_end(end)
    mtd = float(got["mtd"]["amount"][0] or 0.0)
    elapsed = (end - first).days + 1
    projection = mtd / elapsed * days_in_month(end)
    target = _company_target(ctx, first, last)
    value = pct_of(mtd, target)
    projection_pct = pct_of(projection, target)
    by_period = _attainment_by_period(ctx, got["per"])
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
def _pipelines_lf(ctx: Context, ts: list[dt.date]) -> pl.LazyFrame:
    """One row: the open pipeline (Σ amount of deals open) at the end of each day of ts, column
    `_i` for ts[i] (a deal is open from its created day until its close day, a won/lost deal
    with an unknown close day never; a deal without a status is open: as
    pipeline_base.open_expr)."""
    ended = pl.col("status").is_in(["won", "lost"]).fill_null(False)
    ends = (pl.when(~ended).then(pl.lit(dt.date(9999, 12, 31)))
            .when(pl.col("closed").is_null()).then(pl.lit(dt.date(1, 1, 1)))
            .otherwise(pl.col("closed")))
    created, amount = pl.col("created"), pl.col("amount")
    return (deals_lf(ctx).filter(created.is_not_null()).with_columns(_e=ends)
            .select(amount.filter((created <= t) & (pl.col("_e") > t)).sum().alias(f"_{i}")
                    for i, t in enumerate(ts)))


def _next_target(ctx: Context, period_end: dt.date) -> tuple[str, float | None]:
    """The grain period after the one ending on period_end: its label and whole target."""
    label, start, end = period_of(period_end + dt.timedelta(days=1), ctx.grain,
                                  ctx.settings.fiscal_year_start)
    return label, _company_target(ctx, start, end, pro_rata=_pro_rata(ctx))


def _pipeline_coverage(ctx: Context) -> Step[Value]:
    ts = [ctx.end] + [p.clip_end for p in ctx.periods]
    return frame("team:open_pipelines", _pipelines_lf(ctx, ts)).then(
        lambda got: _coverage(ctx, [float(v or 0.0) for v in got.row(0)]))


def _coverage(ctx: Context, pipelines: list[float]) -> Value:
    _, _, last_end = period_of(ctx.end, ctx.grain, ctx.settings.fiscal_year_start)
    pipeline, *at_ends = pipelines
    next_label, target = _next_target(ctx, last_end)
    value = div(pipeline, target)
    by_period = {p.label: div(v, _next_target(ctx, p.end)[1])
                 for p, v in zip(ctx.periods, at_ends, strict=True)}
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
