"""J. Pricing and product: competitor price index (competitor_prices) and cannibalization rate
(orders.product with the new_product / old_product / launch_date settings).

Catalogue section 2, "Orders and products": the index is per product mean our_price / mean
competitor_price × 100, the headline the unweighted mean over products, undated price rows always
counting; cannibalization uses the calendar months intersecting the range (revenue clipped to
it), the launch month counting as after and a month without sales as 0."""

from __future__ import annotations

import datetime as dt

import polars as pl

from kpi_engine.catalogue import register
from kpi_engine.catalogue.spec import KPI, Value
from kpi_engine.context import Context
from kpi_engine.fmt import div, money, num, pct, pct_of
from kpi_engine.measures import breakdown_dict, breakdown_lf, in_range, orders_lf
from kpi_engine.plan import Step, frame
from kpi_engine.query import add_months, month_start

PRICES = "competitor_prices"


# -- competitor_price_index -------------------------------------------------------------------
def _competitor_price_index(ctx: Context) -> Step[Value]:
    lf = ctx.lf(PRICES)
    assert lf is not None
    rows = lf.filter(pl.col("date").is_null() | in_range(ctx, "date"))
    ours, theirs = pl.col("our_price").mean(), pl.col("competitor_price").mean()
    index = pl.when(theirs == 0).then(None).otherwise(ours / theirs * 100)
    return frame("prices:index_by_product", breakdown_lf(rows, "product", index=index)).then(
        lambda got: _price_index(got))


def _price_index(per_product: pl.DataFrame) -> Value:
    by = {k: (None if v is None else float(v))
          for k, v in breakdown_dict(per_product, "index").items()}
    known = [v for v in by.values() if v is not None]
    value = sum(known) / len(known) if known else None
    shown = ", ".join(f"{k} {num(v, 1)}" for k, v in list(by.items())[:5])
    more = " …" if len(by) > 5 else ""
    return Value(value, {}, {"product": by},
                 explanation=f"mean of {num(len(known))} product indices "
                 f"(our mean price / competitors' mean price × 100: {shown}{more}) = {pct(value)}"
                 if known else "no product has both our price and a competitor price")


# -- cannibalization_rate ---------------------------------------------------------------------
def _key(product: str) -> str:
    return " ".join(product.split()).lower()


def _cannibalization(ctx: Context) -> Step[Value]:
    s = ctx.settings
    assert s.new_product is not None and s.old_product is not None
    assert s.launch_date is not None
    launch = month_start(s.launch_date)
    old, new = _key(s.old_product), _key(s.new_product)
    product = pl.col("product").str.to_lowercase()
    sums = (
        orders_lf(ctx).filter(in_range(ctx, "order_date") & product.is_in([old, new]))
        .group_by(old=product == old, after=pl.col("d") >= launch)
        .agg(revenue=pl.col("revenue").sum())
    )
    return frame("pricing:cannibalization", sums).then(lambda got: _cannibalized(ctx, launch, got))


def _cannibalized(ctx: Context, launch: dt.date, sums: pl.DataFrame) -> Value:
    s = ctx.settings
    assert s.new_product is not None and s.old_product is not None
    months, m = [], month_start(ctx.start)
    while m <= ctx.end:
        months.append(m)
        m = add_months(m, 1)
    n_before = sum(1 for m in months if m < launch)
    n_after = len(months) - n_before

    def revenue(old: bool, after: bool) -> float:
        rows = sums.filter((pl.col("old") == old) & (pl.col("after") == after))
        return float(rows["revenue"].sum() or 0.0)

    old_before = div(revenue(True, False), n_before)
    old_after = div(revenue(True, True), n_after)
    new_after = div(revenue(False, True), n_after)
    value = (pct_of(old_before - old_after, new_after)
             if old_before is not None and old_after is not None else None)
    extra = {"old_product_monthly_before": old_before, "old_product_monthly_after": old_after,
             "new_product_monthly_after": new_after}
    c, old_name, new_name = ctx.currency, s.old_product.strip(), s.new_product.strip()
    return Value(value, {}, extra=extra,
                 explanation=f"({money(old_before, c)} − {money(old_after, c)}) / "
                 f"{money(new_after, c)} × 100 = {pct(value)} ({old_name} per month over "
                 f"{n_before} months before and {n_after} months from the launch month "
                 f"{launch.strftime('%Y-%m')}; {new_name} per month after)")


PRODUCT_SETTINGS = "settings.new_product+settings.old_product+settings.launch_date"

register(
    KPI("competitor_price_index", "Competitive pricing", "J", "percent", "neutral", "mean",
        "Our price / Average competitor price × 100, per product", PRICES,
        _competitor_price_index, source="S3#14, S4"),
    KPI("cannibalization_rate", "Cannibalization rate", "J", "percent", "lower", "rate",
        "(Old product's average monthly revenue before launch − after launch) / New product's "
        "average monthly revenue after launch × 100", f"orders.product, {PRODUCT_SETTINGS}",
        _cannibalization,
        ("old_product_monthly_before", "old_product_monthly_after", "new_product_monthly_after"),
        source="S3#37"),
)
