"""Small components every page shares: formatted values, status badges, KPI cards, empty states.

A component is a function; its formatting comes from kpi_engine.units (one unit → format
table for cards, tables, charts and Excel)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import streamlit as st

from kpi_engine import units
from pages.ui import state

if TYPE_CHECKING:
    from kpi_engine.catalogue.spec import Result

STATUS_COLOUR = {"good": "green", "watch": "orange", "bad": "red"}
STATUS_TEXT = {"good": "Good", "watch": "Watch", "bad": "Needs attention"}
UPLOAD_PAGE = "pages/upload.py"
SETTINGS_PAGE = "pages/settings.py"


# Every character to which Markdown or Streamlit's Markdown gives a meaning (links, images,
# emphasis, code, HTML, tables, LaTeX, :color[...] directives), escaped with a backslash.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-!|<>~:$&])")


def md(text: object) -> str:
    """User text (file, sheet and column names, cell values, messages quoting them) to put
    inside Markdown: it shows as typed, never as a link, an image, HTML or formatting. Every
    page passes user data through this, or shows it in a widget that renders plain text."""
    return _MARKDOWN.sub(r"\\\1", " ".join(str(text).split()))


def fmt(value: float | None, unit: str, compact: bool = False) -> str:
    d = state.display()
    return units.display(value, unit, state.currency(), d.decimal_comma, compact)


def change(result: Result) -> tuple[str | None, str, str | None]:
    """Last period against the one before: ("+12.0 %", "normal"|"inverse"|"off", "vs 2025-09")."""
    values = [(k, v) for k, v in result.by_period.items() if isinstance(v, int | float)]
    colour = {"higher": "normal", "lower": "inverse"}.get(result.direction, "off")
    if len(values) < 2:
        return None, colour, None
    (prev_label, prev), (_, last) = values[-2], values[-1]
    if result.unit == "percent":
        return f"{last - prev:+.1f} pp", colour, f"vs {prev_label}"
    if prev == 0:
        return None, colour, None
    return f"{(last - prev) / abs(prev) * 100:+.1f} %", colour, f"vs {prev_label}"


def trend(result: Result) -> list[float]:
    return [float(v) for v in result.by_period.values() if isinstance(v, int | float)]


def band_text(kpi_id: str) -> str | None:
    from kpi_engine.catalogue import load_all

    spec = load_all()[kpi_id]
    if spec.band is None:
        return None
    unit = "percent" if spec.unit == "percent" else spec.unit
    return spec.band.describe(lambda v: fmt(v, unit))


def unlock_text(result: Result) -> str:
    """ "Needs a deals file (CRM opportunities) with close date and status." in the owner's
    words: one phrase per table, naming the columns it must hold."""
    from kpi_engine.catalogue import load_all
    from kpi_engine.model import TABLES

    if not result.missing_fields:
        return result.explanation or "Could not be computed from this data."
    spec_inputs = load_all()[result.id].inputs
    ds = state.dataset()
    loaded = set(ds.tables) if ds else set()
    fields: dict[str, list[str]] = {}
    for atom in result.missing_fields:
        table, _, field = atom.partition(".")
        fields.setdefault(table, [])
        if field:
            fields[table].append(field.replace("_", " "))
    parts: list[str] = []
    for table, cols in fields.items():
        named = " and ".join(f"**{c}**" for c in cols)
        if table == "settings":
            parts.append(f"type {named} in Settings")
        elif table in loaded:
            parts.append(f"{'columns' if len(cols) > 1 else 'a column'} {named} in your "
                         f"{table.replace('_', ' ')} file")
        else:
            what = TABLES[table].description if table in TABLES else table
            parts.append(f"a **{table.replace('_', ' ')}** file ({what})"
                         + (f" with {named}" if cols else ""))
        if table == "marketing" and "settings.marketing_costs_per_month" in spec_inputs:
            parts.append("or type marketing costs per month in Settings")
    return "Needs " + "; ".join(parts).replace("; or ", " or ") + "."


def status_badge(status: str | None) -> None:
    if status:
        st.badge(STATUS_TEXT[status], color=STATUS_COLOUR[status])  # type: ignore[arg-type]


def kpi_card(result: Result, compact_chart: bool = True) -> None:
    """One metric card: value, change vs the previous period, trend, status, formula."""
    from kpi_engine.catalogue import load_all

    spec = load_all()[result.id]
    with st.container(border=True):
        if not result.available:
            st.metric(result.name, "—", help=spec.formula)
            st.caption(unlock_text(result))
            return
        delta, colour, against = change(result)
        series = trend(result)
        st.metric(
            result.name, fmt(result.value, result.unit, compact=True), delta,
            delta_color=colour,  # type: ignore[arg-type]
            delta_description=against,
            help=f"{fmt(result.value, result.unit)}\n\n{spec.formula}\n\n"
                 f"{result.explanation or ''}",
            chart_data=series if compact_chart and len(series) > 1 else None,
        )
        if result.value is None:
            st.caption(result.explanation or "No value for these dates: try a longer range.")
        line = []
        if result.status:
            line.append(f":{STATUS_COLOUR[result.status]}-badge[{STATUS_TEXT[result.status]}]")
        attainment = result.extra.get("attainment_pct")
        if attainment is not None:
            line.append(f"{attainment:.0f} % of target")
        if line:
            st.markdown(" ".join(line))


def how_computed(result: Result) -> None:
    from kpi_engine.catalogue import load_all

    spec = load_all()[result.id]
    st.markdown(f"**Formula:** {spec.formula}")
    if result.explanation:
        st.markdown("**With your numbers:**")
        st.code(result.explanation, language=None, wrap_lines=True)
    bands = band_text(result.id)
    if bands:
        st.markdown(f"**Benchmark:** {bands} (source {spec.source or 'catalogue'})")
    if spec.description:
        st.caption(spec.description)


def need_data(what: str = "your sales files") -> bool:
    """An empty state that says what to do next; True when there is nothing to show."""
    if state.has_rows():
        return False
    if state.dataset() is not None:
        st.info("None of the rows of your files can be used yet: see **Upload and check** — "
                "most often a column has to be picked in the mapping (for orders, the column "
                "that holds the order value).")
    else:
        st.info(f"Nothing to show yet: upload {what}, or try the sample data.")
    st.page_link(UPLOAD_PAGE, label="Go to Upload and check", icon=":material/upload_file:")
    return True


def missing_table(table: str, unlocks: str) -> None:
    st.info(f"No **{table}** in your files yet: upload one to see {unlocks}.")
    st.page_link(UPLOAD_PAGE, label="Upload a file", icon=":material/upload_file:")


def period_rows(result: Result) -> list[dict[str, Any]]:
    return [{"period": k, "value": v} for k, v in result.by_period.items()
            if isinstance(v, int | float)]
