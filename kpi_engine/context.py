"""The data a KPI sees: the upload's tables filtered by the query, the range and its periods."""

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
        self.tables = {name: _sorted(name, self._filter(name, df)) for name, df in tables.items()}
        first, last = self._data_span()
        self.data_end = last
        self.start: dt.date = query.start or first
        self.end: dt.date = query.end or last
        self.grain = query.grain
        self.periods: list[Period] = periods(self.start, self.end, self.grain,
                                             self.settings.fiscal_year_start)

    # -- tables and fields -------------------------------------------------------------
    def _filter(self, name: str, df: pl.DataFrame) -> pl.DataFrame:
        for dim, value in self.query.filters.items():
            if dim not in df.columns or df[dim].null_count() == df.height:
                self.not_filtered.append(f"{name} has no {dim}")
                continue
            df = df.filter(pl.col(dim).str.to_lowercase() == value.strip().lower())
        return df

    def t(self, table: str) -> pl.DataFrame | None:
        return self.tables.get(table)

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
        lows: list[dt.date] = []
        highs: list[dt.date] = []
        for name, col in DATE_OF.items():
            if name == "stage_history":
                continue
            df = self.tables.get(name)
            if df is None or col not in df.columns or df.height == 0:
                continue
            d = df[col].drop_nulls()
            if d.len() == 0:
                continue
            lo, hi = _as_date(d.min()), _as_date(d.max())
            if name == "marketing" and "_month_row" in df.columns:  # a month row: whole month
                ends = df.select(pl.when(pl.col("_month_row").fill_null(False))
                                 .then(pl.col(col).dt.month_end()).otherwise(pl.col(col)).max())
                hi = max(hi, _as_date(ends.item()))
            lows.append(lo)
            highs.append(hi)
        deals = self.tables.get("deals")
        if deals is not None and "close_date" in deals.columns and "status" in deals.columns:
            closed = deals.filter(pl.col("status").is_in(["won", "lost"]))["close_date"].drop_nulls()
            if closed.len():
                lows.append(_as_date(closed.min()))
                highs.append(_as_date(closed.max()))
        if not lows:  # no transactional table: the stage history's span, else today
            history = self.tables.get("stage_history")
            d = history["entered_date"].drop_nulls() if history is not None else None
            if d is not None and d.len():
                return _as_date(d.min()), _as_date(d.max())
            today = dt.date.today()
            return today, today
        return min(lows), max(highs)

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


def _as_date(v: object) -> dt.date:
    if isinstance(v, dt.datetime):
        return v.date()
    assert isinstance(v, dt.date)
    return v


def between(col: str, start: dt.date, end: dt.date) -> pl.Expr:
    """Rows whose date (or date-time's date) lies in [start, end]: compared with midnight
    bounds, so a date-time column needs no conversion to dates."""
    c = pl.col(col)
    lo = dt.datetime.combine(start, dt.time())
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
    return (c >= pl.lit(lo)) & (c < pl.lit(hi))
