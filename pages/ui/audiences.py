"""The dashboards per audience (catalogue section 4: executives, managers and reps need
different ones): a title and the KPIs pinned by default."""

AUDIENCES = {
    "owner": ("Owner", ["revenue", "gross_margin", "monthly_profit_estimate", "sales_growth_mom",
                        "average_purchase_value", "new_customers", "ltv_cac_ratio",
                        "target_attainment"]),
    "manager": ("Sales manager", ["won_revenue", "win_rate", "pipeline_value",
                                  "pipeline_coverage", "sales_cycle_length",
                                  "average_deal_size", "quota_attainment_share",
                                  "stale_leads_deals"]),
    "rep": ("Sales rep", ["won_revenue", "deals_won", "win_rate", "average_deal_size",
                          "activity_volume", "meetings_booked", "lead_conversion_rate",
                          "target_attainment"]),
}


def pinned_of(audience: str) -> list[str]:
    from pages.ui import state

    return state.pinned(audience, AUDIENCES.get(audience, AUDIENCES["owner"])[1])
