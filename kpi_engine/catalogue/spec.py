"""One frozen spec per KPI, the result it yields, and the status bands (catalogue 3-4)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from kpi_engine.context import Context
    from kpi_engine.plan import Step

Unit = Literal["money", "count", "days", "hours", "years", "ratio", "percent"]
Direction = Literal["higher", "lower", "neutral"]
Kind = Literal["flow", "rate", "stock", "change", "breakdown", "mean", "value"]


@dataclass(frozen=True)
class Band:
    """Status bands: `good` and `watch` as (low, high, low_inclusive, high_inclusive)."""

    good: tuple[float, float, bool, bool]
    watch: tuple[tuple[float, float, bool, bool], ...] = ()

    def status(self, value: float | None) -> str | None:
        if value is None:
            return None
        if _inside(value, self.good):
            return "good"
        if any(_inside(value, w) for w in self.watch):
            return "watch"
        return "bad"

    def describe(self, fmt: Callable[[float], str] = lambda v: f"{v:g}") -> str:
        """ "good 3–4, watch above 4, otherwise bad" in the unit the caller formats."""
        parts = [f"good {_range_text(self.good, fmt)}"]
        parts += [f"watch {_range_text(w, fmt)}" for w in self.watch]
        return ", ".join(parts) + ", otherwise bad"


def _range_text(band: tuple[float, float, bool, bool], fmt: Callable[[float], str]) -> str:
    lo, hi, lo_in, hi_in = band
    if hi == INF:
        return f"{'≥' if lo_in else 'above'} {fmt(lo)}"
    if lo == -INF:
        return f"{'≤' if hi_in else 'below'} {fmt(hi)}"
    return f"{fmt(lo)}–{fmt(hi)}"


def _inside(v: float, band: tuple[float, float, bool, bool]) -> bool:
    lo, hi, lo_in, hi_in = band
    return (v > lo or (lo_in and v == lo)) and (v < hi or (hi_in and v == hi))


INF = float("inf")
ATTAINMENT = Band(good=(100, INF, True, False), watch=((90, 100, True, False),))


@dataclass(frozen=True)
class Value:
    """What a KPI's compute function returns."""

    value: float | None
    by_period: dict[str, Any] = field(default_factory=dict)
    by: dict[str, dict[str, Any]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    explanation: str | None = None
    status: str | None = None  # set by the KPI when it is against a target


@dataclass(frozen=True)
class KPI:
    id: str
    name: str
    group: str  # A..J
    unit: Unit
    direction: Direction
    kind: Kind
    formula: str
    inputs: str  # "orders.revenue|orders.quantity+orders.unit_price, orders.region" ...
    compute: Callable[[Context], Step[Value]]  # kpi_engine/plan.py
    extra_keys: tuple[str, ...] = ()
    band: Band | None = None
    description: str = ""
    source: str = ""


@dataclass(frozen=True)
class Result:
    id: str
    name: str
    value: float | None
    unit: Unit
    available: bool
    missing_fields: tuple[str, ...]
    status: str | None
    direction: Direction
    by_period: dict[str, Any]
    by: dict[str, dict[str, Any]]
    extra: dict[str, Any]
    explanation: str | None
    formula: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": _round(self.value),
            "unit": self.unit,
            "available": self.available,
            "missing_fields": list(self.missing_fields),
            "status": self.status,
            "direction": self.direction,
            "by_period": {k: _round(v) for k, v in self.by_period.items()},
            "by": {d: {k: _round(v) for k, v in m.items()} for d, m in self.by.items()},
            "extra": {k: _round(v) for k, v in self.extra.items()},
            "explanation": self.explanation,
        }


def _round(v: Any) -> Any:
    if isinstance(v, float):
        if v != v or v in (INF, -INF):
            return None
        return round(v, 6)
    if isinstance(v, dict):
        return {k: _round(x) for k, x in v.items()}
    return v
