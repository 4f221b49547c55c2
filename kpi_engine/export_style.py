"""The workbook's one style, declared once, and the only ways a cell is written.

Every sheet writes through `Sheet`: `text()` for any text (user text included: a value that
starts with =, +, -, @, a tab or a CR is stored as a string with Excel's quote prefix, never
as a formula), `number()` with a number format, `formula()` for the formulas this module
builds itself. Column widths follow what was written.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook

from kpi_engine import units

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
MAX_CELL = 32_767  # Excel's limit on a cell's text
MIN_WIDTH, MAX_WIDTH = 8, 60
PLAIN_NUMBER = "#,##0.00"  # an input the unit table does not cover (months, a difference)
INTEGER = "#,##0"

_INK, _MUTED, _RULE = "1F2328", "59636E", "D0D7DE"
_HEAD_FILL, _INPUT_FILL = "F3F6F9", "FFF8C5"
_thin = Side(style="thin", color=_RULE)


def _styles() -> dict[str, NamedStyle]:
    """The workbook's named styles: registered once per workbook, used by name per cell."""
    base = Font(name="Calibri", size=11, color=_INK)
    top = Alignment(vertical="top")
    return {s.name: s for s in (
        NamedStyle("kpi_title", font=Font(name="Calibri", size=14, bold=True, color=_INK)),
        NamedStyle("kpi_note", font=Font(name="Calibri", size=10, italic=True, color=_MUTED),
                   alignment=top),
        NamedStyle("kpi_header", font=Font(name="Calibri", size=11, bold=True, color=_INK),
                   fill=PatternFill("solid", fgColor=_HEAD_FILL), border=Border(bottom=_thin),
                   alignment=Alignment(vertical="bottom", wrap_text=True)),
        NamedStyle("kpi_section", font=Font(name="Calibri", size=11, bold=True, color=_INK),
                   border=Border(bottom=_thin)),
        NamedStyle("kpi_text", font=base, alignment=top),
        NamedStyle("kpi_muted", font=Font(name="Calibri", size=11, color="8C959F"),
                   alignment=top),
        NamedStyle("kpi_group", font=Font(name="Calibri", size=11, bold=True, color=_INK),
                   alignment=top),
        NamedStyle("kpi_wrap", font=base, alignment=Alignment(vertical="top", wrap_text=True)),
        NamedStyle("kpi_number", font=base, alignment=top),
        NamedStyle("kpi_number_left", font=base,
                   alignment=Alignment(horizontal="left", vertical="top")),
        NamedStyle("kpi_formula", font=Font(name="Calibri", size=11, color="0B5CAD"),
                   alignment=top),
        NamedStyle("kpi_input", font=Font(name="Calibri", size=11, bold=True, color=_INK),
                   fill=PatternFill("solid", fgColor=_INPUT_FILL),
                   border=Border(left=_thin, right=_thin, top=_thin, bottom=_thin)),
    )}


def register_styles(wb: Workbook) -> None:
    for style in _styles().values():
        wb.add_named_style(style)


def safe_text(value: Any) -> str:
    """Text as a cell may hold it: no XML-illegal control characters, Excel's length limit."""
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return text[:MAX_CELL]


class Sheet:
    """One worksheet and the widths of what was written to it."""

    def __init__(self, wb: Workbook, title: str) -> None:
        self.ws = wb.create_sheet(title)
        self.ws.sheet_view.showGridLines = False
        self._widths: dict[int, int] = {}
        self._fixed: set[int] = set()
        self._wrapped: dict[int, dict[int, int]] = {}  # row → column → text length

    def _fit(self, col: int, width: int) -> None:
        if width > self._widths.get(col, 0):
            self._widths[col] = width

    def text(self, row: int, col: int, value: Any, style: str = "kpi_text",
             fit: bool = True) -> Cell:
        """Any text, the user's included: always a string cell, never a formula."""
        cell = self.ws.cell(row, col)
        text = "" if value is None else safe_text(value)
        if not text:  # nothing to write: the cell keeps its style, no empty string
            cell.style = style
            return cell
        cell.value = text
        cell.data_type = "s"  # openpyxl would read a leading "=" as a formula
        cell.style = style
        if text.startswith(FORMULA_TRIGGERS):
            cell.quotePrefix = True  # Excel keeps it text when the cell is edited
        if fit:
            self._fit(col, max((len(x) for x in text.split("\n")), default=0) + 2)
        if style in ("kpi_wrap", "kpi_header") and text:
            self._wrapped.setdefault(row, {})[col] = len(text)
        return cell

    def number(self, row: int, col: int, value: float | int | None, fmt: str,
               style: str = "kpi_number") -> Cell:
        """A number with its format; None leaves the cell empty (n/a is never 0)."""
        cell = self.ws.cell(row, col)
        cell.style = style
        cell.number_format = fmt
        if value is None or (isinstance(value, float) and value != value):
            return cell
        if isinstance(value, float) and value in (float("inf"), float("-inf")):
            return cell
        cell.value = int(value) if isinstance(value, int) else float(value)
        self._fit(col, min(len(f"{value:,.2f}") + 6, 24))
        return cell

    def value(self, row: int, col: int, value: Any, fmt: str) -> Cell:
        """A number, a yes/no or a text, by its type."""
        if isinstance(value, bool):
            return self.text(row, col, "yes" if value else "no")
        if isinstance(value, numbers.Real) or value is None:
            return self.number(row, col, value, fmt)
        return self.text(row, col, value)

    def formula(self, row: int, col: int, formula: str, fmt: str,
                style: str = "kpi_formula", value: float | None = None) -> Cell:
        """A formula this module built (cell references and numbers only, no user text);
        `value`, what it will give, sizes the column."""
        assert formula.startswith("="), formula
        cell = self.ws.cell(row, col)
        cell.value = formula
        cell.style = style
        cell.number_format = fmt
        self._fit(col, min(len(f"{value:,.2f}") + 6, 24) if value is not None else 14)
        return cell

    def header(self, row: int, labels: list[str], col: int = 1) -> None:
        for i, label in enumerate(labels):
            self.text(row, col + i, label, "kpi_header", fit=False)
            self._fit(col + i, min(max(len(w) for w in label.split()) + 3, 18))

    def title(self, row: int, text: str, note: str | None = None) -> None:
        self.text(row, 1, text, "kpi_title", fit=False)
        if note:
            self.text(row + 1, 1, note, "kpi_note", fit=False)

    def set_width(self, col: int, width: int) -> None:
        self._widths[col] = width
        self._fixed.add(col)

    def finish(self, header_row: int | None = None, last_row: int | None = None,
               last_col: int | None = None, freeze: str | None = None) -> None:
        """Widths from the content; the header frozen and filtered."""
        ws = self.ws
        for col, width in self._widths.items():
            w = width if col in self._fixed else max(MIN_WIDTH, min(MAX_WIDTH, width))
            ws.column_dimensions[get_column_letter(col)].width = w
        for row, cells in self._wrapped.items():  # wrapped text gets the height it needs
            lines = max(math.ceil(n / max(ws.column_dimensions[get_column_letter(c)].width
                                          or 10, 8)) for c, n in cells.items())
            if lines > 1:
                ws.row_dimensions[row].height = 15 * min(lines, 12)
        ws.page_setup.orientation = "landscape"  # printed: as wide as the page, rows flow
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        if freeze:
            ws.freeze_panes = freeze
            ws.print_title_rows = f"1:{int(freeze.lstrip('ABCDEFGHIJKLMNOPQRSTUVWXYZ')) - 1}"
        if header_row and last_col:
            last = max(last_row or header_row, header_row)
            ws.auto_filter.ref = f"A{header_row}:{get_column_letter(last_col)}{last}"


def status_colours(ws: Any, ref: str) -> None:
    """good / watch / bad cells in the status colours (conditional formatting)."""
    for status, hex_colour in units.STATUS_COLOURS.items():
        colour = hex_colour.lstrip("#").upper()
        ws.conditional_formatting.add(ref, CellIsRule(
            operator="equal", formula=[f'"{status}"'],
            font=Font(bold=True, color="FFFFFF"), fill=PatternFill("solid", bgColor=colour,
                                                                     fgColor=colour)))


def col(n: int) -> str:
    return get_column_letter(n)
