"""The Excel workbook (issue 7): the KPI summary an owner hands to their accountant.

    workbook_bytes(results, dataset=None, query=None, pinned=None, plan=None) -> bytes
    write_workbook(path, results, …) -> Path
    file_name(results) -> "kpis_2024-07-01_2025-10-31.xlsx"

Sheets: Summary, Trends, Breakdowns, Checks, What-if, Data quality, About. Pure (openpyxl, no
streamlit): pages, the CLI and tests render the same Results. `dataset` adds the Data quality
sheet's files, mapping and rows set aside; `query` the filters and settings; `pinned` the KPI
ids shown first; `plan` the planner's section-6 dict for the What-if sheet.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook

from kpi_engine.export_about import write_about, write_quality
from kpi_engine.export_checks import Check, build_checks, check_targets, write_checks
from kpi_engine.export_style import Sheet, register_styles
from kpi_engine.export_summary import GROUPS, catalogue_order, group_of, write_summary
from kpi_engine.export_tables import write_breakdowns, write_trends
from kpi_engine.export_whatif import Expectations, write_whatif

if TYPE_CHECKING:
    from kpi_engine.evaluate import Results
    from kpi_engine.ingest.dataset import Dataset
    from kpi_engine.query import Query

SHEET_NAMES = ("Summary", "Trends", "Breakdowns", "Checks", "What-if", "Data quality", "About")
MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Built:
    """The workbook and what its formulas must give (for tests and the report)."""

    workbook: Workbook
    checks: list[tuple[Check, int]]  # each check and its row on the Checks sheet
    whatif: Expectations  # What-if cell → the planner's value its formula must give


def build_workbook(results: Results, dataset: Dataset | None = None, query: Query | None = None,
                   pinned: list[str] | None = None, plan: dict[str, Any] | None = None,
                   now: dt.datetime | None = None) -> Built:
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    register_styles(wb)
    wb.properties.title = f"Sales KPIs {results.start} – {results.end}"
    wb.properties.creator = "kpi_engine"
    sheets = {name: Sheet(wb, name) for name in SHEET_NAMES}
    order = {r.id: i for i, r in enumerate(catalogue_order(results))}
    checks = sorted(build_checks(results), key=lambda c: order.get(c.kpi.id, 0))
    targets = check_targets(checks)
    write_summary(sheets["Summary"], results, query, pinned, targets, _title(results),
                  _note(results, query))
    write_trends(sheets["Trends"], results, pinned)
    write_breakdowns(sheets["Breakdowns"], results)
    groups = {r: group_of(r) for r in results.kpis}
    rows = write_checks(sheets["Checks"], checks, GROUPS, groups)
    expected = write_whatif(sheets["What-if"], plan, results.currency)
    write_quality(sheets["Data quality"], dataset)
    write_about(sheets["About"], results, query, dataset, pinned, len(checks), now)
    wb.active = 0
    return Built(wb, rows, expected)


def workbook_bytes(results: Results, dataset: Dataset | None = None, query: Query | None = None,
                   pinned: list[str] | None = None, plan: dict[str, Any] | None = None) -> bytes:
    """The .xlsx file's bytes (for st.download_button, or to write anywhere)."""
    buffer = io.BytesIO()
    build_workbook(results, dataset, query, pinned, plan).workbook.save(buffer)
    return buffer.getvalue()


def write_workbook(path: str | Path, results: Results, dataset: Dataset | None = None,
                   query: Query | None = None, pinned: list[str] | None = None,
                   plan: dict[str, Any] | None = None) -> Path:
    path = Path(path)
    path.write_bytes(workbook_bytes(results, dataset, query, pinned, plan))
    return path


def file_name(results: Results) -> str:
    return f"kpis_{results.start}_{results.end}.xlsx"


def _title(results: Results) -> str:
    return f"Sales KPIs, {results.start} – {results.end}, by {results.grain}"


def _note(results: Results, query: Query | None) -> str:
    parts = [f"Money in {results.currency}" if results.currency else "Currency unknown"]
    filters = query.filters if query else {}
    parts.append("filters: " + ", ".join(f"{d} = {v}" for d, v in filters.items())
                 if filters else "no filters")
    available = sum(1 for r in results.kpis.values() if r.available)
    parts.append(f"{available} of {len(results.kpis)} KPIs computed; the rest are listed "
                 "below with what would unlock them")
    return "; ".join(parts) + "."
