"""B. Profitability and marketing return, C. Marketing and lead generation.

Marketing conventions (catalogue section 2, "Marketing"): sums treat an empty cell as 0 except
where a KPI counts only the rows having a field; a month row (every date of its file or sheet is
a month's 1st: the ingest's `_month_row`) covers its whole month and counts in an interval pro
rata by the days of the month inside it (community_size excepted).
"""

from __future__ import annotations

import datetime as dt
from itertools import pairwise

import polars as pl

from kpi_engine.catalogue import activities, register
from kpi_engine.catalogue import leads as lead_kpis
from kpi_engine.catalogue.activities import breakdown_of, labels, offsets, period_rows, slices
from kpi_engine.catalogue.spec import KPI, Value
from kpi_engine.context import Context
from kpi_engine.fmt import div, money, num, pct, pct_of
from kpi_engine.measures import NONE_KEY, breakdown, display_names, orders
from kpi_engine.targets import attainment

REV = "orders.revenue|orders.quantity+orders.unit_price"
COST = "orders.cost|orders.profit"
FUNNEL = ("view_content", "add_to_cart", "initiate_checkout", "purchases")


# -- marketing rows in an interval ----------------------------------------------------------------
def _marketing(ctx: Context) -> pl.DataFrame:
    """The marketing rows with `d` (the row's day) and `_mr` (a month row), cached."""
    cache = ctx.__dict__.setdefault("_measure_cache", {})
    if "marketing:rows" not in cache:
        df = ctx.t("marketing")
        assert df is not None
        month_row = (pl.col("_month_row").fill_null(False) if "_month_row" in df.columns
                     else pl.lit(False))
        cache["marketing:rows"] = df.with_row_index("_row").with_columns(
            d=pl.col("date").dt.date(), _mr=month_row)
    return cache["marketing:rows"]


def _weight(start: dt.date | pl.Expr, end: dt.date | pl.Expr) -> pl.Expr:
    """1 for a dated row in [start, end], 0 outside; a month row: its month's share inside."""
    d = pl.col("d")
    first, last = d.dt.month_start(), d.dt.month_end()
    lo = start if isinstance(start, pl.Expr) else pl.lit(start)
    hi = end if isinstance(end, pl.Expr) else pl.lit(end)
    overlap = pl.min_horizontal(last, hi) - pl.max_horizontal(first, lo)
    days = (overlap.dt.total_days() + 1).clip(lower_bound=0)
    inside = ((d >= start) & (d <= end)).cast(pl.Float64)
    return pl.when(pl.col("_mr")).then(days / last.dt.day()).otherwise(inside)


def _rows(ctx: Context, start: dt.date, end: dt.date) -> pl.DataFrame:
    """Marketing rows counting in the interval, with their weight `_w` (1, or a month's share)."""
    m = _marketing(ctx)
    return m.with_columns(_w=_weight(start, end)).filter(pl.col("_w") > 0)


def _w(field: str) -> pl.Expr:
    """A field's weighted contribution, an empty cell as 0."""
    return pl.col(field).fill_null(0.0) * pl.col("_w")


def _sum(df: pl.DataFrame, field: str) -> float:
    return float(df.select(_w(field).sum()).item() or 0.0) if df.height else 0.0


def _having(df: pl.DataFrame, *fields: str) -> pl.DataFrame:
    """The rows where every one of the fields has a value."""
    if not fields:
        return df
    return df.filter(pl.all_horizontal(pl.col(f).is_not_null() for f in fields))


def _ratio_by(df: pl.DataFrame, dim: str, num_expr: pl.Expr, den_expr: pl.Expr,
              scale: float = 1.0, names: dict[str, str] | None = None,
              ) -> dict[str, float | None]:
    """Σ numerator / Σ denominator (× scale) per value of a dimension; None for a zero sum."""
    if names is None:
        names = display_names(df[dim]) if df.height else {}
    nums = breakdown(df, dim, num_expr, names)
    dens = breakdown(df, dim, den_expr, names)
    out: dict[str, float | None] = {}
    for k, n in nums.items():
        q = div(n, dens.get(k))
        out[k] = None if q is None else q * scale
    return out


def _periods(ctx: Context) -> pl.DataFrame:
    """The marketing rows counting in each period with `_pid` and `_w` (1, or the share of a
    month row's month inside the period), cached."""
    cache = ctx.__dict__.setdefault("_measure_cache", {})
    if "marketing:periods" not in cache:
        m = _marketing(ctx)
        dated = period_rows(ctx, m.filter(~pl.col("_mr")), "d").with_columns(_w=pl.lit(1.0))
        spans = pl.DataFrame({"_pid": range(len(ctx.periods)),
                              "_s": [p.clip_start for p in ctx.periods],
                              "_e": [p.clip_end for p in ctx.periods]},
                             schema={"_pid": pl.UInt32, "_s": pl.Date, "_e": pl.Date})
        months = (m.filter(pl.col("_mr") & pl.col("d").is_not_null()).join(spans, how="cross")
                  .with_columns(_w=_weight(pl.col("_s"), pl.col("_e")))
                  .filter(pl.col("_w") > 0))
        cache["marketing:periods"] = pl.concat([dated, months.select(dated.columns)]).sort(
            "_pid", "_row")  # each period's rows in the table's order, as _rows gives them
    return cache["marketing:periods"]


def _period_sums(ctx: Context, fields: tuple[str, ...], having: tuple[str, ...] = (),
                 ) -> list[dict[str, float]]:
    """Per period: {field: weighted Σ} over the rows having every field of `having`."""
    rows = _having(_periods(ctx), *having)
    spans = [(i, a, b - a) for i, (a, b) in enumerate(pairwise(offsets(ctx, rows)))]
    # one select of every period's sums (each the sum _sum gives over the period's rows)
    exprs = [_w(f).slice(a, n).sum().alias(f"{f}#{i}") for i, a, n in spans if n for f in fields]
    sums = rows.select(exprs).row(0, named=True) if exprs else {}
    return [{f: float(sums[f"{f}#{i}"] or 0.0) if n else 0.0 for f in fields}
            for i, _, n in spans]


def _rate(ctx: Context, num_f: str, den_f: str, having: tuple[str, ...] = (),
          scale: float = 100.0) -> tuple[float | None, dict[str, float | None], float, float]:
    """(Σ num / Σ den × scale over the range, by_period, Σ num, Σ den)."""

    def rate(n: float, d: float) -> float | None:
        q = div(n, d)
        return None if q is None else q * scale

    rows = _having(_rows(ctx, ctx.start, ctx.end), *having)
    n, d = _sum(rows, num_f), _sum(rows, den_f)
    sums = _period_sums(ctx, (num_f, den_f), having)
    by_period = labels(ctx, [rate(s[num_f], s[den_f]) for s in sums])
    return rate(n, d), by_period, n, d


# -- B. profitability ---------------------------------------------------------------------------
def _with_cost(df: pl.DataFrame) -> pl.DataFrame:
    """`_cost` (cost, else revenue − profit) and `_ok` (a cost and a revenue) of order lines."""
    cost = pl.coalesce(pl.col("cost"), pl.col("revenue") - pl.col("profit"))
    return df.with_columns(_cost=cost).with_columns(
        _ok=pl.col("_cost").is_not_null() & pl.col("revenue").is_not_null())


def _margins(ctx: Context) -> dict:
    """Σ revenue and rows; Σ revenue, Σ cost and number of the rows with a cost: over the
    range (`total`) and per period (`per`); per (product, channel) of the rows with a cost
    (`lines`: `n` rows, Σ revenue − cost `m`, Σ revenue `rev`), cached."""
    cache = ctx.__dict__.setdefault("_measure_cache", {})
    if "marketing:margins" not in cache:
        rows = _with_cost(period_rows(ctx, orders(ctx), "order_date"))
        ok = rows.filter(pl.col("_ok"))
        total = {"all": rows["revenue"].sum(), "rows": rows.height, "rev": ok["revenue"].sum(),
                 "cost": ok["_cost"].sum(), "n": ok.height}  # eager sums, as before
        per = [{"all": r["revenue"].sum(), "rows": r.height, "rev": k["revenue"].sum(),
                "cost": k["_cost"].sum(), "n": k.height}
               for r, k in zip(slices(ctx, rows), slices(ctx, ok), strict=True)]
        lines = ok.lazy().group_by("product", "channel").agg(
            n=pl.len(), m=(pl.col("revenue") - pl.col("_cost")).sum(),
            rev=pl.col("revenue").sum()).collect()
        cache["marketing:margins"] = {"total": total, "per": per, "lines": lines}
    return cache["marketing:margins"]


def _margin_of(r: dict) -> tuple[float | None, float, float]:
    """(margin %, Σ revenue, Σ cost) of the lines with a cost."""
    rev = float(r["rev"] or 0.0) if r["n"] else 0.0
    cost = float(r["cost"] or 0.0) if r["n"] else 0.0
    return pct_of(rev - cost, rev), rev, cost


def _gross_margin(ctx: Context) -> Value:
    m = _margins(ctx)
    value, rev, cost = _margin_of(m["total"])
    by_period = labels(ctx, [_margin_of(r)[0] for r in m["per"]])
    n = int(m["total"]["n"])
    # per (product, channel) first: a group_by's float sums over many rows vary in the last bit
    # from run to run anyway (they did before as well)
    by = {d: activities.ratio_of(m["lines"], d, "m", "rev", 100.0)
          for d in ("product", "channel") if ctx.has("orders", d)}
    return Value(value, by_period, by,
                 explanation=f"({money(rev, ctx.currency)} − {money(cost, ctx.currency)}) / "
                 f"{money(rev, ctx.currency)} × 100 = {pct(value)} "
                 f"({num(n)} order lines with a cost)")


def _profit_of(ctx: Context, r: dict, start: dt.date, end: dt.date,
               ) -> tuple[float | None, float | None, float, float]:
    margin = _margin_of(r)[0]
    months = ctx.months(start, end)
    rev = float(r["all"] or 0.0) if r["rows"] else 0.0
    monthly = div(rev, months)
    value = None if margin is None or monthly is None else margin / 100 * monthly
    return value, margin, rev, months


def _monthly_profit(ctx: Context) -> Value:
    m = _margins(ctx)
    value, margin, rev, months = _profit_of(ctx, m["total"], ctx.start, ctx.end)
    by_period = labels(ctx, [_profit_of(ctx, r, p.clip_start, p.clip_end)[0]
                              for p, r in zip(ctx.periods, m["per"], strict=True)])
    monthly = div(rev, months)
    return Value(value, by_period,
                 extra={"gross_margin_pct": margin, "average_monthly_revenue": monthly},
                 explanation=f"{pct(margin)} × {money(rev, ctx.currency)} / {num(months)} "
                 f"months = {money(value, ctx.currency)} per month")


def _marketing_roi(ctx: Context) -> Value:
    field = "attributed_revenue"
    rows = _having(_rows(ctx, ctx.start, ctx.end), field)
    rev, cost = _sum(rows, field), _sum(rows, "cost")
    value = pct_of(rev - cost, cost)
    by_period = labels(ctx, [pct_of(s[field] - s["cost"], s["cost"])
                              for s in _period_sums(ctx, (field, "cost"), (field,))])
    gain = rows.with_columns(_g=_w(field) - _w("cost"))
    by = {d: _ratio_by(gain, d, pl.col("_g").sum(), _w("cost").sum(), 100.0)
          for d in ("campaign", "channel") if ctx.has("marketing", d)}
    return Value(value, by_period, by,
                 explanation=f"({money(rev, ctx.currency)} − {money(cost, ctx.currency)}) / "
                 f"{money(cost, ctx.currency)} × 100 = {pct(value)} "
                 f"(rows with attributed revenue)")


def _value_per_session(ctx: Context) -> Value:
    value, by_period, rev, sessions = _rate(ctx, "attributed_revenue", "sessions", scale=1.0)
    rng = _rows(ctx, ctx.start, ctx.end)
    clicked = _having(rng, "clicks")
    cpc = div(_sum(clicked, "cost"), _sum(clicked, "clicks"))
    by: dict[str, dict] = {}
    extra: dict[str, object] = {"cost_per_click": cpc}
    if ctx.has("marketing", "channel"):
        names = display_names(rng["channel"]) if rng.height else {}
        vps = _ratio_by(rng, "channel", _w("attributed_revenue").sum(), _w("sessions").sum(),
                        names=names)
        cpcs = _ratio_by(clicked, "channel", _w("cost").sum(), _w("clicks").sum(), names=names)
        # keyed like by.channel (a channel of the range without clicks: n/a)
        cpc_by = {k: cpcs.get(k) for k in vps}
        by["channel"] = vps
        extra["cost_per_click_by_channel"] = cpc_by
        extra["earns_more_than_click_costs"] = {
            k: (None if v is None or cpc_by[k] is None else bool(v > cpc_by[k]))
            for k, v in vps.items()}
    return Value(value, by_period, by, extra,
                 explanation=f"{money(rev, ctx.currency)} / {num(sessions)} sessions = "
                 f"{money(value, ctx.currency)} per session; cost per click "
                 f"{money(cpc, ctx.currency)}")


def _cost_per_click(ctx: Context) -> Value:
    value, by_period, cost, clicks = _rate(ctx, "cost", "clicks", ("clicks",), scale=1.0)
    return Value(value, by_period,
                 explanation=f"{money(cost, ctx.currency)} / {num(clicks)} clicks = "
                 f"{money(value, ctx.currency)} (rows with clicks)")


# -- C. leads ----------------------------------------------------------------------------------
def _lead_counts(ctx: Context) -> tuple[float, list[float]]:
    """Leads counted over the range and per period: rows of the leads table when there is one,
    else Σ marketing.leads."""
    if ctx.t("leads") is not None:
        n = [float(v) for v in lead_kpis.counts(ctx)]
        return float(sum(n)), n
    return (_sum(_rows(ctx, ctx.start, ctx.end), "leads"),
            [s["leads"] for s in _period_sums(ctx, ("leads",))])


def _leads_generated(ctx: Context) -> Value:
    value, per = _lead_counts(ctx)
    by_period = labels(ctx, per)
    by: dict[str, dict] = {}
    if ctx.t("leads") is not None:
        source = "leads created"
        if ctx.has("leads", "channel"):
            by["channel"] = breakdown_of(lead_kpis.summary(ctx), "channel",
                                         pl.col("n").sum().cast(pl.Float64))
    else:
        source = "Σ marketing leads"
        if ctx.has("marketing", "channel"):
            by["channel"] = breakdown(_rows(ctx, ctx.start, ctx.end), "channel",
                                      _w("leads").sum())
    explanation = f"{num(value)} ({source}, {ctx.range_label})"
    extra: dict[str, float | None] = {}
    status = None
    against = attainment(ctx, value, "leads")
    if against is not None:
        target, att, status = against
        extra = {"target": target, "attainment_pct": att}
        explanation += f"; {num(value)} / target {num(target)} × 100 = {pct(att)}"
    return Value(value, by_period, by, extra, explanation, status)


def _lead_share(ctx: Context) -> Value:
    rng = lead_kpis.summary(ctx)
    total = int(rng["n"].sum()) if rng.height else 0
    by = {d: {k: pct_of(v, total) for k, v in breakdown_of(rng, d, pl.col("n").sum()).items()}
          for d in ("rep", "channel") if ctx.has("leads", d)}
    parts = []
    for d, shares in by.items():
        if shares:
            top = max(shares.items(), key=lambda kv: kv[1] or 0)
            parts.append(f"largest {d}: {top[0]} {pct(top[1])}")
    return Value(None, {}, by, explanation=f"{num(total)} leads in {ctx.range_label}"
                 + (f"; {', '.join(parts)}" if parts else ""))


def _cpl_parts(ctx: Context) -> tuple[tuple[float, float], list[tuple[float, float]]]:
    """(marketing cost, leads) of the range and of each period for cost_per_lead."""
    leads, per = _lead_counts(ctx)
    if ctx.t("marketing") is None:
        per_month = ctx.settings.marketing_costs_per_month or 0.0
        return ((per_month * ctx.months(ctx.start, ctx.end), leads),
                [(per_month * ctx.months(p.clip_start, p.clip_end), n)
                 for p, n in zip(ctx.periods, per, strict=True)])
    having = ("leads",) if ctx.t("leads") is None else ()  # marketing.leads: rows with leads
    rows = _having(_rows(ctx, ctx.start, ctx.end), *having)
    costs = [s["cost"] for s in _period_sums(ctx, ("cost",), having)]
    return (_sum(rows, "cost"), leads), list(zip(costs, per, strict=True))


def _cpl_by(ctx: Context, dim: str) -> dict[str, float | None] | None:
    """Per marketing channel / campaign: its cost / its leads (None: no breakdown)."""
    if ctx.t("marketing") is None or not ctx.has("marketing", dim):
        return None
    rows = _rows(ctx, ctx.start, ctx.end)
    if ctx.t("leads") is not None and ctx.has("leads", dim):
        names = display_names(rows[dim]) if rows.height else {}
        costs = (rows.with_columns(_k=pl.col(dim).str.to_lowercase())
                 .group_by("_k").agg(_c=_w("cost").sum()))
        joined = costs.join(lead_kpis.count_by(ctx, dim), on="_k", how="left", nulls_equal=True).sort(
            "_k", nulls_last=True)
        return {(names.get(k, k) if k is not None else NONE_KEY): div(c, n)
                for k, c, n in zip(joined["_k"], joined["_c"], joined["_n"], strict=True)}
    if ctx.has("marketing", "leads"):
        return _ratio_by(_having(rows, "leads"), dim, _w("cost").sum(), _w("leads").sum())
    return None


def _cost_per_lead(ctx: Context) -> Value:
    source = "marketing" if ctx.t("marketing") is not None else "settings"
    (cost, leads), per = _cpl_parts(ctx)
    value = div(cost, leads)
    by_period = labels(ctx, [div(c, n) for c, n in per])
    by: dict[str, dict] = {}
    for d in ("channel", "campaign"):
        b = _cpl_by(ctx, d)
        if b is not None:
            by[d] = b
    where = ("marketing cost" if source == "marketing" else
             f"marketing_costs_per_month {money(ctx.settings.marketing_costs_per_month)} × "
             f"{num(ctx.months())} months")
    return Value(value, by_period, by, {"cost_source": source},
                 explanation=f"{money(cost, ctx.currency)} ({where}) / {num(leads)} leads = "
                 f"{money(value, ctx.currency)}")


def _visitor_to_lead(ctx: Context) -> Value:
    leads, per = _lead_counts(ctx)
    visitors = _sum(_rows(ctx, ctx.start, ctx.end), "visitors")
    value = pct_of(leads, visitors)
    by_period = labels(ctx, [pct_of(n, s["visitors"])
                              for n, s in zip(per, _period_sums(ctx, ("visitors",)), strict=True)])
    return Value(value, by_period, explanation=f"{num(leads)} leads / {num(visitors)} visitors "
                 f"× 100 = {pct(value)}")


def _website_conversion(ctx: Context) -> Value:
    value, by_period, conv, visitors = _rate(ctx, "conversions", "visitors")
    return Value(value, by_period, explanation=f"{num(conv)} conversions / {num(visitors)} "
                 f"visitors × 100 = {pct(value)}")


def _engagement(ctx: Context) -> Value:
    value, by_period, eng, impr = _rate(ctx, "engagements", "impressions",
                                        ("engagements", "impressions"))
    return Value(value, by_period, explanation=f"{num(eng)} engagements / {num(impr)} "
                 f"impressions × 100 = {pct(value)} (rows having both)")


def _latest_community(rows: pl.DataFrame, by: tuple[str, ...] = ()) -> pl.DataFrame:
    """Σ over channels of each channel's latest community size (`_s`), per `by`."""
    k = pl.col("channel").str.to_lowercase()
    latest = (rows.with_columns(_k=k).filter(pl.col("d") == pl.col("d").max().over("_k", *by))
              .group_by("_k", *by).agg(_s=pl.col("community_size").max()))
    return latest.group_by(*by).agg(pl.col("_s").sum()) if by else latest.select(
        pl.col("_s").sum())


def _social_conversion(ctx: Context) -> Value:
    rows = _having(_rows(ctx, ctx.start, ctx.end), "community_size")
    conv = _sum(rows, "conversions")
    community = float(_latest_community(rows)["_s"].item() or 0.0) if rows.height else 0.0
    value = pct_of(conv, community)
    per: list = [None] * len(ctx.periods)
    rows = _having(_periods(ctx), "community_size")
    if rows.height:
        sums = _period_sums(ctx, ("conversions",), ("community_size",))
        for i, c in zip(*_latest_community(rows, ("_pid",)).get_columns(), strict=True):
            per[i] = pct_of(sums[i]["conversions"], float(c or 0.0))
    return Value(value, labels(ctx, per), explanation=f"{num(conv)} conversions / "
                 f"{num(community)} community users (latest per channel) × 100 = {pct(value)}")


# -- e-mail --------------------------------------------------------------------------------------
def _email_open_rate(ctx: Context) -> Value:
    """From activities when they have an outcome and e-mails exist, else marketing."""
    if not activities.has_emails(ctx) and ctx.t("marketing") is not None and ctx.has(
            "marketing", "emails_sent"):
        value, by_period, hit, n = _rate(ctx, "emails_opened", "emails_sent")
        return Value(value, by_period, extra={"source": "marketing"},
                     explanation=f"{num(hit)} e-mails opened / {num(n)} sent × 100 = "
                     f"{pct(value)}")
    value, hits, hit, n = activities.email_rate(ctx, ("opened", "replied"))
    by_period = labels(ctx, hits)
    return Value(value, by_period, extra={"source": "activities"},
                 explanation=f"{num(hit)} opened or replied / {num(n)} e-mail activities × 100 "
                 f"= {pct(value)}")


def _email_reply_rate(ctx: Context) -> Value:
    value, hits, hit, n = activities.email_rate(ctx, ("replied",))
    by = {"rep": activities.reply_rate_by_rep(ctx)} if ctx.has("activities", "rep") else {}
    return Value(value, labels(ctx, hits), by, explanation=f"{num(hit)} replied / {num(n)} e-mail "
                 f"activities × 100 = {pct(value)}")


# -- mentions and the shop funnel ------------------------------------------------------------
def _brand_mentions(ctx: Context) -> Value:
    value = _sum(_rows(ctx, ctx.start, ctx.end), "mentions")
    by_period = labels(ctx, [s["mentions"] for s in _period_sums(ctx, ("mentions",))])
    return Value(value, by_period, explanation=f"Σ mentions = {num(value)} ({ctx.range_label})")


def _steps(sums: dict[str, float]) -> dict[str, float | None]:
    return {f"{a}->{b}": pct_of(sums[b], sums[a]) for a, b in pairwise(FUNNEL)}


def _weakest(steps: dict[str, float | None]) -> tuple[str | None, float | None]:
    known = [(k, v) for k, v in steps.items() if v is not None]
    if not known:
        return None, None
    return min(known, key=lambda kv: kv[1])  # ties: the earlier step


def _ecommerce_funnel(ctx: Context) -> Value:
    rows = _having(_rows(ctx, ctx.start, ctx.end), *FUNNEL)
    sums = {f: _sum(rows, f) for f in FUNNEL}
    steps = _steps(sums)
    step, value = _weakest(steps)
    by_period = labels(ctx, [_weakest(_steps(s))[1]
                              for s in _period_sums(ctx, FUNNEL, FUNNEL)])
    flow = " → ".join(f"{num(sums[f])} {f}" for f in FUNNEL)
    return Value(value, by_period, {"step": steps}, {"weakest_step": step},
                 explanation=f"{flow}; weakest step {step}: {pct(value)}")


register(
    KPI("gross_margin", "Average profit margin", "B", "percent", "higher", "rate",
        "(Revenue − Direct costs) / Revenue × 100 (rows with a cost; revenue-weighted)",
        f"{REV}, {COST}", _gross_margin, source="S0#2, S3#33"),
    KPI("monthly_profit_estimate", "Monthly profit estimate", "B", "money", "higher", "rate",
        "Gross margin × Average monthly revenue", f"{REV}, {COST}", _monthly_profit,
        ("gross_margin_pct", "average_monthly_revenue"), source="S3#33"),
    KPI("marketing_roi", "Marketing ROI", "B", "percent", "higher", "rate",
        "(Attributed revenue − Campaign cost) / Campaign cost × 100",
        "marketing.attributed_revenue", _marketing_roi, source="S2"),
    KPI("value_per_session", "Value per session", "B", "money", "higher", "rate",
        "Attributed revenue / Sessions, compared with cost per click = Cost / Clicks",
        "marketing.attributed_revenue+marketing.sessions", _value_per_session,
        ("cost_per_click", "cost_per_click_by_channel", "earns_more_than_click_costs"),
        source="S3#21"),
    KPI("cost_per_click", "Cost per click", "B", "money", "lower", "rate", "Cost / Clicks",
        "marketing.clicks", _cost_per_click, source="S3#21"),
    KPI("leads_generated", "Leads generated", "C", "count", "higher", "flow",
        "count of leads created", "leads|marketing.leads", _leads_generated,
        ("target", "attainment_pct"), source="S2, S3#1"),
    KPI("lead_share", "Share of leads", "C", "percent", "neutral", "breakdown",
        "leads of a rep or channel / all leads × 100", "leads", _lead_share, source="S3#1"),
    KPI("cost_per_lead", "Average cost per lead", "C", "money", "lower", "rate",
        "Total campaign cost / Number of leads generated",
        "marketing|settings.marketing_costs_per_month, leads|marketing.leads", _cost_per_lead,
        ("cost_source",), source="S0#14"),
    KPI("visitor_to_lead_rate", "Visitor-to-lead conversion", "C", "percent", "higher", "rate",
        "Leads / Visitors × 100", "marketing.visitors, leads|marketing.leads", _visitor_to_lead,
        source="S3#11"),
    KPI("website_conversion_rate", "Website conversion rate", "C", "percent", "higher", "rate",
        "Desired actions (conversions) / Visitors × 100",
        "marketing.conversions+marketing.visitors", _website_conversion, source="S2"),
    KPI("engagement_rate", "Engagement rate", "C", "percent", "higher", "rate",
        "(Likes + comments + shares + clicks) / Impressions × 100",
        "marketing.engagements+marketing.impressions", _engagement, source="S2"),
    KPI("social_conversion_rate", "Community conversion rate", "C", "percent", "higher", "rate",
        "Conversions / Community users × 100", "marketing.conversions+marketing.community_size",
        _social_conversion, source="S2"),
    KPI("email_open_rate", "E-mail open rate", "C", "percent", "higher", "rate",
        "Opened e-mails / Sent e-mails × 100", "activities.outcome|marketing.emails_sent",
        _email_open_rate, ("source",), source="S3#4"),
    KPI("email_reply_rate", "E-mail reply rate", "C", "percent", "higher", "rate",
        "Replied e-mails / Sent e-mails × 100", "activities.outcome", _email_reply_rate,
        source="S0 (reply rates)"),
    KPI("brand_mentions", "Brand mentions", "C", "count", "higher", "flow", "Σ mentions",
        "marketing.mentions", _brand_mentions, source="S3#10"),
    KPI("ecommerce_funnel", "Shop funnel", "C", "percent", "higher", "rate",
        "step conversion: view content → add to cart → initiate checkout → purchase, "
        "each step / previous × 100",
        "marketing.view_content+marketing.add_to_cart+marketing.initiate_checkout"
        "+marketing.purchases", _ecommerce_funnel, ("weakest_step",), source="S3#9"),
)
