"""B. Profitability and marketing return, C. Marketing and lead generation.

Marketing conventions (catalogue section 2, "Marketing"): sums treat an empty cell as 0 except
where a KPI counts only the rows having a field; a month row (every date of its file or sheet is
a month's 1st: the ingest's `_month_row`) covers its whole month and counts in an interval pro
rata by the days of the month inside it (community_size excepted).

Plans: the margins aggregate the range's order lines once per period (and per product and
channel for the breakdowns); the marketing KPIs read `marketing_base.sums` (every measure's
weighted Σ per period and over the range, one frame per set of fields the rows must have, shared
by every KPI needing that set) and breakdowns of the range's marketing rows; leads are counted
by `leads.summary` and e-mails by `marketing_base.emails` (email_open_rate plans the activities
and the marketing frames and picks one in its finish: whether the activities have an e-mail is
known once collected). Every finish works on those small frames.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from itertools import pairwise

import polars as pl

from kpi_engine.catalogue import leads as lead_kpis
from kpi_engine.catalogue import register
from kpi_engine.catalogue.marketing_base import (
    FUNNEL,
    Sums,
    community,
    emails,
    has_emails,
    range_rows,
    rate,
    ratio_by,
    ratio_dict,
    ratio_of,
    totals,
    w,
)
from kpi_engine.catalogue.spec import KPI, Value
from kpi_engine.context import Context
from kpi_engine.fmt import div, money, num, pct, pct_of
from kpi_engine.measures import (
    NONE_KEY,
    breakdown_dict,
    breakdown_lf,
    breakdown_of,
    labels,
    per_pid,
    range_lines,
)
from kpi_engine.plan import Step, done, frame, join
from kpi_engine.targets import against_target

REV = "orders.revenue|orders.quantity+orders.unit_price"
COST = "orders.cost|orders.profit"


# -- B. profitability ---------------------------------------------------------------------------
def _cost_rows(ctx: Context) -> pl.LazyFrame:
    """The range's order lines with `_pid`, `_cost` (cost, else revenue − profit) and `_ok` (a
    cost and a revenue)."""
    cost = pl.coalesce(pl.col("cost"), pl.col("revenue") - pl.col("profit"))
    return (range_lines(ctx).with_columns(_cost=cost)
            .with_columns(_ok=pl.col("_cost").is_not_null() & pl.col("revenue").is_not_null()))


MARGIN_PARTS = ("all", "rows", "rev", "cost", "n")


def _margins(ctx: Context) -> Step[tuple[dict, list[dict]]]:
    """Σ revenue and rows; Σ revenue, Σ cost and number of the rows with a cost: over the
    range and per period."""
    ok, revenue = pl.col("_ok"), pl.col("revenue")
    per = _cost_rows(ctx).group_by("_pid").agg(
        all=revenue.sum(), rows=pl.len(), rev=revenue.filter(ok).sum(),
        cost=pl.col("_cost").filter(ok).sum(), n=ok.sum())

    def finish(got: pl.DataFrame) -> tuple[dict, list[dict]]:
        whole = {c: got[c].sum() for c in MARGIN_PARTS}
        parts = [dict.fromkeys(MARGIN_PARTS, 0) for _ in ctx.periods]
        for row in got.iter_rows(named=True):
            parts[row["_pid"]] = row
        return whole, parts
    return frame("marketing:margins", per).then(finish)


def _margin_lines(ctx: Context) -> Step[pl.DataFrame]:
    """Per (product, channel) of the range's lines with a cost: `n` lines, Σ revenue − cost
    `m`, Σ revenue `rev`."""
    lines = _cost_rows(ctx).filter(pl.col("_ok")).group_by("product", "channel").agg(
        n=pl.len(), m=(pl.col("revenue") - pl.col("_cost")).sum(), rev=pl.col("revenue").sum())
    return frame("marketing:margin_lines", lines)


def _margin_of(r: dict) -> tuple[float | None, float, float]:
    """(margin %, Σ revenue, Σ cost) of the lines with a cost."""
    rev = float(r["rev"] or 0.0) if r["n"] else 0.0
    cost = float(r["cost"] or 0.0) if r["n"] else 0.0
    return pct_of(rev - cost, rev), rev, cost


def _gross_margin(ctx: Context) -> Step[Value]:
    dims = [d for d in ("product", "channel") if ctx.has("orders", d)]

    def finish(got: dict) -> Value:
        whole, per = got["margins"]
        value, rev, cost = _margin_of(whole)
        # per (product, channel) first: a group_by's float sums over many rows vary in the last
        # bit from run to run anyway
        by = {d: ratio_of(got["lines"], d, "m", "rev", 100.0) for d in dims}
        return Value(value, labels(ctx, [_margin_of(r)[0] for r in per]), by,
                     explanation=f"({money(rev, ctx.currency)} − {money(cost, ctx.currency)}) / "
                     f"{money(rev, ctx.currency)} × 100 = {pct(value)} "
                     f"({num(int(whole['n']))} order lines with a cost)")
    lines = _margin_lines(ctx) if dims else done(None)
    return join(margins=_margins(ctx), lines=lines).then(finish)


def _profit_of(ctx: Context, r: dict, start: dt.date, end: dt.date,
               ) -> tuple[float | None, float | None, float, float]:
    margin = _margin_of(r)[0]
    months = ctx.months(start, end)
    rev = float(r["all"] or 0.0) if r["rows"] else 0.0
    monthly = div(rev, months)
    value = None if margin is None or monthly is None else margin / 100 * monthly
    return value, margin, rev, months


def _monthly_profit(ctx: Context) -> Step[Value]:
    def finish(m: tuple[dict, list[dict]]) -> Value:
        whole, per = m
        value, margin, rev, months = _profit_of(ctx, whole, ctx.start, ctx.end)
        by_period = labels(ctx, [_profit_of(ctx, r, p.clip_start, p.clip_end)[0]
                                 for p, r in zip(ctx.periods, per, strict=True)])
        monthly = div(rev, months)
        return Value(value, by_period,
                     extra={"gross_margin_pct": margin, "average_monthly_revenue": monthly},
                     explanation=f"{pct(margin)} × {money(rev, ctx.currency)} / {num(months)} "
                     f"months = {money(value, ctx.currency)} per month")
    return _margins(ctx).then(finish)


def _marketing_roi(ctx: Context) -> Step[Value]:
    field = "attributed_revenue"
    rows = range_rows(ctx, field)
    by = {d: ratio_by(f"marketing:roi_by:{d}", rows, d, (w(field) - w("cost")).sum(),
                       w("cost").sum(), 100.0)
          for d in ("campaign", "channel") if ctx.has("marketing", d)}

    def finish(got: dict) -> Value:
        whole, per = got["sums"]
        rev, cost = whole[field], whole["cost"]
        value = pct_of(rev - cost, cost)
        by_period = labels(ctx, [pct_of(s[field] - s["cost"], s["cost"]) for s in per])
        return Value(value, by_period, {d: got[d] for d in by},
                     explanation=f"({money(rev, ctx.currency)} − {money(cost, ctx.currency)}) / "
                     f"{money(cost, ctx.currency)} × 100 = {pct(value)} "
                     f"(rows with attributed revenue)")
    return join(sums=totals(ctx, field), **by).then(finish)


def _session_values(ctx: Context) -> Step[pl.DataFrame]:
    """Per channel of the range's rows: Σ attributed revenue and sessions; Σ cost and clicks
    of the rows with clicks."""
    clicked = pl.col("clicks").is_not_null()
    g = breakdown_lf(range_rows(ctx), "channel", rev=w("attributed_revenue").sum(),
                     sessions=w("sessions").sum(), cost=w("cost").filter(clicked).sum(),
                     clicks=w("clicks").filter(clicked).sum())
    return frame("marketing:session_values_by_channel", g)


def _by_channel(got: pl.DataFrame) -> tuple[dict, dict, dict]:
    """(value per session, cost per click, earns more than click costs) per channel."""
    vps = ratio_dict(got, "rev", "sessions")
    cpc_by = ratio_dict(got, "cost", "clicks")  # a channel of the range without clicks: n/a
    earns = {k: (None if v is None or cpc_by[k] is None else bool(v > cpc_by[k]))
             for k, v in vps.items()}
    return vps, cpc_by, earns


def _value_per_session(ctx: Context) -> Step[Value]:
    channel = _session_values(ctx) if ctx.has("marketing", "channel") else done(None)

    def finish(got: dict) -> Value:
        value, by_period, rev, sessions = got["rate"]
        clicked = got["clicked"][0]
        cpc = div(clicked["cost"], clicked["clicks"])
        by: dict[str, dict] = {}
        extra: dict[str, object] = {"cost_per_click": cpc}
        if got["channel"] is not None:
            by["channel"], cpc_by, earns = _by_channel(got["channel"])
            extra["cost_per_click_by_channel"] = cpc_by
            extra["earns_more_than_click_costs"] = earns
        return Value(value, by_period, by, extra,
                     explanation=f"{money(rev, ctx.currency)} / {num(sessions)} sessions = "
                     f"{money(value, ctx.currency)} per session; cost per click "
                     f"{money(cpc, ctx.currency)}")
    per_session = rate(ctx, "attributed_revenue", "sessions", scale=1.0)
    return join(rate=per_session, clicked=totals(ctx, "clicks"), channel=channel).then(finish)


def _cost_per_click(ctx: Context) -> Step[Value]:
    def finish(r: tuple) -> Value:
        value, by_period, cost, clicks = r
        return Value(value, by_period,
                     explanation=f"{money(cost, ctx.currency)} / {num(clicks)} clicks = "
                     f"{money(value, ctx.currency)} (rows with clicks)")
    return rate(ctx, "cost", "clicks", ("clicks",), scale=1.0).then(finish)


# -- C. leads ----------------------------------------------------------------------------------
def _lead_counts(ctx: Context) -> Step[tuple[float, list[float]]]:
    """Leads counted over the range and per period: rows of the leads table when there is one,
    else Σ marketing.leads."""
    if ctx.lf("leads") is not None:
        def counted(lines: pl.DataFrame) -> tuple[float, list[float]]:
            n = [float(v) for v in lead_kpis.counts(ctx, lines)]
            return float(sum(n)), n
        return lead_kpis.summary(ctx).then(counted)
    return totals(ctx).then(lambda s: (s[0]["leads"], [p["leads"] for p in s[1]]))


def _leads_by_channel(ctx: Context) -> Step[dict | None]:
    if ctx.lf("leads") is not None:
        if not ctx.has("leads", "channel"):
            return done(None)
        return lead_kpis.summary(ctx).then(
            lambda lines: breakdown_of(lines, "channel", pl.col("n").sum().cast(pl.Float64)))
    if not ctx.has("marketing", "channel"):
        return done(None)
    g = breakdown_lf(range_rows(ctx), "channel", v=w("leads").sum())
    return frame("marketing:leads_by_channel", g).then(lambda got: breakdown_dict(got, "v"))


def _leads_generated(ctx: Context) -> Step[Value]:
    source = "leads created" if ctx.lf("leads") is not None else "Σ marketing leads"

    def finish(got: dict) -> Value:
        value, per = got["counts"]
        by = {} if got["channel"] is None else {"channel": got["channel"]}
        extra, against, status = against_target(ctx, value, "leads")
        return Value(value, labels(ctx, per), by, extra,
                     f"{num(value)} ({source}, {ctx.range_label}){against}", status)
    return join(counts=_lead_counts(ctx), channel=_leads_by_channel(ctx)).then(finish)


def _lead_share(ctx: Context) -> Step[Value]:
    def finish(rng: pl.DataFrame) -> Value:
        n = int(rng["n"].sum()) if rng.height else 0
        by = {d: {k: pct_of(v, n) for k, v in breakdown_of(rng, d, pl.col("n").sum()).items()}
              for d in ("rep", "channel") if ctx.has("leads", d)}
        parts = []
        for d, shares in by.items():
            if shares:
                top = max(shares.items(), key=lambda kv: kv[1] or 0)
                parts.append(f"largest {d}: {top[0]} {pct(top[1])}")
        return Value(None, {}, by, explanation=f"{num(n)} leads in {ctx.range_label}"
                     + (f"; {', '.join(parts)}" if parts else ""))
    return lead_kpis.summary(ctx).then(finish)


CplParts = tuple[tuple[float, float], list[tuple[float, float]]]


def _cpl_parts(ctx: Context) -> Step[CplParts]:
    """(marketing cost, leads) of the range and of each period for cost_per_lead."""
    if ctx.lf("marketing") is None:
        per_month = ctx.settings.marketing_costs_per_month or 0.0

        def from_settings(counted: tuple[float, list[float]]) -> CplParts:
            leads, per = counted
            return ((per_month * ctx.months(ctx.start, ctx.end), leads),
                    [(per_month * ctx.months(p.clip_start, p.clip_end), n)
                     for p, n in zip(ctx.periods, per, strict=True)])
        return _lead_counts(ctx).then(from_settings)
    having = ("leads",) if ctx.lf("leads") is None else ()  # marketing.leads: rows with leads

    def from_marketing(got: dict) -> CplParts:
        (leads, per), (whole, costs) = got["counts"], got["costs"]
        return (whole["cost"], leads), [(c["cost"], n) for c, n in zip(costs, per, strict=True)]
    return join(counts=_lead_counts(ctx), costs=totals(ctx, *having)).then(from_marketing)


def _cost_over_leads(costs: pl.DataFrame, leads: pl.DataFrame) -> dict[str, float | None]:
    """A breakdown's cost `_c` / the leads `_n` of the same lower-cased value."""
    n = dict(zip(leads["_k"], leads["_n"], strict=True))
    names = costs.select(pl.coalesce("_name", "_k").fill_null(NONE_KEY)).to_series()
    return {name: div(c, n.get(k)) for name, k, c in zip(names, costs["_k"], costs["_c"],
                                                          strict=True)}


def _cpl_by(ctx: Context, dim: str) -> Step[dict[str, float | None]] | None:
    """Per marketing channel / campaign: its cost / its leads (None: no breakdown)."""
    if ctx.lf("marketing") is None or not ctx.has("marketing", dim):
        return None
    if ctx.lf("leads") is not None and ctx.has("leads", dim):
        costs = frame(f"marketing:cost_by:{dim}",
                      breakdown_lf(range_rows(ctx), dim, _c=w("cost").sum()))
        return join(costs=costs, leads=lead_kpis.count_by(ctx, dim)).then(
            lambda got: _cost_over_leads(got["costs"], got["leads"]))
    if ctx.has("marketing", "leads"):
        return ratio_by(f"marketing:cost_per_lead_by:{dim}", range_rows(ctx, "leads"), dim,
                         w("cost").sum(), w("leads").sum())
    return None


def _cost_per_lead(ctx: Context) -> Step[Value]:
    source = "marketing" if ctx.lf("marketing") is not None else "settings"
    by = {d: s for d in ("channel", "campaign") if (s := _cpl_by(ctx, d)) is not None}

    def finish(got: dict) -> Value:
        (cost, leads), per = got["parts"]
        value = div(cost, leads)
        where = ("marketing cost" if source == "marketing" else
                 f"marketing_costs_per_month {money(ctx.settings.marketing_costs_per_month)} × "
                 f"{num(ctx.months())} months")
        return Value(value, labels(ctx, [div(c, n) for c, n in per]), {d: got[d] for d in by},
                     {"cost_source": source},
                     explanation=f"{money(cost, ctx.currency)} ({where}) / {num(leads)} leads = "
                     f"{money(value, ctx.currency)}")
    return join(parts=_cpl_parts(ctx), **by).then(finish)


def _visitor_to_lead(ctx: Context) -> Step[Value]:
    def finish(got: dict) -> Value:
        (leads, per), (whole, sums_per) = got["counts"], got["sums"]
        visitors = whole["visitors"]
        value = pct_of(leads, visitors)
        by_period = labels(ctx, [pct_of(n, s["visitors"])
                                 for n, s in zip(per, sums_per, strict=True)])
        return Value(value, by_period, explanation=f"{num(leads)} leads / {num(visitors)} "
                     f"visitors × 100 = {pct(value)}")
    return join(counts=_lead_counts(ctx), sums=totals(ctx)).then(finish)


def _rate_kpi(num_f: str, den_f: str, having: tuple[str, ...],
              text: Callable[[float | None, float, float], str]) -> Callable[[Context], Step]:
    """A KPI Σ num / Σ den × 100 (over the rows having the fields), explained by text."""
    def compute(ctx: Context) -> Step[Value]:
        def finish(r: tuple) -> Value:
            value, by_period, n, d = r
            return Value(value, by_period, explanation=text(value, n, d))
        return rate(ctx, num_f, den_f, having).then(finish)
    return compute


_website_conversion = _rate_kpi(
    "conversions", "visitors", (),
    lambda v, n, d: f"{num(n)} conversions / {num(d)} visitors × 100 = {pct(v)}")
_engagement = _rate_kpi(
    "engagements", "impressions", ("engagements", "impressions"),
    lambda v, n, d: f"{num(n)} engagements / {num(d)} impressions × 100 = {pct(v)} "
    "(rows having both)")


def _social_conversion(ctx: Context) -> Step[Value]:
    def finish(got: dict) -> Value:
        (whole, per), c = got["sums"], got["community"]
        conv = whole["conversions"]
        users = float(c.filter(pl.col("_pid").is_null())["_s"].item() or 0.0)
        value = pct_of(conv, users)
        sizes = per_pid(ctx, c.filter(pl.col("_pid").is_not_null()), pl.col("_s").first())
        by_period = [None if s is None else pct_of(p["conversions"], float(s))
                     for p, s in zip(per, sizes, strict=True)]
        return Value(value, labels(ctx, by_period), explanation=f"{num(conv)} conversions / "
                     f"{num(users)} community users (latest per channel) × 100 = "
                     f"{pct(value)}")
    return join(sums=totals(ctx, "community_size"), community=community(ctx)).then(finish)


# -- e-mail --------------------------------------------------------------------------------------
def _email_rate(ctx: Context, lines: pl.DataFrame, hit_col: str,
                ) -> tuple[float | None, list[float | None], int, int]:
    """(e-mails with the outcome / e-mails × 100 over the range, per period, the two counts
    over the range)."""
    sent = [0 if v is None else int(v) for v in per_pid(ctx, lines, pl.col("n").sum())]
    hit = [0 if v is None else int(v) for v in per_pid(ctx, lines, pl.col(hit_col).sum())]
    per = [pct_of(h, n) for h, n in zip(hit, sent, strict=True)]
    return pct_of(sum(hit), sum(sent)), per, sum(hit), sum(sent)


def _email_open_rate(ctx: Context) -> Step[Value]:
    """From activities when they have an outcome and e-mails exist, else marketing."""
    def from_marketing(r: tuple) -> Value:
        value, by_period, hit, n = r
        return Value(value, by_period, extra={"source": "marketing"},
                     explanation=f"{num(hit)} e-mails opened / {num(n)} sent × 100 = "
                     f"{pct(value)}")

    def from_activities(lines: pl.DataFrame) -> Value:
        value, hits, hit, n = _email_rate(ctx, lines, "opened")
        return Value(value, labels(ctx, hits), extra={"source": "activities"},
                     explanation=f"{num(hit)} opened or replied / {num(n)} e-mail activities "
                     f"× 100 = {pct(value)}")

    if ctx.lf("marketing") is None or not ctx.has("marketing", "emails_sent"):
        return emails(ctx).then(from_activities)
    steps: dict[str, Step] = {"has": has_emails(ctx),
                              "marketing": rate(ctx, "emails_opened", "emails_sent")}
    if ctx.lf("activities") is not None:
        steps["activities"] = emails(ctx)
    return join(**steps).then(lambda got: from_activities(got["activities"]) if got["has"]
                              else from_marketing(got["marketing"]))


def _email_reply_rate(ctx: Context) -> Step[Value]:
    def finish(lines: pl.DataFrame) -> Value:
        value, hits, hit, n = _email_rate(ctx, lines, "replied")
        by = ({"rep": ratio_of(lines, "rep", "replied", "n", 100.0)}
              if ctx.has("activities", "rep") else {})
        return Value(value, labels(ctx, hits), by, explanation=f"{num(hit)} replied / {num(n)} "
                     f"e-mail activities × 100 = {pct(value)}")
    return emails(ctx).then(finish)


# -- mentions and the shop funnel ------------------------------------------------------------
def _brand_mentions(ctx: Context) -> Step[Value]:
    def finish(s: Sums) -> Value:
        value = s[0]["mentions"]
        return Value(value, labels(ctx, [p["mentions"] for p in s[1]]),
                     explanation=f"Σ mentions = {num(value)} ({ctx.range_label})")
    return totals(ctx).then(finish)


def _steps(sums: dict[str, float]) -> dict[str, float | None]:
    return {f"{a}->{b}": pct_of(sums[b], sums[a]) for a, b in pairwise(FUNNEL)}


def _weakest(steps: dict[str, float | None]) -> tuple[str | None, float | None]:
    known = [(k, v) for k, v in steps.items() if v is not None]
    if not known:
        return None, None
    return min(known, key=lambda kv: kv[1])  # ties: the earlier step


def _ecommerce_funnel(ctx: Context) -> Step[Value]:
    def finish(s: Sums) -> Value:
        whole, per = s
        steps = _steps(whole)
        step, value = _weakest(steps)
        by_period = labels(ctx, [_weakest(_steps(p))[1] for p in per])
        flow = " → ".join(f"{num(whole[f])} {f}" for f in FUNNEL)
        return Value(value, by_period, {"step": steps}, {"weakest_step": step},
                     explanation=f"{flow}; weakest step {step}: {pct(value)}")
    return totals(ctx, *FUNNEL).then(finish)


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
