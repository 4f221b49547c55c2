"""The data a KPI sees: the upload's tables filtered by the query, the range and its periods.

The filtered tables are LazyFrames (`lf`): KPIs plan on them and `evaluate` collects every
KPI's frames at once. Finding the range (when the query gives none) takes one small collect of
each table's first and last date. `t` gives a table eagerly, on demand, for what is not a KPI
(the targets' few rows, the records behind a breakdown)."""

from __future__ import annotations

import datetime as dt
from functools import cached_property

import polars as pl

from kpi_engine.query import Period, Query, months_between, periods

DATE_OF = {
    "orders": "order_date",
    "deals": "created_date",
    "leads": "created_date",
    "activities": "activity_date",
    "marketing": "date",
    "subscriptions": "start_date",
    "stage_history": "entered_date",
}


class Context:
    def __init__(self, tables: dict[str, pl.DataFrame], query: Query,
                 currency: str | None = None) -> None:
        self.query = query
        self.settings = query.settings
        self.currency = currency
        self.not_filtered: list[str] = []
        self.uploaded = tables  # what the upload has (availability is judged on it)
        self._keep = {name: self._filter(name, df) for name, df in tables.items()}
        self.lazy = {name: df.lazy().filter(self._keep[name]) for name, df in tables.items()}
        self._eager: dict[str, pl.DataFrame] = {}
        first, last = self._data_span()
        self.data_end = last
        self.start: dt.date = query.start or first
        self.end: dt.date = query.end or last
        self.grain = query.grain
        self.periods: list[Period] = periods(self.start, self.end, self.grain,
                                             self.settings.fiscal_year_start)

    # -- tables and fields -------------------------------------------------------------
    def _filter(self, name: str, df: pl.DataFrame) -> pl.Expr:
        """The rows of the table the query's filters keep, as one predicate."""
        keep = pl.lit(True)
        for dim, value in self.query.filters.items():
            if dim not in df.columns or df[dim].null_count() == df.height:
                self.not_filtered.append(f"{name} has no {dim}")
                continue
            keep = keep & (pl.col(dim).str.to_lowercase() == value.strip().lower())
        return keep

    def lf(self, table: str) -> pl.LazyFrame | None:
        """The table's rows the query's filters keep, as a LazyFrame (None: not uploaded)."""
        return self.lazy.get(table)

    def t(self, table: str) -> pl.DataFrame | None:
        """The same rows collected now, in date order (file order among equal dates)."""
        if table not in self._eager:
            df = self.uploaded.get(table)
            if df is None:
                return None
            self._eager[table] = _sorted(table, df.filter(self._keep[table]))
        return self._eager[table]

    def has(self, table: str, field: str | None = None) -> bool:
        """The table was uploaded (and, with a field, the column holds at least one value).

        Judged on the upload, not on the filtered rows: a rep without orders has revenue 0,
        not "needs orders"."""
        df = self.uploaded.get(table)
        if df is None or df.height == 0:  # a table none of whose rows could be used
            return False
        if field is None:
            return True
        return field in df.columns and df[field].null_count() < df.height

    # -- the range -----------------------------------------------------------------------
    def _data_span(self) -> tuple[dt.date, dt.date]:
        """The first and last day of the data: one collect of every table's date bounds."""
        plans: dict[str, pl.LazyFrame] = {}
        for name, col in DATE_OF.items():
            lf, df = self.lazy.get(name), self.uploaded.get(name)
            if lf is None or df is None or col not in df.columns or df.height == 0:
                continue
            last = pl.col(col).max()
            if name == "marketing" and "_month_row" in df.columns:  # a month row: whole month
                last = pl.when(pl.col("_month_row").fill_null(False))\
                    .then(pl.col(col).dt.month_end()).otherwise(pl.col(col)).max()
            plans[name] = lf.select(lo=pl.col(col).min().cast(pl.Date), hi=last.cast(pl.Date))
        deals = self.uploaded.get("deals")
        if deals is not None and {"close_date", "status"} <= set(deals.columns):
            closed = self.lazy["deals"].filter(pl.col("status").is_in(["won", "lost"]))
            plans["closed"] = closed.select(lo=pl.col("close_date").min().cast(pl.Date),
                                            hi=pl.col("close_date").max().cast(pl.Date))
        from kpi_engine.plan import collect

        bounds = collect(plans)
        spans = [(b["lo"][0], b["hi"][0]) for k, b in bounds.items()
                 if k != "stage_history" and b["lo"][0] is not None]
        if not spans:  # no transactional table: the stage history's span, else today
            h = bounds.get("stage_history")
            if h is not None and h["lo"][0] is not None:
                return h["lo"][0], h["hi"][0]
            today = dt.date.today()
            return today, today
        return min(lo for lo, _ in spans), max(hi for _, hi in spans)

    @cached_property
    def range_years(self) -> float:
        return ((self.end - self.start).days + 1) / 365.25

    def months(self, start: dt.date | None = None, end: dt.date | None = None) -> float:
        return months_between(start or self.start, end or self.end)

    @property
    def range_label(self) -> str:
        return f"{self.start.isoformat()} – {self.end.isoformat()}"


def _sorted(name: str, df: pl.DataFrame) -> pl.DataFrame:
    """Rows in date order (file order among equal dates), so a date range is a slice."""
    col = DATE_OF.get(name)
    if col is None or col not in df.columns or df.height == 0:
        return df
    if df[col].null_count() == 0 and df[col].is_sorted():
        return df.with_columns(pl.col(col).set_sorted())
    return df.sort(col, nulls_last=True, maintain_order=True)


def between(col: str, start: dt.date, end: dt.date) -> pl.Expr:
    """Rows whose date (or date-time's date) lies in [start, end]: compared with midnight
    bounds, so a date-time column needs no conversion to dates."""
    c = pl.col(col)
    lo = dt.datetime.combine(start, dt.time())
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
    return (c >= pl.lit(lo)) & (c < pl.lit(hi))
