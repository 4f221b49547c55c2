"""The KPI registry: every spec of catalogue section 3, one module per group, checked at import.

A spec's `inputs` is a comma-separated list of requirements; a requirement is alternatives
separated by "|", an alternative atoms joined by "+", an atom a table ("leads"), a table's
field ("orders.customer_id", present when it holds a value) or a setting
("settings.monthly_target").
"""

from __future__ import annotations

from kpi_engine.catalogue.spec import KPI
from kpi_engine.model import TABLES

REGISTRY: dict[str, KPI] = {}


def register(*kpis: KPI) -> None:
    for k in kpis:
        if k.id in REGISTRY:
            raise ValueError(f"duplicate KPI id {k.id}")
        _check_inputs(k)
        REGISTRY[k.id] = k


SETTINGS = {"sales_costs_per_month", "marketing_costs_per_month", "number_of_reps",
            "selling_days_per_month", "stale_after_days", "monthly_target", "fiscal_year_start",
            "new_product", "old_product", "launch_date"}


def _check_inputs(k: KPI) -> None:
    for atom in atoms(k.inputs):
        table, _, field = atom.partition(".")
        if table == "settings":
            assert field in SETTINGS, f"{k.id}: unknown setting {field}"
            continue
        assert table in TABLES, f"{k.id}: unknown table {table}"
        if field:
            assert field in TABLES[table].field_names, f"{k.id}: unknown field {atom}"


def requirements(inputs: str) -> list[list[list[str]]]:
    return [[alt.split("+") for alt in req.split("|")] for req in
            (r.strip() for r in inputs.split(",")) if req]


def atoms(inputs: str) -> list[str]:
    return [a for req in requirements(inputs) for alt in req for a in alt]


def load_all() -> dict[str, KPI]:
    """Import every group module (each registers its KPIs once) and return the registry."""
    from kpi_engine.catalogue import (  # noqa: F401
        activities,
        contact,
        customers,
        leads,
        marketing,
        pipeline,
        pricing,
        revenue,
        team,
    )

    if list(REGISTRY) != list(ORDER):  # the catalogue's own order: groups A-J, rows in order
        assert set(REGISTRY) == set(ORDER), set(REGISTRY) ^ set(ORDER)
        ordered = {k: REGISTRY[k] for k in ORDER}
        REGISTRY.clear()
        REGISTRY.update(ordered)
    return REGISTRY


# every id in the order of catalogue section 3 (tests/test_catalogue_order.py checks it)
ORDER = (
    "revenue", "won_revenue", "orders_count", "deals_won", "sales_growth_mom", "sales_growth_yoy",
    "monthly_sales_progress", "average_purchase_value", "revenue_by_region", "revenue_by_product",
    "revenue_by_channel", "repeat_sales_by_channel", "expansion_revenue", "mrr", "arr", "arpa",
    "gross_margin", "monthly_profit_estimate", "marketing_roi", "value_per_session",
    "cost_per_click", "leads_generated", "lead_share", "cost_per_lead", "visitor_to_lead_rate",
    "website_conversion_rate", "engagement_rate", "social_conversion_rate", "email_open_rate",
    "email_reply_rate", "brand_mentions", "ecommerce_funnel", "qualified_leads",
    "lead_quality_rate", "lead_response_time", "lead_to_opportunity_rate", "lead_conversion_rate",
    "customer_acquisition_rate", "avg_time_to_conversion", "close_rate_provided_leads",
    "stale_leads_deals", "activity_volume", "calls_emails_per_rep", "demos_onboarding_calls",
    "follow_up_meetings", "meetings_booked", "call_show_rate", "new_opportunities",
    "pipeline_value", "deals_by_stage", "stage_conversion", "time_in_stage", "pipeline_velocity",
    "pipeline_coverage", "deals_by_channel", "win_rate", "quote_to_close", "average_deal_size",
    "sales_cycle_length", "avg_time_to_loss", "conversation_drop_off", "new_customers", "cac",
    "purchase_frequency", "customer_lifespan", "clv", "ltv_cac_ratio", "customer_retention_rate",
    "churn_rate", "churn_by_rep", "existing_customer_conversion", "sales_per_rep",
    "target_attainment", "quota_attainment_share", "competitor_price_index",
    "cannibalization_rate",
)
