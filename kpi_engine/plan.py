"""A KPI in two halves: the lazy frames it needs, then what it makes of them once collected.

`KPI.compute(ctx)` returns a `Step`: `frames` are Polars LazyFrames keyed by a name that says
what they hold ("orders:revenue_by_period"); `finish` turns the collected frames (small:
aggregates per period, per dimension value, per customer or deal at most) into the KPI's
result. `evaluate` gathers the frames of every KPI asked for, runs them in one
`pl.collect_all` (Polars' optimiser then shares the scans and the common sub-plans of all the
KPIs) and calls each `finish`.

Two frames under one key must be the same plan: a key names what a frame holds ("module:what",
with any parameter beyond the evaluation's context), so KPIs that need the same aggregate share
it. Keys live for one evaluation (one Context: one range, grain, filter and settings).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import polars as pl

log = logging.getLogger(__name__)
T = TypeVar("T")
U = TypeVar("U")
Got = Mapping[str, pl.DataFrame]


@dataclass(frozen=True)
class Step(Generic[T]):
    frames: Mapping[str, pl.LazyFrame]
    finish: Callable[[Got], T]

    def then(self, fn: Callable[[T], U]) -> Step[U]:
        """The same frames, `fn` applied to what `finish` gives."""
        finish = self.finish
        return Step(self.frames, lambda got: fn(finish(got)))


def frame(key: str, lf: pl.LazyFrame) -> Step[pl.DataFrame]:
    """One lazy frame, handed over as collected."""
    return Step({key: lf}, lambda got: got[key])


def done(value: T) -> Step[T]:
    """A result that needs no frame (e.g. computed from the settings alone)."""
    return Step({}, lambda got: value)


def join(**steps: Step[Any]) -> Step[dict[str, Any]]:
    """Several steps as one: their frames together, their results by name."""
    frames: dict[str, pl.LazyFrame] = {}
    for s in steps.values():
        frames.update(s.frames)
    return Step(frames, lambda got: {name: s.finish(got) for name, s in steps.items()})


def collect(frames: Mapping[str, pl.LazyFrame]) -> dict[str, pl.DataFrame]:
    """Every frame, in one `pl.collect_all`.

    Polars' common-subplan elimination can panic on some shapes of shared cached sub-plans
    (pola-rs/polars#28945, #29414: a Rust panic, which Python sees as a BaseException). Then
    the frames are collected once more without that optimisation; a second panic becomes a
    RuntimeError, so the caller's ordinary error handling applies."""
    keys = list(frames)
    lfs = [frames[k] for k in keys]
    try:
        out = pl.collect_all(lfs)
    except Exception:
        raise
    except BaseException as exc:
        if type(exc).__name__ != "PanicException":
            raise
        log.warning("Polars panicked (%s); collecting without common-subplan elimination", exc)
        try:
            out = pl.collect_all(lfs, optimizations=pl.QueryOptFlags(comm_subplan_elim=False))
        except BaseException as again:
            if type(again).__name__ != "PanicException":
                raise
            raise RuntimeError(f"Polars failed on this plan: {again}") from None
    return dict(zip(keys, out, strict=True))
