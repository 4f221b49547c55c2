"""What a computation is asked for: the date range, the grain, filters and the settings.

Periods are calendar buckets of the grain (ISO weeks, months, quarters and years starting in
`fiscal_year_start`), each clipped to the range (catalogue section 2).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

Grain = Literal["week", "month", "quarter", "year"]
FILTER_DIMENSIONS = ("rep", "region", "channel", "product", "segment", "team")


@dataclass(frozen=True)
class Settings:
    sales_costs_per_month: float | None = None
    marketing_costs_per_month: float | None = None
    number_of_reps: int | None = None
    selling_days_per_month: int = 21
    stale_after_days: int = 14
    monthly_target: float | None = None
    fiscal_year_start: int = 1
    new_product: str | None = None
    old_product: str | None = None
    launch_date: dt.date | None = None


@dataclass(frozen=True)
class Query:
    start: dt.date | None = None  # None: the data's first date
    end: dt.date | None = None  # None: the data's last date
    grain: Grain = "month"
    filters: dict[str, str] = field(default_factory=dict)
    settings: Settings = field(default_factory=Settings)


@dataclass(frozen=True)
class Period:
    label: str
    start: dt.date  # the whole period's bounds
    end: dt.date
    clip_start: dt.date  # clipped to the range
    clip_end: dt.date


def month_start(d: dt.date) -> dt.date:
    return d.replace(day=1)


def add_months(d: dt.date, n: int) -> dt.date:
    y, m = divmod(d.month - 1 + n, 12)
    return dt.date(d.year + y, m + 1, 1)


def month_end(d: dt.date) -> dt.date:
    return add_months(d, 1) - dt.timedelta(days=1)


def days_in_month(d: dt.date) -> int:
    return month_end(d).day


def period_of(d: dt.date, grain: Grain, fy_start: int = 1) -> tuple[str, dt.date, dt.date]:
    """The whole grain period containing day d: (label, start, end)."""
    if grain == "week":
        start = d - dt.timedelta(days=d.weekday())
        iso = d.isocalendar()
        return f"{iso.year}-W{iso.week:02d}", start, start + dt.timedelta(days=6)
    if grain == "month":
        return d.strftime("%Y-%m"), month_start(d), month_end(d)
    offset = (d.month - fy_start) % 12
    fy_first = add_months(month_start(d), -offset)  # first month of d's fiscal year
    fiscal_year = fy_first.year + (1 if fy_start != 1 else 0)
    prefix = "FY" if fy_start != 1 else ""
    if grain == "quarter":
        q = offset // 3 + 1
        start = add_months(fy_first, 3 * (q - 1))
        return f"{prefix}{fiscal_year}-Q{q}", start, add_months(start, 3) - dt.timedelta(days=1)
    return f"{prefix}{fiscal_year}", fy_first, add_months(fy_first, 12) - dt.timedelta(days=1)


def periods(start: dt.date, end: dt.date, grain: Grain, fy_start: int = 1) -> list[Period]:
    out: list[Period] = []
    d = start
    while d <= end:
        label, p_start, p_end = period_of(d, grain, fy_start)
        out.append(Period(label, p_start, p_end, max(p_start, start), min(p_end, end)))
        d = p_end + dt.timedelta(days=1)
    return out


def months_between(start: dt.date, end: dt.date) -> float:
    """Calendar months of [start, end], a partial month pro rata by days (1-15 Jan = 15/31)."""
    total = 0.0
    d = month_start(start)
    while d <= end:
        a, b = max(d, start), min(month_end(d), end)
        total += ((b - a).days + 1) / days_in_month(d)
        d = add_months(d, 1)
    return total
