"""Vectorised cleaning of text cells (as read from CSV / XLSX) into typed values.

Each function takes a String Series (empty cell = "" or null) and returns new values of the same
length; nothing loops over rows in Python. The implementations live in the clean_* modules:
numbers (clean_numbers), dates (clean_dates), currencies (clean_currency), text, ids and yes/no
(clean_text), deal status / activity type and outcome / cancelled orders (clean_labels).
"""

from __future__ import annotations

from kpi_engine.ingest.clean_currency import currency_from_header, normalise_currency
from kpi_engine.ingest.clean_dates import DateResult, parse_date
from kpi_engine.ingest.clean_labels import (
    activity_outcome,
    activity_type,
    deal_status,
    is_cancelled_status,
)
from kpi_engine.ingest.clean_numbers import NumberResult, parse_fraction, parse_int, parse_number
from kpi_engine.ingest.clean_text import clean_id, normalise_text, parse_bool

__all__ = [
    "DateResult",
    "NumberResult",
    "activity_outcome",
    "activity_type",
    "clean_id",
    "currency_from_header",
    "deal_status",
    "is_cancelled_status",
    "normalise_currency",
    "normalise_text",
    "parse_bool",
    "parse_date",
    "parse_fraction",
    "parse_int",
    "parse_number",
]
