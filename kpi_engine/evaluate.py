"""Run every KPI spec over a dataset for a query: one Result per KPI id (catalogue section 6)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from kpi_engine.catalogue import load_all, requirements
from kpi_engine.catalogue.spec import KPI, Result, Value
from kpi_engine.context import Context
from kpi_engine.plan import Step, collect
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
    kpis = [k for k in load_all().values() if not only or k.id in only]
    out = run(ctx, kpis)
    return Results(ctx.start.isoformat(), ctx.end.isoformat(), ctx.grain, currency, out)


def run(ctx: Context, kpis: Iterable[KPI]) -> dict[str, Result]:
    """Plan every KPI, collect the frames of all of them in one `pl.collect_all`, finish each.

    A KPI whose plan or finish fails is unavailable with the reason; the others are not
    affected (when the shared collect fails, each KPI's frames are collected on their own to
    find the culprit)."""
    return run_with(ctx, kpis)[0]


def run_with(ctx: Context, kpis: Iterable[KPI], extra: Mapping[str, Step[Any]] | None = None,
             ) -> tuple[dict[str, Result], dict[str, Any]]:
    """`run`, with more steps (not KPIs: e.g. the what-if planner's drivers) collected in the
    same `pl.collect_all`; an extra step that fails gives None."""
    kpis, extra = list(kpis), dict(extra or {})
    out: dict[str, Result] = {}
    steps: dict[str, Step[Value]] = {}
    for kpi in kpis:
        missing = missing_inputs(ctx, kpi)
        if missing:
            out[kpi.id] = _unavailable(kpi, missing, None)
            continue
        try:
            steps[kpi.id] = kpi.compute(ctx)
        except BaseException as exc:  # one KPI's failure never hides the others
            _reraise_unless_failure(exc)
            out[kpi.id] = _failed(kpi, exc)
    frames: dict[str, pl.LazyFrame] = {}
    for s in [*steps.values(), *extra.values()]:
        frames.update(s.frames)
    try:
        got: dict[str, pl.DataFrame] | None = collect(frames)
    except BaseException as exc:
        _reraise_unless_failure(exc)
        log.exception("collecting the KPIs' frames failed; collecting them one KPI at a time")
        got = None
    specs = {k.id: k for k in kpis}
    for kid, s in steps.items():
        try:
            v = _finish(s, got)
        except BaseException as exc:
            _reraise_unless_failure(exc)
            out[kid] = _failed(specs[kid], exc)
            continue
        out[kid] = _result(ctx, specs[kid], v)
    values: dict[str, Any] = {}
    for name, s in extra.items():
        try:
            values[name] = _finish(s, got)
        except BaseException as exc:
            _reraise_unless_failure(exc)
            log.exception("step %s failed", name)
            values[name] = None
    return {k.id: out[k.id] for k in kpis}, values


def _reraise_unless_failure(exc: BaseException) -> None:
    """A KPI's error or a Polars panic (pyo3's PanicException is a BaseException) is that
    KPI's failure; anything else (KeyboardInterrupt, SystemExit) goes on."""
    if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
        raise exc


def _finish(s: Step[Any], got: dict[str, pl.DataFrame] | None) -> Any:
    return s.finish(got if got is not None else collect(s.frames))


def _result(ctx: Context, kpi: KPI, v: Value) -> Result:
    status = v.status if v.status is not None else (kpi.band.status(v.value) if kpi.band else None)
    explanation = v.explanation
    if explanation and ctx.not_filtered:
        explanation += " (filter not applied: " + "; ".join(sorted(set(ctx.not_filtered))) + ")"
    return Result(kpi.id, kpi.name, v.value, kpi.unit, True, (), status, kpi.direction,
                  v.by_period, v.by, v.extra, explanation, kpi.formula)


def _failed(kpi: KPI, exc: Exception) -> Result:
    log.error("KPI %s failed", kpi.id, exc_info=exc)
    return _unavailable(kpi, (), f"could not be computed ({type(exc).__name__}: {exc})")


def _unavailable(kpi: KPI, missing: tuple[str, ...], why: str | None) -> Result:
    return Result(kpi.id, kpi.name, None, kpi.unit, False, missing, None, kpi.direction, {}, {},
                  {}, why, kpi.formula)
