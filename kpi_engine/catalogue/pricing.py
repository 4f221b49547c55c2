"""J. Pricing and product: competitor price index (competitor_prices) and cannibalization rate
(orders.product with the new_product / old_product / launch_date settings).

Catalogue section 2, "Orders and products": the index is per product mean our_price / mean
competitor_price × 100, the headline the unweighted mean over products, undated price rows always
counting; cannibalization uses the calendar months intersecting the range (revenue clipped to
it), the launch month counting as after and a month without sales as 0."""

from __future__ import annotations

import polars as pl

from kpi_engine.catalogue import register
from kpi_engine.catalogue.spec import KPI, Value
from kpi_engine.context import Context, between
from kpi_engine.fmt import div, money, num, pct, pct_of
from kpi_engine.measures import breakdown, in_interval, orders
from kpi_engine.measures import revenue as revenue_of
from kpi_engine.query import add_months, month_start

PRICES = "competitor_prices"


# -- competitor_price_index -------------------------------------------------------------------
def _competitor_price_index(ctx: Context) -> Value:
    df = ctx.t(PRICES)
    assert df is not None
    rows = df.filter(pl.col("date").is_null() | between("date", ctx.start, ctx.end))
    ours, theirs = pl.col("our_price").mean(), pl.col("competitor_price").mean()
    index = pl.when(theirs == 0).then(None).otherwise(ours / theirs * 100)
    by = {k: (None if v is None else float(v))
          for k, v in breakdown(rows, "product", index).items()}
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


def _cannibalization(ctx: Context) -> Value:
    s = ctx.settings
    assert s.new_product is not None and s.old_product is not None
    assert s.launch_date is not None
    launch = month_start(s.launch_date)
    months, m = [], month_start(ctx.start)
    while m <= ctx.end:
        months.append(m)
        m = add_months(m, 1)
    n_before = sum(1 for m in months if m < launch)
    n_after = len(months) - n_before
    rng = in_interval(orders(ctx), "order_date", ctx.start, ctx.end)
    spellings = rng["product"].drop_nulls().unique()
    lower = spellings.str.to_lowercase()
    after = pl.col("d") >= launch

    def rows(product: str) -> pl.DataFrame:
        """The range's lines of a product (any case): lower-cased only on its spellings."""
        return rng.filter(pl.col("product").is_in(spellings.filter(lower == _key(product))
                                                  .implode()))

    old, new = rows(s.old_product), rows(s.new_product)
    old_before = div(revenue_of(old.filter(~after)), n_before)
    old_after = div(revenue_of(old.filter(after)), n_after)
    new_after = div(revenue_of(new.filter(after)), n_after)
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
