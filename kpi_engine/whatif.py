"""What-if target planning (issue 6; catalogue section 6, `plan`): the driver model.

    base = base_drivers(ds.tables, settings, ds.currency)   # the engine, once per upload
    doc = plan(base, target, horizon, {"leads": 300})       # arithmetic only: microseconds
    doc["trees"]["lead"]["scenario"], doc["trees"]["lead"]["solve"]

`base_drivers` (kpi_engine/whatif_base.py) computes each tree's drivers over the base period
with the engine; `project` and `solve` (kpi_engine/whatif_model.py) are the formulas of section
6; `plan` writes the planner JSON of section 6. Scenarios, the pipeline needed for 3× coverage,
CAC and LTV:CAC under a scenario and the per-rep quota split are here too. No streamlit.

Changes are keyed by driver ("average_deal_size": applies to every tree that has it) or by
tree and driver ("recurring.churn_rate": that tree only; the tree-qualified key wins).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from kpi_engine.query import add_months
from kpi_engine.whatif_base import Base, base_drivers, base_period
from kpi_engine.whatif_model import (
    DRIVERS,
    TREES,
    Answer,
    Driver,
    check_value,
    first_month,
    profit,
    project,
    solve,
    tree_drivers,
)

__all__ = [
    "DRIVERS", "TREES", "Answer", "Base", "Driver", "Extras", "Scenario", "ScenarioResult",
    "base_drivers", "base_period", "check_changes", "compare_scenarios", "extras",
    "first_months", "plan",
    "profit", "project", "quota_split", "scenario_drivers", "solve", "tree_drivers",
]


def check_changes(changes: Mapping[str, float], solve_for: str | None = None) -> list[str]:
    """What is wrong with a set of changes (and a solve_for driver): unknown drivers or trees,
    values out of range. Empty when they can be planned."""
    errors: list[str] = []
    for key, value in changes.items():
        tree, driver = _split(key)
        if tree is not None and tree not in TREES:
            errors.append(f"unknown tree {tree!r} in {key!r}: one of {', '.join(TREES)}")
        elif driver not in DRIVERS or (tree is not None and driver not in TREES[tree]):
            names = DRIVERS if tree is None else TREES[tree]
            errors.append(f"unknown driver {key!r}: one of {', '.join(names)}")
        else:
            why = check_value(driver, float(value))
            if why:
                errors.append(why)
    if solve_for is not None:
        tree, driver = _split(solve_for)
        if tree is not None and tree not in TREES:
            errors.append(f"unknown tree {tree!r} in {solve_for!r}: one of {', '.join(TREES)}")
        elif driver not in DRIVERS or (tree is not None and driver not in TREES[tree]):
            names = DRIVERS if tree is None else TREES[tree]
            errors.append(f"unknown driver {solve_for!r} to solve for: one of "
                          f"{', '.join(names)}")
    return errors


def _split(key: str) -> tuple[str | None, str]:
    tree, sep, driver = key.partition(".")
    return (tree, driver) if sep else (None, key)


def scenario_drivers(base: Base, tree: str, changes: Mapping[str, float]) -> dict[str, float]:
    """A tree's drivers after the changes."""
    out = dict(base.trees[tree])
    for d in out:
        if f"{tree}.{d}" in changes:
            out[d] = float(changes[f"{tree}.{d}"])
        elif d in changes:
            out[d] = float(changes[d])
    return out


def _months(base: Base, horizon: int) -> list[str]:
    return [add_months(base.first_month, i).strftime("%Y-%m") for i in range(horizon)]


def _r(v: float | None) -> float | None:
    """As the engine writes numbers: 6 decimals, None for n/a."""
    if v is None or v != v or v in (float("inf"), float("-inf")):
        return None
    return round(v, 6)


def _attainment(value: float, target: float) -> float | None:
    return None if target == 0 else value / target * 100


def plan(base: Base, target: float | None = None, horizon: int = 3,
         changes: Mapping[str, float] | None = None, solve_for: str | None = None,
         ) -> dict[str, Any]:
    """The planner JSON of catalogue section 6. `target`: revenue per month (None: the base's
    default target); `changes`: driver (or tree.driver) -> new value; `solve_for`: goal-seek
    that driver only (default every driver). Raises ValueError on a wrong argument."""
    changes = dict(changes or {})
    if target is None:
        target = base.default_target
    if target is None:
        raise ValueError("no target: give one (no revenue target in the targets table for "
                         f"{base.first_month:%Y-%m} and no monthly_target setting)")
    if not 1 <= horizon <= 12:
        raise ValueError(f"the horizon is 1 to 12 months, not {horizon}")
    if target < 0:
        raise ValueError("the target must not be negative")
    target = float(target)
    errors = check_changes(changes, solve_for)
    if errors:
        raise ValueError("; ".join(errors))
    messages = list(base.messages)
    for key in changes:
        tree, driver = _split(key)
        if not any(driver in d for t, d in base.trees.items() if tree in (None, t)):
            messages.append(f"{key} changes nothing: no tree shown has that driver")
    only_tree, only = _split(solve_for) if solve_for else (None, None)
    if only is not None and not any(
            only in (("revenue",) if t == "profit" else d)
            for t, d in base.trees.items() if only_tree in (None, t)):
        messages.append(f"nothing to solve for {solve_for}: no tree shown has that driver")
    months = _months(base, horizon)
    trees: dict[str, Any] = {}
    for tree, drivers in base.trees.items():
        scen = scenario_drivers(base, tree, changes)
        baseline = project(tree, drivers, horizon, base.months)
        scenario = project(tree, scen, horizon, base.months)
        entry: dict[str, Any] = {
            "drivers": {d: _r(v) for d, v in drivers.items()},
            "scenario_drivers": {d: _r(v) for d, v in scen.items()},
            "baseline": dict(zip(months, map(_r, baseline), strict=True)),
            "scenario": dict(zip(months, map(_r, scenario), strict=True)),
        }
        if tree == "profit":
            entry["profit"] = dict(zip(months, map(_r, profit(scen, horizon)), strict=True))
        entry["attainment"] = _r(_attainment(scenario[0], target))
        entry["gap"] = _r(target - scenario[0])
        skip = only_tree is not None and only_tree != tree
        answers = {} if skip else solve(tree, scen, target, base.months, only)
        entry["solve"] = {d: _r(a.value) for d, a in answers.items()}
        for d, a in answers.items():
            if a.value is None:
                messages.append(f"{tree} tree: no {d} meets the target of {target:,.2f} in "
                                f"{months[0]}: {a.reason}")
        trees[tree] = entry
    return {"base_period": {"start": base.start.isoformat(), "end": base.end.isoformat()},
            "target": float(target), "horizon": horizon, "trees": trees, "messages": messages}


# -- scenarios -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Scenario:
    """A named set of driver changes (driver or tree.driver -> value)."""

    name: str
    changes: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ScenarioResult:
    scenario: str
    tree: str
    first_month: float  # revenue (recurring: MRR) of the first horizon month
    total: float  # Σ over the horizon
    attainment: float | None  # first month / target × 100
    gap: float  # target − first month
    per_month: tuple[float, ...] = ()


BASELINE = "Baseline"


def compare_scenarios(base: Base, target: float, horizon: int,
                      scenarios: Sequence[Scenario]) -> list[ScenarioResult]:
    """The baseline and every scenario, side by side: one row per (scenario, tree), the
    baseline's rows first."""
    errors = [e for s in scenarios for e in check_changes(s.changes)]
    if errors:
        raise ValueError("; ".join(errors))
    out: list[ScenarioResult] = []
    for s in (Scenario(BASELINE), *scenarios):
        for tree in base.trees:
            months = project(tree, scenario_drivers(base, tree, s.changes), horizon, base.months)
            out.append(ScenarioResult(s.name, tree, months[0], sum(months),
                                      _attainment(months[0], target), target - months[0],
                                      tuple(months)))
    return out


# -- coverage, CAC and LTV:CAC, quotas ------------------------------------------------------
@dataclass(frozen=True)
class Extras:
    open_pipeline: float | None  # Σ amount of the deals open at the base end
    required_pipeline: float | None  # 3 × target − open pipeline (negative: to spare)
    cac: float | None  # under the scenario: the customer tree's cac, else the base CAC
    clv: float | None  # under the scenario (APV and frequency as changed, lifespan of the base)
    ltv_cac: float | None


def extras(base: Base, target: float, changes: Mapping[str, float] | None = None) -> Extras:
    """The pipeline needed for 3× coverage of the target, and CAC and LTV:CAC under the
    scenario (when the data has them)."""
    changes = changes or {}
    required = None if base.open_pipeline is None else 3 * target - base.open_pipeline
    cac, clv = base.cac, base.clv
    if "customer" in base.trees:
        b, s = base.trees["customer"], scenario_drivers(base, "customer", changes)
        if "cac" in s:
            cac = s["cac"]
        if clv is not None and b["average_purchase_value"] and b["purchase_frequency"]:
            clv *= (s["average_purchase_value"] / b["average_purchase_value"]
                    * s["purchase_frequency"] / b["purchase_frequency"])
    ltv_cac = None if clv is None or not cac else clv / cac
    return Extras(base.open_pipeline, required, cac, clv, ltv_cac)


def quota_split(base: Base, target: float,
                method: Literal["equal", "attainment"] = "equal") -> dict[str, float]:
    """The monthly target split over the reps (those with a revenue target, else those with
    sales in the base period): equally, or in proportion to their past attainment (equally when
    nobody has one)."""
    reps = list(base.reps)
    if not reps:
        return {}
    if method == "attainment":
        weights = {r: max(base.rep_attainment.get(r) or 0.0, 0.0) for r in reps}
        total = sum(weights.values())
        if total > 0:
            return {r: target * w / total for r, w in weights.items()}
    elif method != "equal":
        raise ValueError(f"method is equal or attainment, not {method!r}")
    return {r: target / len(reps) for r in reps}


def first_months(base: Base, changes: Mapping[str, float] | None = None) -> dict[str, float]:
    """Each tree's first-month revenue (recurring: MRR) under the changes."""
    changes = changes or {}
    return {t: first_month(t, scenario_drivers(base, t, changes), base.months)
            for t in base.trees}
