"""The engine in two halves (kpi_engine/plan.py, evaluate.run): every KPI plans lazy frames,
one `pl.collect_all` runs the whole catalogue, then each KPI finishes on what came back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from kpi_engine.catalogue import load_all
from kpi_engine.catalogue.spec import KPI, Value
from kpi_engine.context import Context
from kpi_engine.evaluate import evaluate, run
from kpi_engine.ingest.dataset import load
from kpi_engine.plan import Step, collect, done, frame, join
from kpi_engine.query import Query

ROOT = Path(__file__).resolve().parents[1]
LF = pl.DataFrame({"x": [1, 2, 3]}).lazy()


@pytest.fixture(scope="module")
def sample():
    return load(sorted((ROOT / "sample_files").iterdir()))


def test_step_helpers_compose_frames_and_results():
    a = frame("a", LF.select(pl.col("x").sum()))
    b = frame("b", LF.select(pl.col("x").max())).then(lambda df: df.item() * 10)
    both = join(a=a, b=b, c=done(7))
    assert set(both.frames) == {"a", "b"}
    got = collect(both.frames)
    out = both.finish(got)
    assert out["a"].item() == 6 and out["b"] == 30 and out["c"] == 7


def test_every_kpi_plans_lazily(sample):
    ctx = Context(sample.tables, Query(), sample.currency)
    from kpi_engine.evaluate import missing_inputs

    for kpi in load_all().values():
        if missing_inputs(ctx, kpi):
            continue
        step = kpi.compute(ctx)
        assert isinstance(step, Step), kpi.id
        assert all(isinstance(lf, pl.LazyFrame) for lf in step.frames.values()), kpi.id


def test_the_catalogue_is_one_collect_all(sample, monkeypatch):
    """After the context has found the range, the whole catalogue is one pl.collect_all and
    nothing else is collected: no LazyFrame.collect, no eager table."""
    ctx = Context(sample.tables, Query(), sample.currency)
    calls: list[int] = []
    real = pl.collect_all

    def counting(lfs, *a, **kw):
        lfs = list(lfs)
        calls.append(len(lfs))
        return real(lfs, *a, **kw)

    def no_collect(self, *a, **kw):
        raise AssertionError("a KPI collected a frame on its own")

    monkeypatch.setattr(pl, "collect_all", counting)
    monkeypatch.setattr(pl.LazyFrame, "collect", no_collect)
    eager: list[str] = []
    real_t = Context.t
    monkeypatch.setattr(Context, "t", lambda self, name: eager.append(name) or real_t(self, name))
    results = run(ctx, load_all().values())
    assert len(calls) == 1 and calls[0] > 50
    assert set(eager) <= {"targets"}  # the owner's few target rows stay eager (targets.py)
    assert sum(r.available for r in results.values()) >= 60
    failed = [k for k, r in results.items() if r.explanation and "could not be computed"
              in r.explanation]
    assert failed == []


def _spec(kid: str, compute) -> KPI:
    return KPI(kid, kid, "A", "count", "higher", "flow", "n", "orders", compute)


def test_a_broken_plan_hides_no_other_kpi(sample):
    ctx = Context(sample.tables, Query(), sample.currency)
    good = _spec("good", lambda c: frame("t:n", c.lf("orders").select(pl.len())).then(
        lambda df: Value(float(df.item()))))
    broken = _spec("broken", lambda c: frame("t:bad", c.lf("orders").select(
        pl.col("no_such_column").sum())).then(lambda df: Value(1.0)))
    failing = _spec("failing", lambda c: done(Value(1.0)).then(lambda v: 1 / 0))
    out = run(ctx, [good, broken, failing])
    assert out["good"].available and out["good"].value == sample.tables["orders"].height
    assert not out["broken"].available and "could not be computed" in out["broken"].explanation
    assert not out["failing"].available and "ZeroDivisionError" in out["failing"].explanation
    assert list(out) == ["good", "broken", "failing"]


def test_shared_keys_are_collected_once(sample, monkeypatch):
    ctx = Context(sample.tables, Query(), sample.currency)
    seen: list[int] = []
    real = pl.collect_all
    monkeypatch.setattr(pl, "collect_all", lambda lfs, *a, **kw: seen.append(len(list(lfs)))
                        or real(lfs, *a, **kw))
    ids = ["revenue", "average_purchase_value", "orders_count"]
    alone = sum(len(load_all()[k].compute(ctx).frames) for k in ids)
    run(ctx, [load_all()[k] for k in ids])
    assert seen[-1] < alone  # the three share frames by key


def test_span_and_range_come_from_the_filtered_tables(sample):
    full = Context(sample.tables, Query(), sample.currency)
    assert full.start <= full.end
    rep = sample.tables["orders"]["rep"].drop_nulls()[0]
    one = evaluate(sample.tables, Query(filters={"rep": rep}), sample.currency,
                   only=["revenue"]).kpis["revenue"]
    rows = sample.tables["orders"].filter(pl.col("rep").str.to_lowercase() == rep.lower())
    assert one.value == pytest.approx(float(rows["revenue"].sum()))
    assert isinstance(full.data_end, dt.date)


def _panic_class() -> type[BaseException]:
    """Polars' own PanicException, from a plan that panics in Polars 2.1's cache pass when
    collected alone (nested cached sub-plans shared twice)."""
    base = pl.LazyFrame({"k": ["a", "a", "b"], "d": [1, 2, 3]}).unique().cache()
    firsts = base.group_by("k").agg(f=pl.col("d").min()).cache()
    top = base.filter(pl.col("d") >= 1).unique().join(firsts, on="k", how="left").cache()
    try:
        top.collect()
    except BaseException as exc:  # noqa: BLE001 - a Rust panic is a BaseException
        if type(exc).__name__ == "PanicException":
            return type(exc)
        raise
    pytest.skip("this Polars does not panic on nested cached sub-plans any more")


def test_a_polars_panic_is_retried_without_subplan_elimination(monkeypatch):
    panic = _panic_class()
    real = pl.collect_all
    flags: list[bool] = []

    def fussy(lfs, *a, optimizations=None, **kw):
        cse = optimizations is None or optimizations.comm_subplan_elim
        flags.append(cse)
        if cse:
            raise panic("cache_states.rs: called `Option::unwrap()` on a `None` value")
        return real(lfs, *a, optimizations=optimizations, **kw)

    monkeypatch.setattr(pl, "collect_all", fussy)
    got = collect({"n": LF.select(pl.col("x").sum())})
    assert got["n"].item() == 6 and flags == [True, False]

    def always(lfs, *a, **kw):
        raise panic("still broken")

    monkeypatch.setattr(pl, "collect_all", always)
    with pytest.raises(RuntimeError, match="Polars failed"):
        collect({"n": LF})


def test_a_panic_in_one_kpi_is_that_kpis_failure(sample):
    panic = _panic_class()
    ctx = Context(sample.tables, Query(), sample.currency)

    def boom(_):
        raise panic("a Rust panic while planning")

    good = _spec("good", lambda c: frame("t:n", c.lf("orders").select(pl.len())).then(
        lambda df: Value(float(df.item()))))
    late = _spec("late", lambda c: done(1).then(boom))
    out = run(ctx, [_spec("early", boom), good, late])
    assert out["good"].available and out["good"].value == sample.tables["orders"].height
    assert "PanicException" in out["early"].explanation
    assert "PanicException" in out["late"].explanation
