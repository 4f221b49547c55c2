"""What a column's values look like (dates? money? yes/no? stages?), from a sample of them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import polars as pl

SAMPLE = 500


@dataclass
class ColumnProfile:
    values: pl.Series  # the whole column as text
    _sample: pl.Series | None = None

    @cached_property
    def nonempty(self) -> pl.Series:
        """Every non-empty value, trimmed (the whole column: used for uniqueness only)."""
        s = self.values.filter(self.values.str.len_bytes() > 0).str.strip_chars()
        return s.filter(s != "")

    @cached_property
    def empty(self) -> bool:
        return self.sample.len() == 0

    @cached_property
    def sample(self) -> pl.Series:
        """Up to SAMPLE non-empty values, trimmed, spread evenly over the column."""
        s = self.values.filter(self.values.str.len_bytes() > 0)
        if s.len() > SAMPLE * 4:
            s = s.gather_every(s.len() // (SAMPLE * 4))
        s = s.str.strip_chars()
        s = s.filter(s != "")
        if s.len() <= SAMPLE:
            return s
        return s.gather_every(s.len() // SAMPLE).head(SAMPLE)

    def _share(self, parsed: pl.Series) -> float:
        n = self.sample.len()
        return 0.0 if n == 0 else parsed.is_not_null().sum() / n

    @cached_property
    def number_share(self) -> float:
        from kpi_engine.ingest.clean import parse_number

        return self._share(parse_number(self.sample).values)

    @cached_property
    def date_share(self) -> float:
        from kpi_engine.ingest.clean import parse_date

        return self._share(parse_date(self.sample).values)

    @cached_property
    def period_share(self) -> float:
        from kpi_engine.ingest.periods import parse_period

        return self._share(parse_period(self.sample))

    @cached_property
    def bool_share(self) -> float:
        from kpi_engine.ingest.clean import parse_bool

        return self._share(parse_bool(self.sample))

    @cached_property
    def rate_like(self) -> bool:
        """Every value is a share: 0..1, or written with a % sign."""
        if self.sample.len() == 0:
            return False
        if self.sample.str.contains("%").mean() > 0.5:  # type: ignore[operator]
            return True
        from kpi_engine.ingest.clean import parse_number

        v = parse_number(self.sample).values.drop_nulls()
        return v.len() > 0 and bool(((v >= 0) & (v <= 1)).all()) and bool((v % 1 != 0).any())

    @cached_property
    def stage_share(self) -> float:
        """Share of values that name a won or lost stage ("Closed Won", "Wygrana", "Lost" ...)."""
        from kpi_engine.ingest.clean import deal_status

        status = deal_status(self.sample)
        return 0.0 if status.len() == 0 else float(status.is_in(["won", "lost"]).mean() or 0.0)

    @cached_property
    def all_unique(self) -> bool:
        n = self.nonempty.len()
        return n >= 3 and self.nonempty.str.to_lowercase().n_unique() == n

    @cached_property
    def duplicate_share(self) -> float:
        n = self.nonempty.len()
        return 0.0 if n == 0 else 1 - self.nonempty.n_unique() / n
