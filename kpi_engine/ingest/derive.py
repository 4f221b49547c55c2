"""Fields worked out from other fields, per table (catalogue section 1).

- orders: order-level cells filled on an order's first line only (Shopify) are shared by its
  lines; an order-level revenue column is never summed per line; revenue = quantity x
  unit_price - discount where there is none; discount from discount_rate; cost from profit.
- deals: status from the stage name; probability as a fraction.
- activities: type from the subject when empty; outcome in the closed set.
- subscriptions: mrr from amount and interval (minor units for Stripe-style exports).
- marketing: a row covers its whole month when every date of the sheet is a month's 1st.
"""

from __future__ import annotations

import polars as pl

from kpi_engine.ingest import clean
from kpi_engine.ingest.raw import RawSheet, decategorise


def derive(table: str, frame: pl.DataFrame, columns: dict[str, str],
           raw: RawSheet) -> tuple[pl.DataFrame, list[str]]:
    present = set(columns)
    if table in ("deals", "activities", "subscriptions"):
        frame = decategorise(frame)  # their rules read the text
    match table:
        case "orders":
            return _orders(frame, present)
        case "deals":
            return _deals(frame, present), []
        case "activities":
            return _activities(frame, present), []
        case "subscriptions":
            return _subscriptions(frame, present, raw)
        case "marketing":
            return _marketing(frame), []
        case "leads":
            return _leads(frame), []
        case _:
            return frame, []


def _fill_within_order(frame: pl.DataFrame, name: str) -> pl.DataFrame:
    """Empty cells of a multi-line order take the one value its other lines agree on."""
    if frame[name].null_count() == 0:
        return frame
    values = pl.col(name).drop_nulls()
    return frame.with_columns(
        pl.when(pl.col(name).is_null() & pl.col("order_id").is_not_null()
                & (values.n_unique().over("order_id") == 1))
        .then(values.first().over("order_id"))
        .otherwise(pl.col(name))
        .alias(name)
    )


def _orders(frame: pl.DataFrame, present: set[str]) -> tuple[pl.DataFrame, list[str]]:
    messages: list[str] = []
    has_lines = {"quantity", "unit_price"} <= present
    if "order_id" in present:
        for name in ("status", "customer_id", "currency"):
            if name in present:
                frame = _fill_within_order(frame, name)
    if "discount" not in present and "discount_rate" in present and has_lines:
        frame = frame.with_columns(
            (pl.col("discount_rate") * pl.col("quantity") * pl.col("unit_price")).alias("discount")
        )
    line_value = pl.col("quantity") * pl.col("unit_price") - pl.col("discount").fill_null(0.0)
    if "revenue" in present and "order_id" in present and _order_level(frame):
        if has_lines:
            frame = frame.with_columns(line_value.alias("revenue"))
            messages.append(
                "The revenue column holds one total per order (on its first line); line revenue "
                "is quantity × unit price − discount instead, so no order is counted twice."
            )
        else:
            messages.append(
                "The revenue column holds one total per order (on its first line): it is "
                "counted once per order."
            )
    elif has_lines:
        frame = frame.with_columns(pl.coalesce(pl.col("revenue"), line_value).alias("revenue"))
    if "cost" not in present and "profit" in present:
        frame = frame.with_columns((pl.col("revenue") - pl.col("profit")).alias("cost"))
    return frame, messages


def _order_level(frame: pl.DataFrame) -> bool:
    """Some order has several lines, each such order has its revenue on exactly one line."""
    if frame["revenue"].null_count() == 0:
        return False  # an order-level column leaves the other lines of an order empty
    per_order = (
        frame.filter(pl.col("order_id").is_not_null())
        .group_by("order_id")
        .agg(pl.len().alias("lines"), pl.col("revenue").is_not_null().sum().alias("filled"))
        .filter(pl.col("lines") > 1)
    )
    return per_order.height > 0 and bool((per_order["filled"] == 1).all())


def _deals(frame: pl.DataFrame, present: set[str]) -> pl.DataFrame:
    stage = frame["stage"].fill_null("")
    status = frame["status"].fill_null("") if "status" in present else None
    derived = clean.deal_status(stage, status)
    return frame.with_columns(derived.alias("status"))


def _activities(frame: pl.DataFrame, present: set[str]) -> pl.DataFrame:
    type_ = frame["type"] if "type" in present else None
    subject = frame["subject"] if "subject" in present else None
    out = frame.with_columns(clean.activity_type(type_, subject).alias("type"))
    if "outcome" in present:
        out = out.with_columns(clean.activity_outcome(frame["outcome"].fill_null("")).alias("outcome"))
    return out


def _leads(frame: pl.DataFrame) -> pl.DataFrame:
    return frame


_MONTHS_PER = {"day": 12 / 365.25, "week": 12 / 52, "month": 1.0, "quarter": 3.0, "year": 12.0}
_INTERVAL_RE: dict[str, str] = {
    "day": r"^(?i)(day|daily|dag|dzie|ден|дн|tag|täg|日|天)",
    "week": r"^(?i)(week|veck|tydz|tygod|недел|woch|wöch|周|週)",
    "month": r"^(?i)(month|monat|månad|månat|miesi|месяц|месяч|月)",
    "quarter": r"^(?i)(quarter|quartal|kvartal|kwarta|квартал|季)",
    "year": r"^(?i)(year|annual|jahr|jähr|år|rok|rocz|год|年)",
}


def _subscriptions(frame: pl.DataFrame, present: set[str],
                   raw: RawSheet) -> tuple[pl.DataFrame, list[str]]:
    messages: list[str] = []
    if "mrr" in present or "amount" not in present:
        return frame.with_columns(pl.col("mrr").fill_null(0.0)), messages
    amount = pl.col("amount")
    if _minor_units(frame, raw):
        amount = amount / 100
        messages.append("Amounts are in cents (a Stripe-style export): divided by 100.")
    interval = pl.col("interval").fill_null("month").str.strip_chars()
    months = pl.coalesce(
        [pl.when(interval.str.contains(rx)).then(pl.lit(m)) for rx, m in
         ((_INTERVAL_RE[k], v) for k, v in _MONTHS_PER.items())]
    )
    count = pl.col("interval_count").fill_null(1).cast(pl.Float64)
    mrr = (amount / months / count).fill_null(0.0)
    return frame.with_columns(mrr.alias("mrr")), messages


def _minor_units(frame: pl.DataFrame, raw: RawSheet) -> bool:
    header = " ".join(raw.header).casefold()
    if any(w in header for w in ("cents", "minor", "_cents")):
        return True
    ids = pl.concat([frame["subscription_id"].fill_null(""), frame["customer_id"].fill_null("")])
    stripe = bool(ids.str.contains(r"^(sub|cus)_").any())
    amounts = frame["amount"].drop_nulls()
    return stripe and amounts.len() > 0 and bool((amounts % 1 == 0).all())


def _marketing(frame: pl.DataFrame) -> pl.DataFrame:
    dates = frame["date"].drop_nulls()
    month_rows = dates.len() > 0 and bool((dates.dt.day() == 1).all())
    return frame.with_columns(pl.lit(month_rows).alias("_month_row"))
