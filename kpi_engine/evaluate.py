"""Run every KPI spec over a dataset for a query: one Result per KPI id (catalogue section 6)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import polars as pl

from kpi_engine.catalogue import load_all, requirements
from kpi_engine.catalogue.spec import KPI, Result
from kpi_engine.context import Context
from kpi_engine.query import Query

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Results:
    start: str
    end: str
    grain: str
    currency: str | None
    kpis: dict[str, Result]

    def as_json(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "grain": self.grain,
                "currency": self.currency,
                "kpis": {k: r.as_json() for k, r in self.kpis.items()}}


def missing_inputs(ctx: Context, kpi: KPI) -> tuple[str, ...]:
    """The atoms of the first alternative of each requirement that no alternative meets."""
    missing: list[str] = []
    for req in requirements(kpi.inputs):
        if any(all(_present(ctx, a) for a in alt) for alt in req):
            continue
        missing.extend(a for a in req[0] if not _present(ctx, a))
    return tuple(dict.fromkeys(missing))


def missing_by_kpi(tables: dict[str, pl.DataFrame], query: Query | None = None
                   ) -> dict[str, tuple[str, ...]]:
    """What each KPI still needs (empty when it can be computed), without computing any."""
    ctx = Context(tables, query or Query())
    return {kpi.id: missing_inputs(ctx, kpi) for kpi in load_all().values()}


def _present(ctx: Context, atom: str) -> bool:
    table, _, field = atom.partition(".")
    if table == "settings":
        return getattr(ctx.settings, field, None) is not None
    return ctx.has(table, field or None)


def evaluate(tables: dict[str, pl.DataFrame], query: Query | None = None,
             currency: str | None = None, only: list[str] | None = None) -> Results:
    ctx = Context(tables, query or Query(), currency)
    out: dict[str, Result] = {}
    for kpi in load_all().values():
        if only and kpi.id not in only:
            continue
        out[kpi.id] = run_one(ctx, kpi)
    return Results(ctx.start.isoformat(), ctx.end.isoformat(), ctx.grain, currency, out)


def run_one(ctx: Context, kpi: KPI) -> Result:
    missing = missing_inputs(ctx, kpi)
    if missing:
        return _unavailable(kpi, missing, None)
    try:
        v = kpi.compute(ctx)
    except Exception as exc:  # noqa: BLE001 - one KPI's failure never hides the others
        log.exception("KPI %s failed", kpi.id)
        return _unavailable(kpi, (), f"could not be computed ({type(exc).__name__}: {exc})")
    status = v.status if v.status is not None else (kpi.band.status(v.value) if kpi.band else None)
    explanation = v.explanation
    if explanation and ctx.not_filtered:
        explanation += " (filter not applied: " + "; ".join(sorted(set(ctx.not_filtered))) + ")"
    return Result(kpi.id, kpi.name, v.value, kpi.unit, True, (), status, kpi.direction,
                  v.by_period, v.by, v.extra, explanation, kpi.formula)


def _unavailable(kpi: KPI, missing: tuple[str, ...], why: str | None) -> Result:
    return Result(kpi.id, kpi.name, None, kpi.unit, False, missing, None, kpi.direction, {}, {},
                  {}, why, kpi.formula)
