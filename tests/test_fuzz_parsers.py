"""Fuzzing the parsers (issue 8): money, numbers, dates, rates, header detection and whole CSV
uploads. Whatever the text, no exception escapes, each parser returns one value per input, and
every row of an upload is used or set aside (read = used + set aside)."""

from __future__ import annotations

import math

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi_engine.ingest.clean_currency import normalise_currency
from kpi_engine.ingest.clean_dates import parse_date
from kpi_engine.ingest.clean_numbers import parse_fraction, parse_int, parse_number
from kpi_engine.ingest.clean_text import clean_id, normalise_text, parse_bool
from kpi_engine.ingest.dataset import load
from kpi_engine.ingest.header import dedupe_headers, find_header
from kpi_engine.ingest.report import inspect_report

FAST = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])

# Cells built from the characters that matter to the parsers, plus any text at all.
_PIECES = ["0", "1", "9", "12", "123", "1234", ".", ",", " ", "\u00a0", "\u202f", "'", "-", "+",
           "(", ")", "%", "€", "$", "zł", "kr", "PLN", "USD", "e", "E", "e+", "E-", "/", ":",
           "T", "Z", "am", "PM", "stycznia", "Jan", "März", "марта", "年", "月", "日", "١٢٣",
           "²", "½", "Ⅻ", "𝟙", "nan", "inf", "NaN", "\x00", "\t", "\n", "\r", '"', "1e308",
           "99999999999999999999", "0x1F", "9999", "1900", "0000", "31", "13", "00", "—", "–",
           "−", "<", ">", "~", "#N/A", "=", "@"]
cell = st.one_of(
    st.lists(st.sampled_from(_PIECES), max_size=8).map("".join),
    st.text(max_size=20),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.dates().map(str),
    st.datetimes().map(lambda d: d.strftime("%d.%m.%Y %H:%M")),
)
column = st.lists(st.one_of(cell, st.none()), min_size=0, max_size=40)


def _series(values: list[str | None]) -> pl.Series:
    return pl.Series("x", values, dtype=pl.String)


@FAST
@given(column)
def test_numbers_and_money_never_raise(values):
    s = _series(values)
    got = parse_number(s)
    assert got.values.len() == len(values) and got.currency.len() == len(values)
    assert got.values.dtype == pl.Float64
    assert 0 <= got.unparsed <= len(values)
    assert parse_fraction(s).len() == len(values)
    ints = parse_int(s)
    assert ints.len() == len(values) and ints.dtype == pl.Int64
    assert normalise_currency(s).len() == len(values)


@FAST
@given(column)
def test_dates_never_raise(values):
    got = parse_date(_series(values))
    assert got.values.len() == len(values)
    assert 0 <= got.unparsed <= len(values)
    assert all(1 <= d.year <= 9999 for d in got.values.drop_nulls().to_list())


@FAST
@given(column)
def test_text_cleaners_never_raise(values):
    s = _series(values)
    for parse in (normalise_text, clean_id, parse_bool):
        assert parse(s).len() == len(values)


@FAST
@given(st.lists(st.lists(cell, max_size=12), max_size=70))
def test_header_detection_never_raises(rows):
    found = find_header(rows)
    assert found is None or 0 <= found < len(rows)
    if found is not None:
        names = dedupe_headers(rows[found])
        assert len(names) == len(rows[found])
        assert len({n.casefold() for n in names}) == len(names)


_HEADERS = ["Order ID", "Order Date", "Total", "Customer", "Currency", "Status", "Quantity",
            "Lead ID", "Created Date", "Amount", "Deal Stage", "", "Total"]


def _csv(header: list[str], rows: list[list[str]], sep: str) -> bytes:
    def quote(c: str) -> str:
        return '"' + c.replace('"', '""') + '"' if any(x in c for x in (sep, '"', "\n", "\r")) else c

    lines = [sep.join(quote(c) for c in header)] + [sep.join(quote(c) for c in r) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(_HEADERS), min_size=2, max_size=6),
    st.lists(st.lists(cell, min_size=0, max_size=7), max_size=25),
    st.sampled_from([",", ";", "\t"]),
    st.binary(max_size=40),
)
def test_every_row_of_a_fuzzed_upload_is_accounted_for(header, rows, sep, junk):
    data = _csv(header, rows, sep)
    files = [("fuzz.csv", data), ("junk.csv", junk + data[: len(data) // 2])]
    ds = load(files)
    rep = inspect_report(ds)
    aside = ds.set_aside()
    for s, entry in zip(ds.sources, rep["sources"], strict=True):
        assert entry["rows_read"] == entry["rows_used"] + sum(entry["rows_set_aside"].values())
        if s.table is not None:
            assert s.raw.rows_read == s.rows_used + sum(s.set_aside_counts().values())
            mine = aside.filter(pl.col("file") == s.raw.file)
            assert mine.height == sum(s.set_aside_counts().values())
    for p in ds.problems:
        assert p.file in ("fuzz.csv", "junk.csv") and "Traceback" not in p.message
    for df in ds.tables.values():
        for name, dtype in df.schema.items():
            if dtype == pl.Float64:
                assert all(v is None or not math.isnan(v) for v in df[name].to_list())
