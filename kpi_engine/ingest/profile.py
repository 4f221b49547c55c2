"""What a column's values look like (dates? money? yes/no? stages?), from a sample of them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import polars as pl

from kpi_engine.ingest.raw import is_categorical, nonempty, per_category, to_text

SAMPLE = 500


@dataclass
class ColumnProfile:
    values: pl.Series  # the whole column as stored (raw.RawSheet.store)
    fmt: str | None = None  # the text format of a Datetime column

    @cached_property
    def _unique_counts(self) -> tuple[int, int, int]:
        """Non-empty trimmed values: how many, how many distinct, how many distinct once
        lower-cased (the whole column: used for uniqueness only)."""
        if is_categorical(self.values.dtype):  # once per distinct value
            distinct = self.values.unique()
            text = distinct.cast(pl.String).str.strip_chars()  # null stays null
            if bool((text == "").any()):  # a value of spaces only: count the rows one by one
                rows = per_category(self.values, lambda t: t.str.strip_chars())
                kept = rows.filter(rows.cat.len_bytes() > 0)
                lower = per_category(kept, lambda t: t.str.to_lowercase())
                return kept.len(), kept.n_unique(), lower.n_unique()
            text = text.drop_nulls()
            n = self.values.len() - self.values.null_count()
            return n, text.n_unique(), text.str.to_lowercase().n_unique()
        if isinstance(self.values.dtype, pl.Datetime):  # digits and separators only
            kept = self.values.drop_nulls()
            distinct = kept.n_unique()
            return kept.len(), distinct, distinct
        s = self.values.filter(self.values.str.len_bytes() > 0).str.strip_chars()
        s = s.filter(s != "")
        return s.len(), s.n_unique(), s.str.to_lowercase().n_unique()

    @cached_property
    def empty(self) -> bool:
        return self.sample.len() == 0

    @cached_property
    def sample(self) -> pl.Series:
        """Up to SAMPLE non-empty values, trimmed, spread evenly over the column."""
        v = self.values
        filled = nonempty(v)
        count = int(filled.sum())
        if count > SAMPLE * 4:  # every k-th non-empty cell, picked without copying the rest
            step = count // (SAMPLE * 4)
            s = v.gather_every(step) if count == v.len() else \
                v.gather(filled.arg_true().gather_every(step))
        else:
            s = v.filter(filled)
        s = to_text(s, self.fmt).str.strip_chars()
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
        n, _, distinct_lower = self._unique_counts
        return n >= 3 and distinct_lower == n

    @cached_property
    def duplicate_share(self) -> float:
        n, distinct, _ = self._unique_counts
        return 0.0 if n == 0 else 1 - distinct / n
