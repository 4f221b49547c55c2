"""The lazy frames behind the deals-based KPIs (pipeline.py), and what their finishes read.

Every frame is an aggregate over `deals_lf` or the stage history, grouped by period (`_pid`),
status, dimension value, stage or probability band:
- outcomes: won and lost deals closed in the range, per status and per period and status
  (count, count with an amount, Σ amount, Σ and count of non-negative cycles, unwinnable);
- stocks at instants: each deal spread over the period ends it is open at (`int_ranges` of
  period-end indices, exploded) and counted per period end; the deals open at the range end
  with their stage and probability at that instant;
- stage history: the funnel order (first appearances and stage_order, lazily), the history
  collapsed per deal, deals reaching each stage and stays per stage.

Σ amount of the won deals per period and of the open deals at the range end is summed as
Polars' Series.sum adds (`fsum`): the lazy engine's `sum` adds in another order, and those
sums are compared exactly with filtering each period; breakdowns use `sum`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl

from kpi_engine.context import Context
from kpi_engine.deals import deals_lf
from kpi_engine.fmt import div
from kpi_engine.ingest.clean_labels import deal_status
from kpi_engine.measures import NONE_KEY, breakdown_dict, breakdown_lf, names_lf, pid
from kpi_engine.plan import Got, Step, frame, join

DIMS = ("rep", "channel", "team")
UNKNOWN = "(unknown)"
BANDS = ("0-25", "25-50", "50-75", "75-100")
CLOSED = pl.col("status").is_in(["won", "lost"])
STILL_OPEN = ~CLOSED.fill_null(False)
OUTCOME = {"n": 0, "n_amount": 0, "amount": 0.0, "dd_sum": 0, "dd_n": 0, "unwinnable": 0}


def fsum(expr: pl.Expr) -> pl.Expr:
    """Σ expr added as Series.sum adds (0 when empty)."""
    return expr.implode().list.sum()


def named(frame: pl.DataFrame, col: str, names: dict[str, str]) -> dict[str, Any]:
    """{display name: col} of a frame grouped by a lower-cased key `_k` (as `breakdown_dict`)."""
    return {(names.get(k, k) if k is not None else NONE_KEY): v
            for k, v in zip(frame["_k"], frame[col], strict=True)}


def open_expr(t: dt.date) -> pl.Expr:
    """The deal is open at the end of day t (a deal with a null status is not won/lost)."""
    gone = CLOSED.fill_null(False) & (pl.col("closed").is_null() | (pl.col("closed") <= t))
    return (pl.col("created") <= t) & ~gone


# -- outcomes: won and lost deals closed in the range ----------------------------------------
@dataclass(frozen=True)
class Outcome:
    """Deals of one status closed in an interval."""

    n: int = 0
    n_amount: int = 0
    amount: float = 0.0
    dd_sum: int = 0  # Σ close − created (days) over the non-negative cycles
    dd_n: int = 0
    unwinnable: int = 0

    @property
    def cycle(self) -> float | None:
        return self.dd_sum / self.dd_n if self.dd_n else None

    @property
    def ads(self) -> float | None:
        """average deal size: Σ amount / deals having one."""
        return div(self.amount, self.n_amount)


@dataclass(frozen=True)
class Closed:
    """The range's outcomes (`won`, `lost`) and each period's (`periods[i]`)."""

    won: Outcome
    lost: Outcome
    periods: list[tuple[Outcome, Outcome]]

    @property
    def n(self) -> int:
        return self.won.n + self.lost.n


def closed_lf(ctx: Context) -> pl.LazyFrame:
    """Won and lost deals closed in the range, with `_pid` and `_dd` (close − created, days)."""
    return deals_lf(ctx).filter(CLOSED & pl.col("closed").is_between(ctx.start, ctx.end)) \
        .with_columns(pid(ctx, "closed"),
                      _dd=(pl.col("closed") - pl.col("created")).dt.total_days())


def won_lf(ctx: Context) -> pl.LazyFrame:
    return closed_lf(ctx).filter(pl.col("status") == "won")


def _outcome_aggs(ctx: Context) -> dict[str, pl.Expr]:
    dd = pl.col("_dd").filter(pl.col("_dd") >= 0)
    aggs = {"n": pl.len(), "n_amount": pl.col("amount").count(), "amount": fsum(pl.col("amount")),
            "dd_sum": dd.sum(), "dd_n": dd.count()}
    if "winnable" in ctx.uploaded["deals"].columns:
        aggs["unwinnable"] = pl.col("winnable").not_().sum()
    return aggs


def closed_step(ctx: Context) -> Step[Closed]:
    lf, aggs = closed_lf(ctx), _outcome_aggs(ctx)
    return join(
        total=frame("pipeline:outcomes", lf.group_by("status").agg(**aggs)),
        per=frame("pipeline:outcomes_by_period", lf.group_by("_pid", "status").agg(**aggs)),
    ).then(lambda r: _closed(ctx, r["total"], r["per"]))


def _outcome(row: dict[str, Any] | None) -> Outcome:
    if row is None:
        return Outcome()
    return Outcome(**{k: row.get(k) or v for k, v in OUTCOME.items()})


def _closed(ctx: Context, total_frame: pl.DataFrame, per_frame: pl.DataFrame) -> Closed:
    total = {r["status"]: r for r in total_frame.iter_rows(named=True)}
    per = {(r["_pid"], r["status"]): r for r in per_frame.iter_rows(named=True)}
    periods = [(_outcome(per.get((i, "won"))), _outcome(per.get((i, "lost"))))
               for i in range(len(ctx.periods))]
    return Closed(_outcome(total.get("won")), _outcome(total.get("lost")), periods)


def won_by(ctx: Context, col: str, dims: tuple[str, ...] = DIMS) -> Step[dict[str, Any]]:
    """{dim: {value: col}} of the won deals closed in the range, col `n` or `amount`."""
    frames = {f"pipeline:won_by:{d}": breakdown_lf(won_lf(ctx), d, n=pl.len(),
                                                   amount=pl.col("amount").sum())
              for d in dims if ctx.has("deals", d)}
    return Step(frames, lambda got: {k.rsplit(":", 1)[1]: breakdown_dict(got[k], col)
                                     for k in frames})


def win_rate_by(ctx: Context) -> Step[dict[str, Any]]:
    rate = (pl.col("status") == "won").sum() / pl.len() * 100
    frames = {f"pipeline:win_rate_by:{d}": breakdown_lf(closed_lf(ctx), d, rate=rate)
              for d in ("rep", "team") if ctx.has("deals", d)}
    return Step(frames, lambda got: {k.rsplit(":", 1)[1]: breakdown_dict(got[k], "rate")
                                     for k in frames})


# -- stocks at instants ---------------------------------------------------------------------
def open_by_end(ctx: Context) -> Step[list[tuple[int, float]]]:
    """(open deals, Σ their amount) at each period's clipped end."""
    ends = pl.lit(pl.Series([p.clip_end for p in ctx.periods], dtype=pl.Date))
    first = ends.search_sorted(pl.col("created"), side="left")  # first end on or after created
    stop = (pl.when(STILL_OPEN).then(pl.lit(len(ctx.periods), pl.UInt32))
            .when(pl.col("closed").is_null()).then(pl.lit(0, pl.UInt32))
            .otherwise(ends.search_sorted(pl.col("closed"), side="left")))  # first end ≥ close
    lf = (
        deals_lf(ctx).filter(pl.col("created").is_not_null())
        .select("amount", _a=first, _b=stop).filter(pl.col("_a") < pl.col("_b"))
        .select("amount", _i=pl.int_ranges("_a", "_b", dtype=pl.UInt32)).explode("_i")
        .group_by("_i").agg(n=pl.len(), amount=fsum(pl.col("amount")))
    )

    def finish(got: Got) -> list[tuple[int, float]]:
        out = [(0, 0.0)] * len(ctx.periods)
        for i, n, amount in got["pipeline:open_by_end"].iter_rows():
            out[i] = (n, amount or 0.0)
        return out
    return Step({"pipeline:open_by_end": lf}, finish)


def _at_end_lf(ctx: Context) -> pl.LazyFrame:
    """Deals open at the range's end t with `stage_t` (its stage at t: its own while still
    open, else that of its last stage history entry by t) and `prob_t` (its probability while
    still open, else the median of the still-open deals of stage_t)."""
    t, all_deals = ctx.end, deals_lf(ctx)
    d = all_deals.filter(open_expr(t))
    hist_stage: pl.Expr = pl.lit(None, pl.String)
    if ctx.lf("stage_history") is not None:
        last = (collapsed_history(ctx).filter(pl.col("day") <= t)
                .group_by("deal_id", maintain_order=True).agg(_hstage=pl.col("stage").last()))
        d = d.join(last, on="deal_id", how="left", maintain_order="left")
        hist_stage = pl.col("_hstage")
    d = d.with_columns(stage_t=pl.when(STILL_OPEN).then(pl.col("stage"))
                       .otherwise(pl.coalesce(hist_stage, pl.lit(UNKNOWN))))
    d = d.with_columns(_sk=pl.when(pl.col("stage_t") != UNKNOWN)
                       .then(pl.col("stage_t").str.to_lowercase()))
    med = (all_deals.filter(STILL_OPEN & pl.col("stage").is_not_null())
           .group_by(_sk=pl.col("stage").str.to_lowercase())
           .agg(_med=pl.col("probability").median()))
    d = d.join(med, on="_sk", how="left", maintain_order="left")
    return d.with_columns(prob_t=pl.when(STILL_OPEN).then(pl.col("probability"))
                          .otherwise(pl.col("_med")))


def at_end(ctx: Context) -> Step[dict[str, Any]]:
    """The deals open at the range end: n, n_amount, amount, weighted (Σ amount × prob_t)."""
    lf = _at_end_lf(ctx).select(
        n=pl.len(), n_amount=pl.col("amount").count(), amount=fsum(pl.col("amount")),
        weighted=fsum(pl.col("amount") * pl.col("prob_t")))
    return frame("pipeline:at_end", lf).then(
        lambda f: {k: (v or 0.0) if k in ("amount", "weighted") else v
                   for k, v in f.row(0, named=True).items()})


def at_end_by_stage(ctx: Context) -> Step[pl.DataFrame]:
    """`_k` (stage at the end, lower-cased) -> `n`, `amount` of the deals open at the end."""
    lf = (_at_end_lf(ctx).group_by(_k=pl.col("stage_t").str.to_lowercase())
          .agg(n=pl.len(), amount=pl.col("amount").sum()).sort("_k", nulls_last=True))
    return frame("pipeline:at_end_by_stage", lf)


def _band(prob: pl.Expr) -> pl.Expr:
    p = prob * 100
    return (pl.when(p < 25).then(pl.lit(BANDS[0])).when(p < 50).then(pl.lit(BANDS[1]))
            .when(p < 75).then(pl.lit(BANDS[2])).when(p.is_not_null()).then(pl.lit(BANDS[3])))


def at_end_by_band(ctx: Context) -> Step[dict[str, dict[str, Any]]]:
    """{band: n} and {band: Σ amount} of the deals open at the end (every band present)."""
    lf = (_at_end_lf(ctx).with_columns(_b=_band(pl.col("prob_t"))).filter(pl.col("_b").is_not_null())
          .group_by("_b").agg(n=pl.len(), amount=pl.col("amount").sum()))

    def finish(f: pl.DataFrame) -> dict[str, dict[str, Any]]:
        n = dict(zip(f["_b"], f["n"], strict=True))
        amount = dict(zip(f["_b"], f["amount"], strict=True))
        return {"n": {b: n.get(b, 0) for b in BANDS},
                "amount": {b: float(amount.get(b, 0)) for b in BANDS}}
    return frame("pipeline:at_end_by_band", lf).then(finish)


# -- stage history ---------------------------------------------------------------------------
def stage_names(ctx: Context) -> Step[dict[str, str]]:
    """lower-case stage -> its most frequent spelling across deals and stage_history."""
    parts = [lf.select(pl.col("stage").cast(pl.String))
             for name in ("deals", "stage_history")
             if (lf := ctx.lf(name)) is not None and "stage" in ctx.uploaded[name].columns]
    if not parts:
        return Step({}, lambda got: {})
    return frame("pipeline:stage_names", names_lf(pl.concat(parts), "stage")).then(
        lambda f: dict(zip(f["_k"], f["_name"], strict=True)))


def _raw_history(ctx: Context) -> pl.LazyFrame:
    h = ctx.lf("stage_history")
    assert h is not None
    return (
        h.with_row_index("_row")
        .with_columns(skey=pl.col("stage").str.to_lowercase(),
                      day=pl.col("entered_date").dt.date())
        .filter(pl.col("deal_id").is_not_null() & pl.col("skey").is_not_null())
    )


def _is_lost(stage: pl.Series) -> pl.Series:
    return (deal_status(stage) == "lost").fill_null(False)


def _stage_ranks(ctx: Context) -> pl.LazyFrame:
    """Every stage (`skey`) with `_f` (its place in the funnel; null when not a funnel stage)
    and `_o` (the order of same-day rows: funnel stages in funnel order, then the others by
    first appearance). The funnel: stage_order (of stage_history, else of deals) then first
    appearance, lost stages (and, with a stage_order, stages without one) left out."""
    h = _raw_history(ctx).sort(["entered_date", "_row"])
    first = (h.unique("skey", keep="first", maintain_order=True).select("skey", "stage")
             .with_row_index("_pos")
             .with_columns(_lost=pl.col("stage").map_batches(_is_lost, return_dtype=pl.Boolean)))
    src: pl.LazyFrame | None = None
    if ctx.has("stage_history", "stage_order"):
        src = h.select("skey", "stage_order")
    elif ctx.has("deals", "stage_order"):
        src = ctx.uploaded["deals"].lazy().select(skey=pl.col("stage").str.to_lowercase(),
                                                  stage_order=pl.col("stage_order"))
    keep, by = ~pl.col("_lost"), ["_pos"]
    if src is not None:
        order = src.drop_nulls().unique("skey", keep="first", maintain_order=True)
        first = first.join(order, on="skey", how="left")
        keep, by = keep & pl.col("stage_order").is_not_null(), ["stage_order", "_pos"]
    funnel = first.filter(keep).sort(by).with_row_index("_f").select("skey", "_f")
    return first.join(funnel, on="skey", how="left").select(
        "skey", "_f", _o=pl.coalesce("_f", pl.col("_pos") + pl.col("_f").count()))


def funnel(ctx: Context) -> Step[list[str]]:
    """The funnel stages (lower-case keys) in order."""
    lf = _stage_ranks(ctx).filter(pl.col("_f").is_not_null()).sort("_f").select("skey")
    return frame("pipeline:funnel", lf).then(lambda f: f["skey"].to_list())


def collapsed_history(ctx: Context) -> pl.LazyFrame:
    """Stage history in time order per deal (same-day rows by `_o`), consecutive rows of a
    stage collapsed into the first, with `next_day` (the deal's next entry, null for its last)."""
    h = (_raw_history(ctx).join(_stage_ranks(ctx).select("skey", "_o"), on="skey", how="left")
         .sort(["deal_id", "day", "_o", "_row"]))
    prev = pl.col("skey").shift(1).over("deal_id")
    h = h.filter(prev.is_null() | (prev != pl.col("skey")))
    return h.with_columns(next_day=pl.col("day").shift(-1).over("deal_id"))


def reached(ctx: Context) -> Step[dict[str, int]]:
    """lower-case stage -> deals with a (collapsed) entry for it dated in the range."""
    lf = (collapsed_history(ctx).filter(pl.col("day").is_between(ctx.start, ctx.end))
          .group_by("skey").agg(n=pl.col("deal_id").n_unique()))
    return frame("pipeline:reached", lf).then(
        lambda f: dict(zip(f["skey"], f["n"], strict=True)))


def stays(ctx: Context) -> Step[dict[str, Any]]:
    """Days from each collapsed entry dated in the range to the deal's next: `n`, `total`,
    `mean` over all, and `by_stage` (a frame: `_k` -> `mean`)."""
    rows = (collapsed_history(ctx)
            .filter(pl.col("day").is_between(ctx.start, ctx.end) & pl.col("next_day").is_not_null())
            .with_columns(stay=(pl.col("next_day") - pl.col("day")).dt.total_days()))
    total = frame("pipeline:stays", rows.select(n=pl.len(), total=pl.col("stay").sum(),
                                                mean=pl.col("stay").mean()))
    per = frame("pipeline:stays_by_stage",
                rows.group_by(_k=pl.col("stage").str.to_lowercase())
                .agg(mean=pl.col("stay").mean()).sort("_k", nulls_last=True))
    return join(total=total, by_stage=per).then(
        lambda r: {**r["total"].row(0, named=True), "by_stage": r["by_stage"]})
