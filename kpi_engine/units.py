"""One unit → format table: cards, tables, Altair axes and Excel cells all read it (ARCHITECTURE 7).

Units are those of catalogue section 3: money, count, days, hours, years, ratio, percent.
Percent values are 0-100 everywhere (engine, JSON, app); Excel shows them with a literal "%"
so the cell holds the same 0-100 number the engine gives (no hidden ×100).
"""

from __future__ import annotations

from dataclasses import dataclass

CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "PLN": "zł", "SEK": "kr", "RUB": "₽",
                    "CNY": "¥", "NOK": "kr", "DKK": "kr", "CHF": "CHF", "CZK": "Kč"}
_SUFFIX_CURRENCIES = {"PLN", "SEK", "RUB", "NOK", "DKK", "CZK", "CHF"}


@dataclass(frozen=True)
class UnitFormat:
    decimals: int
    suffix: str  # after the number: " %", " days", "×"
    altair: str  # d3-format for axes and tooltips
    excel: str  # Excel number format (currency added by excel_format())
    axis_title: str  # unit text for axis titles, "{cur}" replaced by the currency


UNITS: dict[str, UnitFormat] = {
    "money": UnitFormat(2, "", ",.0f", "#,##0.00", "{cur}"),
    "count": UnitFormat(0, "", ",.0f", "#,##0", "count"),
    "days": UnitFormat(1, " days", ",.1f", '#,##0.0" days"', "days"),
    "hours": UnitFormat(1, " h", ",.1f", '#,##0.0" h"', "hours"),
    "years": UnitFormat(1, " years", ",.1f", '#,##0.0" years"', "years"),
    "ratio": UnitFormat(2, "×", ",.2f", '0.00"×"', "ratio"),
    "percent": UnitFormat(1, " %", ",.1f", '0.0" %"', "%"),
}


def spec(unit: str) -> UnitFormat:
    return UNITS.get(unit, UNITS["count"])


def currency_symbol(currency: str | None) -> str:
    if not currency:
        return ""
    return CURRENCY_SYMBOLS.get(currency.upper(), currency.upper())


def number(x: float, decimals: int, decimal_comma: bool = False) -> str:
    """1234.5 → "1 234.50" (or "1 234,50"): a thin space never confuses either locale."""
    text = f"{x:,.{decimals}f}".replace(",", "\u202f")
    return text.replace(".", ",") if decimal_comma else text


def display(value: float | None, unit: str, currency: str | None = None,
            decimal_comma: bool = False, compact: bool = False) -> str:
    """A value as the owner reads it: "1 234.56 zł", "€1 234.56", "12.5 %", "38.0 days"."""
    if value is None or value != value:
        return "—"
    u = spec(unit)
    decimals = u.decimals
    if unit == "count" and not float(value).is_integer():
        decimals = 1
    scaled, tag = value, ""
    if compact and abs(value) >= 1_000_000:
        scaled, tag, decimals = value / 1_000_000, " M", 2
    elif compact and abs(value) >= 100_000:
        scaled, tag, decimals = value / 1_000, " k", 1
    text = number(scaled, decimals, decimal_comma) + tag
    if unit != "money":
        return text + u.suffix
    return money_text(text, currency)


def money_text(text: str, currency: str | None) -> str:
    sym = currency_symbol(currency)
    if not sym:
        return text
    if currency and (currency.upper() in _SUFFIX_CURRENCIES
                     or currency.upper() not in CURRENCY_SYMBOLS):
        return f"{text} {sym}"  # zł, kr … and any code without a symbol: "1 234.00 ZAR"
    if text.startswith("-"):
        return f"-{sym}{text[1:]}"
    return f"{sym}{text}"


def axis_title(label: str, unit: str, currency: str | None = None) -> str:
    """ "Revenue (EUR)", "Win rate (%)", "Orders (count)". """
    unit_text = spec(unit).axis_title.replace("{cur}", currency or "money")
    return f"{label} ({unit_text})"


def excel_format(unit: str, currency: str | None = None) -> str:
    u = spec(unit)
    if unit == "money" and currency:
        return f'{u.excel}" {currency.upper()}"'
    return u.excel


STATUS_COLOURS = {"good": "#1a7f37", "watch": "#bf8700", "bad": "#cf222e"}


def excel_change_format(unit: str) -> str:
    """Excel format of a change against the previous period: percentage points for percent
    KPIs ("+2.1 pp"), a relative change in % for every other unit ("-16.9 %")."""
    if unit == "percent":
        return '+0.0" pp";-0.0" pp";0.0" pp"'
    return '+0.0" %";-0.0" %";0.0" %"'
