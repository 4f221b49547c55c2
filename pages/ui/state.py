"""Every session_state key of the app lives here, and the only cache wrappers.

Uploaded data belongs to one browser session: it is kept in `st.session_state` (per session,
in memory), never in `st.cache_data`/`st.cache_resource` (process-wide). Only the product's own
sample files are cached process-wide.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import streamlit as st

from kpi_engine.query import FILTER_DIMENSIONS, Query, Settings

if TYPE_CHECKING:
    from kpi_engine.evaluate import Results
    from kpi_engine.ingest.dataset import Dataset

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_files"
_RESULTS_KEPT = 12  # results of the last few queries, so going back to a view is instant

# session_state keys (this module is their only writer)
DATASET = "dataset"
DATASET_KEY = "dataset_key"
VERSION = "dataset_version"
SETTINGS = "settings"
DISPLAY = "display"
RESULTS = "results_cache"
PINNED = "pinned"
MAPPING_LOG = "mapping_log"


@dataclass(frozen=True)
class Display:
    decimal_comma: bool = False
    currency: str | None = None  # None: the upload's own currency


@dataclass(frozen=True)
class Span:
    first: dt.date
    last: dt.date
    dimensions: dict[str, list[str]] = field(default_factory=dict)


# -- the dataset ----------------------------------------------------------------------------
def dataset() -> Dataset | None:
    return st.session_state.get(DATASET)


def has_rows() -> bool:
    """Some row of the upload can be used (a sheet whose rows were all set aside is not
    data: e.g. orders without a value column until the user picks one)."""
    ds = dataset()
    return ds is not None and any(df.height for df in ds.tables.values())


def dataset_label() -> str:
    key = st.session_state.get(DATASET_KEY)
    return "the sample files" if key == "sample" else "your files"


def upload_key(files: list[Any]) -> tuple[tuple[str, str], ...]:
    return tuple((f.name, hashlib.sha1(f.getvalue()).hexdigest()) for f in files)


def set_dataset(ds: Dataset, key: object) -> None:
    # one contiguous chunk per column: every later filter and KPI runs ~20 % faster on it
    ds.tables.update({name: df.rechunk() for name, df in ds.tables.items() if df.n_chunks() > 1})
    st.session_state[DATASET] = ds
    st.session_state[DATASET_KEY] = key
    st.session_state[VERSION] = st.session_state.get(VERSION, 0) + 1
    st.session_state[RESULTS] = OrderedDict()
    st.session_state[MAPPING_LOG] = []


def replace_dataset(ds: Dataset, note: str) -> None:
    """The same upload with a mapping chosen by the user (results recomputed on next view)."""
    log = [*st.session_state.get(MAPPING_LOG, []), note]
    set_dataset(ds, st.session_state.get(DATASET_KEY))
    st.session_state[MAPPING_LOG] = log


def clear_dataset() -> None:
    for k in (DATASET, DATASET_KEY, RESULTS, MAPPING_LOG):
        st.session_state.pop(k, None)
    st.session_state[VERSION] = st.session_state.get(VERSION, 0) + 1


def loaded_key() -> object:
    return st.session_state.get(DATASET_KEY)


def version() -> int:
    return st.session_state.get(VERSION, 0)


@st.cache_resource(show_spinner=False)
def _sample_dataset() -> Dataset:
    """The product's own sample files (not user data, so shared by every session)."""
    from kpi_engine.ingest.dataset import load

    return load(sorted(p for p in SAMPLE_DIR.iterdir()
                       if p.suffix.lower() in (".csv", ".xlsx", ".xls")))


def load_sample() -> None:
    set_dataset(_sample_dataset(), "sample")


def span() -> Span | None:
    """The data's date span and the values of each filter dimension (once per dataset)."""
    ds = dataset()
    if ds is None or not has_rows():
        return None
    cache_key = ("span", version())
    got = st.session_state.get("_span")
    if got and got[0] == cache_key:
        return got[1]
    from kpi_engine.context import Context

    ctx = Context(ds.tables, Query(), ds.currency)
    dims: dict[str, list[str]] = {}
    for dim in FILTER_DIMENSIONS:
        values: set[str] = set()
        for df in ds.tables.values():
            if dim in df.columns and df[dim].dtype == _string():
                values.update(v for v in df[dim].drop_nulls().unique().to_list() if v)
        spellings: dict[str, str] = {}  # filters ignore case: one entry per name
        for v in sorted(values, key=lambda v: (sum(c.isupper() for c in v), v), reverse=True):
            spellings.setdefault(v.strip().casefold(), v)
        if len(spellings) > 1:
            dims[dim] = sorted(spellings.values(), key=str.casefold)
    result = Span(ctx.start, ctx.end, dims)
    st.session_state["_span"] = (cache_key, result)
    return result


def _string() -> Any:
    import polars as pl

    return pl.String


# -- settings and display -------------------------------------------------------------------
def settings() -> Settings:
    return st.session_state.get(SETTINGS) or Settings()


def set_settings(s: Settings) -> None:
    if s != settings():
        st.session_state[SETTINGS] = s


def display() -> Display:
    return st.session_state.get(DISPLAY) or Display()


def set_display(d: Display) -> None:
    st.session_state[DISPLAY] = d


def currency() -> str | None:
    ds = dataset()
    return display().currency or (ds.currency if ds else None)


# -- the query of the shared sidebar --------------------------------------------------------
def query(**overrides: Any) -> Query:
    """The sidebar's date range, grain and filters with the settings typed in."""
    q: Query = st.session_state.get("_query") or Query()
    q = replace(q, settings=settings())
    if "filters" in overrides:
        overrides["filters"] = {**q.filters, **overrides["filters"]}
    return replace(q, **overrides) if overrides else q


def set_query(start: dt.date | None, end: dt.date | None, grain: str,
              filters: dict[str, str]) -> None:
    st.session_state["_query"] = Query(start=start, end=end, grain=grain,  # type: ignore[arg-type]
                                       filters=dict(filters), settings=settings())


# -- results --------------------------------------------------------------------------------
def results(only: list[str] | None = None, q: Query | None = None) -> Results | None:
    """The KPIs for the current query, from this session's cache when the view was seen."""
    ds = dataset()
    if ds is None or not has_rows():
        return None
    q = q or query()
    cache: OrderedDict = st.session_state.setdefault(RESULTS, OrderedDict())
    want = tuple(sorted(only)) if only else None
    key = (version(), repr(q), want)
    hit = cache.get(key) or cache.get((version(), repr(q), None))
    if hit is not None:
        cache.move_to_end(key if key in cache else (version(), repr(q), None))
        return hit
    from kpi_engine.evaluate import evaluate

    res = evaluate(ds.tables, q, ds.currency, only=list(want) if want else None)
    cache[key] = res
    while len(cache) > _RESULTS_KEPT:
        cache.popitem(last=False)
    return res


# -- pinned KPIs ----------------------------------------------------------------------------
def pinned(audience: str, default: list[str]) -> list[str]:
    chosen = st.session_state.get(PINNED, {})
    return list(chosen.get(audience, default))


def set_pinned(audience: str, ids: list[str]) -> None:
    chosen = dict(st.session_state.get(PINNED, {}))
    chosen[audience] = list(ids)
    st.session_state[PINNED] = chosen
