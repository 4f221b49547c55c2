"""The results as one long table (one row per headline, period value and breakdown value), for
the CSV download next to the workbook."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from kpi_engine.evaluate import Results

SCHEMA = {"kpi": pl.String, "name": pl.String, "group": pl.String, "unit": pl.String,
          "part": pl.String, "dimension": pl.String, "key": pl.String, "value": pl.Float64,
          "status": pl.String, "available": pl.Boolean, "needs": pl.String}


def results_long(results: Results) -> pl.DataFrame:
    """part: headline | period | by; dimension and key say which period or breakdown value."""
    from kpi_engine.catalogue import load_all

    registry = load_all()
    rows: list[dict[str, object]] = []
    for kpi_id, r in results.kpis.items():
        common = {"kpi": kpi_id, "name": r.name, "group": registry[kpi_id].group,
                  "unit": r.unit, "available": r.available,
                  "needs": ", ".join(r.missing_fields) or None}
        rows.append({**common, "part": "headline", "dimension": None, "key": None,
                     "value": _num(r.value), "status": r.status})
        for period, v in r.by_period.items():
            rows.append({**common, "part": "period", "dimension": results.grain,
                         "key": str(period), "value": _num(v), "status": None})
        for dim, values in r.by.items():
            for key, v in values.items():
                rows.append({**common, "part": "by", "dimension": dim, "key": str(key),
                             "value": _num(v), "status": None})
    return pl.DataFrame(rows, schema=SCHEMA)


def _num(v: object) -> float | None:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    f = float(v)
    return None if f != f or f in (float("inf"), float("-inf")) else f
