"""The data-quality report of catalogue section 6 (informational, not compared): records the
KPIs leave out, so the owner can fix them at the source."""

from __future__ import annotations

from typing import Any

import polars as pl


def data_quality(tables: dict[str, pl.DataFrame]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    deals = tables.get("deals")
    if deals is not None and deals.height:
        closed = deals.filter(pl.col("status").is_in(["won", "lost"]).fill_null(False))
        history = tables.get("stage_history")
        known = set(history["deal_id"].drop_nulls().to_list()) if history is not None else set()
        unknown = closed.filter(pl.col("close_date").is_null()
                                & ~pl.col("deal_id").is_in(list(known)).fill_null(False))
        out["won_lost_deals_without_close_date"] = unknown.height
        out["deals_closed_before_created"] = closed.filter(
            pl.col("close_date") < pl.col("created_date")).height
    leads = tables.get("leads")
    if leads is not None and leads.height:
        out["leads_converted_before_created"] = leads.filter(
            pl.col("converted_date") < pl.col("created_date").dt.date()).height
        out["leads_answered_before_created"] = leads.filter(
            pl.col("first_response_date") < pl.col("created_date")).height
    subs = tables.get("subscriptions")
    if subs is not None and subs.height:
        out["subscriptions_with_mrr_0"] = subs.filter(pl.col("mrr").fill_null(0) == 0).height
    return out
