"""Every case of the hostile corpus (tools/make_hostile.py) through `load`, beside a good file:
no exception escapes; a refused file gets a problem naming it and the problem; a read file has
every row used or set aside; the good file of the same upload is always used in full.

The heavy cases (millions of rows, zip bombs) run in tests/test_hostile_limits.py, each in its
own process under the time and memory limits."""

from __future__ import annotations

from collections import Counter
from functools import cache

import polars as pl
import pytest

from kpi_engine.ingest.dataset import Dataset, load
from kpi_engine.ingest.report import inspect_report
from tools.make_hostile import GOOD_FILE, Case, cases, good_file

LIGHT = [c for c in cases() if not c.heavy]
_UNFRIENDLY = ("Traceback", 'File "', "Exception", "panicked", "Error:")


def test_the_corpus_has_every_case_the_issue_lists():
    names = {c.name for c in cases()}
    assert len(names) == len(cases()) >= 60
    for must in ("empty_file", "header_only", "one_column", "columns_20000", "rows_2000000",
                 "garbage_csv", "garbage_xlsx", "image_named_xlsx", "password_protected_xlsx",
                 "truncated_xlsx", "zip_bomb_sheet", "billion_laughs_sheet",
                 "billion_laughs_shared_strings", "malformed_utf8", "mixed_encodings",
                 "nul_bytes", "unbalanced_quotes", "duplicated_headers", "empty_headers",
                 "all_empty_columns", "dates_extreme", "amounts_absurd", "mixed_currencies",
                 "html_js_markdown_cells", "formula_injection", "xlsx_columns_1001",
                 "xlsx_sheets_1001", "long_cell", "cr_only_line_endings", "utf16_le_no_bom",
                 "html_xls_with_script", "docx_named_xlsx", "records_3000001",
                 "only_delimiters", "bom_only", "deeply_quoted"):
        assert must in names, must


def test_the_corpus_is_deterministic():
    again = {c.name: c for c in cases()}
    for case in LIGHT:
        if case.name not in ("password_protected_xlsx",):  # the encryption draws its salt
            assert case.make() == again[case.name].make(), case.name


@cache
def _bytes(case: Case) -> bytes:
    return case.make()


def upload(case: Case) -> tuple[Dataset, dict]:
    ds = load([(case.file, _bytes(case)), (GOOD_FILE, good_file())])
    return ds, inspect_report(ds)


@pytest.mark.parametrize("case", LIGHT, ids=[c.name for c in LIGHT])
def test_hostile_file_is_refused_or_read_and_the_good_file_still_loads(case):
    ds, rep = upload(case)
    mine = [(s, e) for s, e in zip(ds.sources, rep["sources"], strict=True)
            if s.raw.file == case.file]
    messages = [p["message"] for p in rep["problems"] if p["file"] == case.file]
    for m in messages:
        assert not any(bad in m for bad in _UNFRIENDLY), m
    if case.expect == "refused":
        assert not mine, f"{case.name} was read"
        assert messages and any(case.file in m for m in messages), messages
    else:
        assert mine, f"{case.name} was refused: {messages}"
        check_rows(ds, mine)
        if case.rows is not None:
            assert sum(e["rows_read"] for _, e in mine) == case.rows
    text = " ".join(messages).lower()
    for word in case.says:
        assert word.lower() in text, (word, messages)
    good = [e for e in rep["sources"] if e["file"] == GOOD_FILE]
    assert len(good) == 1 and good[0]["table"] == "leads" and good[0]["rows_used"] == 12
    assert ds.tables["leads"].height >= 12


def check_rows(ds: Dataset, mine: list) -> None:
    """rows read = used + set aside, per sheet, and set_aside() lists exactly those rows."""
    aside = ds.set_aside()
    for s, entry in mine:
        counts = s.set_aside_counts()
        assert entry["rows_read"] == entry["rows_used"] + sum(entry["rows_set_aside"].values())
        if s.table is None:
            assert entry["rows_read"] == 0 and counts == {}
            continue
        assert s.raw.rows_read == s.rows_used + sum(counts.values())
        listed = aside.filter(
            (pl.col("file") == s.raw.file)
            & (pl.col("sheet").is_null() if s.raw.sheet is None else pl.col("sheet") == s.raw.sheet))
        assert dict(Counter(listed["reason"].to_list())) == counts


def test_markup_and_formulas_stay_text_in_the_tables():
    case = next(c for c in LIGHT if c.name == "formula_injection")
    ds, _ = upload(case)
    products = ds.tables["orders"]["product"].to_list()
    assert "=1+1" in products and "@SUM(1,1)" in products
    case = next(c for c in LIGHT if c.name == "html_js_markdown_cells")
    ds, _ = upload(case)
    assert '<script>alert("x")</script>' in ds.tables["orders"]["customer_id"].to_list()


def test_absurd_amounts_never_become_infinite_or_nan():
    case = next(c for c in LIGHT if c.name == "amounts_absurd")
    ds, _ = upload(case)
    revenue = ds.tables["orders"]["revenue"].drop_nulls()
    assert revenue.len() > 0 and revenue.is_finite().all()


def test_a_script_in_an_html_export_is_dropped_not_read():
    case = next(c for c in LIGHT if c.name == "html_xls_with_script")
    ds, _ = upload(case)
    orders = ds.tables["orders"]
    assert orders.height == 5
    cells = " ".join(str(v) for row in orders.rows() for v in row)
    assert "pwned" not in cells and "document.write" not in cells
