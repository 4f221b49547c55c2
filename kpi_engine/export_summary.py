"""The Summary sheet: pinned KPIs, then every KPI grouped A–J; unavailable ones with what would
unlock them. Pure: reads Results and the catalogue, writes cells through export_style.Sheet."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kpi_engine import units
from kpi_engine.export_style import Sheet, col, status_colours

if TYPE_CHECKING:
    from kpi_engine.catalogue.spec import KPI, Result
    from kpi_engine.evaluate import Results
    from kpi_engine.query import Query

GROUPS = {
    "A": "A. Revenue and growth",
    "B": "B. Profitability and marketing return",
    "C": "C. Marketing and lead generation",
    "D": "D. Leads and qualification",
    "E": "E. Sales activity",
    "F": "F. Pipeline",
    "G": "G. Conversion and closing",
    "H": "H. Customers",
    "I": "I. Team and targets",
    "J": "J. Pricing and product",
}
PINNED = "Pinned"
BETTER = {"higher": "higher", "lower": "lower", "neutral": "–"}
HEADER_ROW = 4
COLUMNS = ["Section", "KPI", "Value", "Change", "Target", "Attainment", "Status",
           "Healthy range", "Better when", "Formula", "With your numbers", "KPI id"]
(VALUE_COL, CHANGE_COL, TARGET_COL, ATTAINMENT_COL, STATUS_COL, BAND_COL, BETTER_COL,
 FORMULA_COL, WORDS_COL, ID_COL) = range(3, 13)


def specs() -> dict[str, KPI]:
    from kpi_engine.catalogue import load_all

    return load_all()


def catalogue_order(results: Results) -> list[Result]:
    """Every KPI of the results, grouped A–J (the registry's order within a group)."""
    spec = specs()
    order = {k: i for i, k in enumerate(spec)}
    return sorted(results.kpis.values(),
                  key=lambda r: (spec[r.id].group if r.id in spec else "Z", order.get(r.id, 0)))


def group_of(kpi_id: str) -> str:
    s = specs().get(kpi_id)
    return s.group if s else ""


def unit_text(unit: str, currency: str | None) -> str:
    return units.spec(unit).axis_title.replace("{cur}", currency or "money")


@dataclass(frozen=True)
class Change:
    last: str
    previous: str
    partial: bool


def change_periods(results: Results, query: Query | None) -> Change | None:
    """The last period of the range and the one before (when the range has two)."""
    from kpi_engine.query import period_of, periods

    start, end = dt.date.fromisoformat(results.start), dt.date.fromisoformat(results.end)
    fy = query.settings.fiscal_year_start if query else 1
    ps = periods(start, end, results.grain, fy)  # type: ignore[arg-type]
    if len(ps) < 2:
        return None
    _, _, last_end = period_of(end, results.grain, fy)  # type: ignore[arg-type]
    return Change(ps[-1].label, ps[-2].label, end < last_end)


def change_of(r: Result, ch: Change | None) -> float | None:
    """Last period against the one before: points for percent KPIs, else relative %."""
    if ch is None:
        return None
    last, prev = r.by_period.get(ch.last), r.by_period.get(ch.previous)
    if not isinstance(last, int | float) or not isinstance(prev, int | float):
        return None
    if r.unit == "percent":
        return float(last) - float(prev)
    if prev == 0:
        return None
    return (float(last) - float(prev)) / abs(float(prev)) * 100


def unlock_text(r: Result) -> str:
    """ "Needs a cost column in your orders file; type new product in Settings." """
    from kpi_engine.model import TABLES

    parts: list[str] = []
    for atom in r.missing_fields:
        table, _, field = atom.partition(".")
        if table == "settings":
            flag = "--" + field.replace("_", "-")
            parts.append(f"the {field.replace('_', ' ')} setting (in Settings, or {flag})")
        elif field:
            parts.append(f"a {field.replace('_', ' ')} column in your {table} file")
        else:
            what = TABLES[table].description.split(".")[0] if table in TABLES else table
            parts.append(f"upload {table} ({what})")
    if not parts:
        return r.explanation or "Could not be computed from this data."
    return "Needs " + "; ".join(dict.fromkeys(parts)) + "."


def target_and_attainment(r: Result, check_targets: dict[str, float]
                          ) -> tuple[float | None, str, float | None]:
    """(target, the target's unit, attainment %) where the KPI is measured against one."""
    ex = r.extra
    if isinstance(ex.get("target"), int | float) and isinstance(ex.get("attainment_pct"),
                                                                int | float):
        return float(ex["target"]), r.unit, float(ex["attainment_pct"])
    if r.id == "monthly_sales_progress" and isinstance(ex.get("target"), int | float):
        return float(ex["target"]), "money", ex.get("projection_pct")
    if r.id == "target_attainment":
        return check_targets.get(r.id), "money", r.value
    if r.id in check_targets:
        return check_targets[r.id], "money", None
    return None, r.unit, None


def band_text(r: Result, currency: str | None) -> str | None:
    spec = specs().get(r.id)
    if spec is None or spec.band is None or not hasattr(spec.band, "describe"):
        return None
    return spec.band.describe(lambda v: units.display(v, r.unit, currency))


def write_summary(sheet: Sheet, results: Results, query: Query | None,
                  pinned: list[str] | None, check_targets: dict[str, float],
                  title: str, note: str) -> int:
    """The Summary sheet; returns the last row of its main table."""
    cur = results.currency
    ch = change_periods(results, query)
    sheet.title(1, title, note)
    labels = list(COLUMNS)
    if ch:
        partial = " (partial)" if ch.partial else ""
        labels[CHANGE_COL - 1] = f"Change {ch.last} vs {ch.previous}{partial}"
    sheet.header(HEADER_ROW, labels)
    ordered = catalogue_order(results)
    pins = [results.kpis[k] for k in (pinned or []) if k in results.kpis]
    rows = [(PINNED, r) for r in pins if r.available]
    rows += [(GROUPS.get(group_of(r.id), ""), r) for r in ordered if r.available]
    row = HEADER_ROW
    previous = None
    for section, r in rows:
        row += 1
        # the group's name in bold on its first row, muted below (kept for the filter)
        sheet.text(row, 1, section, "kpi_group" if section != previous else "kpi_muted")
        _kpi_row(sheet, row, r, cur, ch, check_targets)
        previous = section
    last = row
    if last > HEADER_ROW:
        status_colours(sheet.ws, f"{col(STATUS_COL)}{HEADER_ROW + 1}:{col(STATUS_COL)}{last}")
    missing = [r for r in ordered if not r.available]
    if missing:
        row += 2
        sheet.text(row, 1, "Not available yet: what would unlock them", "kpi_section")
        row += 1
        sheet.header(row, ["Section", "KPI", "What would unlock it"])
        sheet.header(row, ["Formula", "With your numbers", "KPI id"], col=FORMULA_COL)
        for r in missing:
            row += 1
            sheet.text(row, 1, GROUPS.get(group_of(r.id), ""))
            sheet.text(row, 2, r.name)
            sheet.text(row, 3, unlock_text(r), fit=False)
            sheet.text(row, FORMULA_COL, r.formula, "kpi_wrap", fit=False)
            sheet.text(row, ID_COL, r.id)
    sheet.set_width(BAND_COL, 30)
    sheet.set_width(FORMULA_COL, 45)
    sheet.set_width(WORDS_COL, 70)
    sheet.finish(HEADER_ROW, last, len(labels), freeze=f"C{HEADER_ROW + 1}")
    return last


def _kpi_row(sheet: Sheet, row: int, r: Result, cur: str | None, ch: Change | None,
             check_targets: dict[str, float]) -> None:
    sheet.text(row, 2, r.name)
    sheet.number(row, VALUE_COL, r.value, units.excel_format(r.unit, cur))
    sheet.number(row, CHANGE_COL, change_of(r, ch), units.excel_change_format(r.unit))
    target, target_unit, attainment = target_and_attainment(r, check_targets)
    sheet.number(row, TARGET_COL, target, units.excel_format(target_unit, cur))
    sheet.number(row, ATTAINMENT_COL, attainment, units.excel_format("percent"))
    sheet.text(row, STATUS_COL, r.status or "")
    sheet.text(row, BAND_COL, band_text(r, cur) or "", "kpi_wrap", fit=False)
    sheet.text(row, BETTER_COL, BETTER.get(r.direction, r.direction))
    sheet.text(row, FORMULA_COL, r.formula, "kpi_wrap", fit=False)
    sheet.text(row, WORDS_COL, r.explanation or "", "kpi_wrap", fit=False)
    sheet.text(row, ID_COL, r.id)
