"""Sales KPIs from a small business's own exports. The public API (imports stay lazy so that
`python -m kpi_engine` starts fast):

    load(files) -> Dataset        files: paths, or (name, bytes) pairs from an upload
    inspect(files) -> dict        the inspect report of catalogue section 6
    evaluate(tables, query, currency, only) -> Results   every KPI (or the ids in `only`)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.5.0"  # issues 3-7 of the product (reader, engine, app, planner, workbook)

if TYPE_CHECKING:
    from kpi_engine.evaluate import Results
    from kpi_engine.ingest.dataset import Dataset


def load(files: Any) -> Dataset:
    from kpi_engine.ingest.dataset import load as _load

    return _load(files)


def inspect(files: Any) -> dict[str, Any]:
    from kpi_engine.ingest.report import inspect_report

    return inspect_report(load(files))


def evaluate(tables: Any, query: Any = None, currency: str | None = None,
             only: list[str] | None = None) -> Results:
    from kpi_engine.evaluate import evaluate as _evaluate

    return _evaluate(tables, query, currency, only)
