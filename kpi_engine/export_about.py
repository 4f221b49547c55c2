"""The Data quality sheet (files, recognised tables, the mapping used, rows used and set aside
per reason, problems) and the About sheet (range, grain, filters, settings, when, version)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Any

from kpi_engine.export_style import INTEGER, Sheet

if TYPE_CHECKING:
    from kpi_engine.evaluate import Results
    from kpi_engine.ingest.dataset import Dataset
    from kpi_engine.query import Query

HEADER_ROW = 4
REASON_WORDS = {
    "unreadable": "unreadable", "blank": "blank", "repeated_header": "repeated header",
    "footer": "footer", "totals": "totals", "bad_date": "bad date", "duplicate": "duplicate",
    "cancelled": "cancelled", "other_currency": "other currency",
    "missing_required_column": "missing required column",
}
LEFT_OUT = {
    "won_lost_deals_without_close_date": "Won/lost deals without a close date",
    "deals_closed_before_created": "Deals closed before they were created (left out of "
                                   "durations)",
    "leads_converted_before_created": "Leads converted before they were created",
    "leads_answered_before_created": "Leads answered before they were created",
    "subscriptions_with_mrr_0": "Subscriptions whose MRR counts 0",
}
SHEETS = (
    ("Summary", "every KPI: value, change, target, status, formula and your numbers"),
    ("Trends", "the main KPIs per period, with charts"),
    ("Breakdowns", "every KPI by rep, team, region, channel, product, segment …"),
    ("Checks", "each ratio as a live Excel formula of its numbers"),
    ("What-if", "the planner: change the yellow cells, the projection follows"),
    ("Data quality", "files, tables recognised, the mapping, rows used and set aside"),
)


def write_quality(sheet: Sheet, dataset: Dataset | None) -> None:
    sheet.title(1, "Data quality: what was read, and what was set aside",
                "Every row of every file is used or set aside with a reason.")
    if dataset is None:
        sheet.text(HEADER_ROW, 1, "The upload's details were not passed to the export "
                                  "(only the KPI results): run it with the dataset to see them.")
        sheet.finish()
        return
    from kpi_engine.ingest.dataset import REASON_ORDER
    from kpi_engine.ingest.report import source_entry
    from kpi_engine.quality import data_quality

    entries = [source_entry(s) for s in dataset.sources]
    reasons = [r for r in REASON_ORDER if any(r in e["rows_set_aside"] for e in entries)]
    labels = ["File", "Sheet", "Recognised as", "Confidence", "Header row", "Rows read",
              "Rows used"] + [f"Set aside: {REASON_WORDS.get(r, r)}" for r in reasons] + [
              "Missing required columns", "Why not used"]
    sheet.header(HEADER_ROW, labels)
    row = HEADER_ROW
    for e in entries:
        row += 1
        sheet.text(row, 1, e["file"])
        sheet.text(row, 2, e["sheet"] or "")
        sheet.text(row, 3, e["table"] or "not recognised")
        sheet.number(row, 4, e["confidence"] * 100, '0" %"')
        sheet.number(row, 5, e["header_row"], INTEGER)
        sheet.number(row, 6, e["rows_read"], INTEGER)
        sheet.number(row, 7, e["rows_used"], INTEGER)
        for i, reason in enumerate(reasons):
            sheet.number(row, 8 + i, e["rows_set_aside"].get(reason, 0), INTEGER)
        sheet.text(row, 8 + len(reasons), ", ".join(e.get("missing_required", [])))
        sheet.text(row, 9 + len(reasons), e.get("reason", ""))
    last = row
    row = _problems(sheet, dataset, row + 2)
    row = _left_out(sheet, data_quality(dataset.tables), row + 2)
    _mapping(sheet, entries, row + 2)
    sheet.finish(HEADER_ROW, last, len(labels), freeze=f"A{HEADER_ROW + 1}")


def _problems(sheet: Sheet, dataset: Dataset, row: int) -> int:
    sheet.text(row, 1, "Problems and notes", "kpi_section")
    row += 1
    sheet.header(row, ["File", "Sheet", "Message"])
    if not dataset.problems:
        row += 1
        sheet.text(row, 1, "none")
    for p in dataset.problems:
        row += 1
        sheet.text(row, 1, p.file)
        sheet.text(row, 2, p.sheet or "")
        sheet.text(row, 3, p.message, fit=False)
    return row


def _left_out(sheet: Sheet, counts: dict[str, Any], row: int) -> int:
    sheet.text(row, 1, "Records the KPIs leave out (fix them at the source)", "kpi_section")
    row += 1
    sheet.header(row, ["What", "Records"])
    if not counts:
        row += 1
        sheet.text(row, 1, "none")
    for key, n in counts.items():
        row += 1
        sheet.text(row, 1, LEFT_OUT.get(key, key.replace("_", " ")))
        sheet.number(row, 2, n, INTEGER)
    return row


def _mapping(sheet: Sheet, entries: list[dict[str, Any]], row: int) -> int:
    sheet.text(row, 1, "The mapping used: how each column was read", "kpi_section")
    row += 1
    sheet.header(row, ["File", "Sheet", "Table", "Column in your file", "Read as",
                       "Confidence"])
    for e in entries:
        for header, m in e["columns"].items():
            row += 1
            sheet.text(row, 1, e["file"])
            sheet.text(row, 2, e["sheet"] or "")
            sheet.text(row, 3, e["table"] or "")
            sheet.text(row, 4, header)
            sheet.text(row, 5, m["field"] or "not used")
            sheet.number(row, 6, m["confidence"] * 100, '0" %"')
    return row


def product_version() -> str:
    from kpi_engine import __version__

    return __version__


def write_about(sheet: Sheet, results: Results, query: Query | None, dataset: Dataset | None,
                pinned: list[str] | None, checks: int, now: dt.datetime | None = None) -> None:
    from kpi_engine.query import Settings

    now = now or dt.datetime.now().astimezone()
    sheet.title(1, "About this workbook")
    sheet.header(HEADER_ROW - 1, ["Item", "Value"])
    available = sum(1 for r in results.kpis.values() if r.available)
    items: list[tuple[str, Any, str | None]] = [
        ("Product", "kpi_engine: sales KPIs from your own exports", None),
        ("Version", product_version(), None),
        ("Generated", now.isoformat(timespec="seconds"), None),
        ("Date range", f"{results.start} – {results.end}", None),
        ("Grain", results.grain, None),
        ("Currency", results.currency or "unknown", None),
    ]
    filters = query.filters if query else {}
    items += [(f"Filter: {dim}", value, None) for dim, value in filters.items()] or [
        ("Filters", "none", None)]
    settings = query.settings if query else Settings()
    for f in dataclasses.fields(settings):
        v = getattr(settings, f.name)
        if isinstance(v, int | float) and not isinstance(v, bool):
            items.append((f"Setting: {f.name.replace('_', ' ')}", v, INTEGER if isinstance(
                v, int) else "#,##0.00"))
        else:
            items.append((f"Setting: {f.name.replace('_', ' ')}",
                          "not set" if v is None else str(v), None))
    if dataset is not None:
        files = list(dict.fromkeys(s.raw.file for s in dataset.sources))
        files += [p.file for p in dataset.problems if p.file not in files]
        items += [("File", name, None) for name in files]
    items += [("KPIs computed", f"{available} of {len(results.kpis)}", None),
              ("Pinned KPIs", ", ".join(pinned) if pinned else "none", None),
              ("Checks (live formulas)", checks, INTEGER)]
    items += [(f"Sheet: {name}", what, None) for name, what in SHEETS]
    row = HEADER_ROW - 1
    for label, value, fmt in items:
        row += 1
        sheet.text(row, 1, label)
        if fmt is not None:
            sheet.number(row, 2, value, fmt, "kpi_number_left")
        else:
            sheet.text(row, 2, value)
    sheet.finish(HEADER_ROW - 1, row, 2, freeze=f"A{HEADER_ROW}")
