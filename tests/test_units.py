"""The one unit → format table: what cards, tables, axes and Excel cells show."""

from __future__ import annotations

from kpi_engine import units


def test_money_with_symbol_before_or_code_after():
    assert units.display(1234.5, "money", "EUR") == "€1\u202f234.50"
    assert units.display(-5, "money", "USD") == "-$5.00"
    assert units.display(1234.5, "money", "PLN") == "1\u202f234.50 zł"
    assert units.display(1234.5, "money", "SEK") == "1\u202f234.50 kr"
    assert units.display(1234.5, "money", "ZAR") == "1\u202f234.50 ZAR"  # no symbol known
    assert units.display(1234.5, "money", None) == "1\u202f234.50"


def test_decimal_comma_and_compact_amounts():
    assert units.display(1234.5, "money", "PLN", decimal_comma=True) == "1\u202f234,50 zł"
    assert units.display(2_123_806.15, "money", "PLN", compact=True) == "2.12 M zł"
    assert units.display(748_400, "money", "EUR", compact=True) == "€748.4 k"
    assert units.display(99_999, "money", "EUR", compact=True) == "€99\u202f999.00"


def test_other_units():
    assert units.display(12.345, "percent") == "12.3 %"
    assert units.display(38, "days") == "38.0 days"
    assert units.display(3.456, "ratio") == "3.46×"
    assert units.display(2058, "count") == "2\u202f058"
    assert units.display(1.5, "count") == "1.5"
    assert units.display(7.04, "hours") == "7.0 h"
    assert units.display(None, "money", "EUR") == "—"
    assert units.display(float("nan"), "percent") == "—"


def test_axis_titles_and_excel_formats():
    assert units.axis_title("Revenue", "money", "PLN") == "Revenue (PLN)"
    assert units.axis_title("Win rate", "percent") == "Win rate (%)"
    assert units.excel_format("money", "pln") == '#,##0.00" PLN"'
    assert units.excel_format("percent") == '0.0" %"'
