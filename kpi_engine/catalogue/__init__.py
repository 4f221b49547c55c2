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

    return REGISTRY
