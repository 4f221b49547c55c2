"""The Excel workbook (issue 7): written, read back with openpyxl, checked against the engine."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from kpi_engine import units
from kpi_engine.evaluate import evaluate
from kpi_engine.export import SHEET_NAMES, build_workbook, file_name, workbook_bytes
from kpi_engine.export_checks import _evaluate, build_checks
from kpi_engine.export_style import FORMULA_TRIGGERS
from kpi_engine.ingest.dataset import load
from kpi_engine.query import Query, Settings
from tests.conftest import ROOT

SAMPLES = sorted(p for p in (ROOT / "sample_files").iterdir() if p.suffix != ".md")
PINNED = ["revenue", "win_rate", "churn_rate"]
TABLE_SHEETS = ("Summary", "Trends", "Breakdowns", "Checks", "Data quality", "About")


@pytest.fixture(scope="module")
def sample():
    assert len(SAMPLES) == 7
    ds = load(SAMPLES)
    query = Query(settings=Settings(new_product="Plecak Fjord 45L Pro",
                                    old_product="Plecak Fjord 40L",
                                    launch_date=dt.date(2025, 3, 1)))
    results = evaluate(ds.tables, query, ds.currency)
    data = workbook_bytes(results, ds, query, pinned=PINNED)
    return ds, query, results, openpyxl.load_workbook(io.BytesIO(data)), data


def _rows(ws, first: int):
    for row in ws.iter_rows(min_row=first):
        if any(c.value is not None for c in row):
            yield row


def test_every_sheet_is_there_in_order(sample):
    *_, wb, _ = sample
    assert wb.sheetnames == list(SHEET_NAMES)
    for ws in wb.worksheets:
        assert ws.sheet_view.showGridLines is False, ws.title


def test_headers_are_frozen_and_filtered(sample):
    *_, wb, _ = sample
    assert wb["Summary"].freeze_panes == "C5"
    assert wb["Checks"].freeze_panes == "C5"
    assert wb["Breakdowns"].freeze_panes == "C5"
    assert wb["Trends"].freeze_panes == "B5"
    for name in TABLE_SHEETS:
        ws = wb[name]
        assert ws.freeze_panes, name
        assert ws.auto_filter.ref, name
        header = int(ws.auto_filter.ref.split(":")[0][1:])
        assert ws.cell(header, 1).style == "kpi_header", name


def test_summary_values_equal_the_engine_with_the_unit_formats(sample):
    _, _, results, wb, _ = sample
    ws = wb["Summary"]
    seen: dict[str, int] = {}
    for row in _rows(ws, 5):
        kpi_id = row[11].value
        if kpi_id not in results.kpis:
            continue
        r = results.kpis[kpi_id]
        seen[kpi_id] = seen.get(kpi_id, 0) + 1
        value = row[2]
        if not r.available:
            assert value.value is None or isinstance(value.value, str)
            continue
        assert value.number_format == units.excel_format(r.unit, results.currency), kpi_id
        if r.value is None:
            assert value.value is None, kpi_id
        else:
            assert value.value == pytest.approx(r.value, rel=1e-12), kpi_id
        assert row[6].value == (r.status or None), kpi_id
        assert row[1].value == r.name
    assert set(seen) == set(results.kpis)  # every KPI, available or not
    assert all(seen[k] == 2 for k in PINNED)  # pinned first, then in its group
    first = [ws.cell(r, 12).value for r in range(5, 8)]
    assert first == PINNED
    # grouped A–J: the section column never goes back
    sections = [ws.cell(r, 1).value for r in range(8, 5 + len(results.kpis))
                if ws.cell(r, 12).value in results.kpis and results.kpis[ws.cell(r, 12).value]
                .available]
    assert sections == sorted(sections)


def test_summary_formats_change_target_and_status_colours(sample):
    _, _, results, wb, _ = sample
    ws = wb["Summary"]
    rows = {ws.cell(r, 12).value: r for r in range(8, ws.max_row + 1)}
    deals = rows["deals_won"]
    assert ws.cell(deals, 5).value == results.kpis["deals_won"].extra["target"]
    assert ws.cell(deals, 6).value == pytest.approx(
        results.kpis["deals_won"].extra["attainment_pct"])
    assert ws.cell(deals, 6).number_format == units.excel_format("percent")
    growth = results.kpis["revenue"].by_period
    assert ws.cell(4, 4).value == "Change 2025-10 vs 2025-09"
    assert ws.cell(rows["revenue"], 4).value == pytest.approx(
        (growth["2025-10"] - growth["2025-09"]) / growth["2025-09"] * 100)
    assert ws.cell(rows["revenue"], 4).number_format == units.excel_change_format("money")
    wr = results.kpis["win_rate"].by_period
    assert ws.cell(rows["win_rate"], 4).value == pytest.approx(wr["2025-10"] - wr["2025-09"])
    target = ws.cell(rows["target_attainment"], 5).value
    assert target == pytest.approx(2_135_000.0)  # from the check's denominator
    rules = [r for cf in ws.conditional_formatting for r in cf.rules]
    assert sorted(r.formula[0] for r in rules) == ['"bad"', '"good"', '"watch"']
    # an unavailable KPI says what would unlock it
    text = [ws.cell(r, 3).value for r in range(1, ws.max_row + 1)]
    assert any(isinstance(t, str) and t.startswith("Needs ") for t in text) or all(
        r.available for r in results.kpis.values())


def test_every_number_cell_has_a_number_format(sample):
    *_, wb, _ = sample
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                numeric = isinstance(c.value, int | float) and not isinstance(c.value, bool)
                if numeric or c.data_type == "f":
                    assert c.number_format != "General", (ws.title, c.coordinate, c.value)


def test_formulas_only_on_checks_and_whatif(sample):
    *_, wb, _ = sample
    for ws in wb.worksheets:
        formulas = [c for row in ws.iter_rows() for c in row if c.data_type == "f"]
        if ws.title not in ("Checks", "What-if"):
            assert not formulas, ws.title


def test_trends_table_and_native_charts(sample):
    _, _, results, wb, data = sample
    ws = wb["Trends"]
    headers = [c.value for c in ws[4]]
    assert headers[0] == "Period"
    assert headers[1:4] == ["Revenue (PLN)", "Opportunity win rate (%)", "Churn rate (%)"]
    periods = [ws.cell(r, 1).value for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value]
    assert periods == list(results.kpis["revenue"].by_period)
    for i, label in enumerate(periods):
        assert ws.cell(5 + i, 2).value == pytest.approx(results.kpis["revenue"].by_period[label])
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    charts = [n for n in names if n.startswith("xl/charts/chart")]
    assert len(charts) == len([h for h in headers[1:] if h])
    kinds = " ".join(zipfile.ZipFile(io.BytesIO(data)).read(n).decode() for n in charts)
    assert "barChart>" in kinds and "lineChart>" in kinds


def test_breakdowns_equal_the_engine(sample):
    _, _, results, wb, _ = sample
    ws = wb["Breakdowns"]
    names = {r.name: r for r in results.kpis.values()}
    dims, checked = set(), 0
    for row in _rows(ws, 5):
        dim, item, label, value = row[0].value, row[1].value, row[2].value, row[3].value
        r = names.get(label)
        if r is None:
            continue  # an extra map (value by stage …)
        key = dim.replace(" ", "_")
        expected = r.by[key][item]
        assert (value is None) if expected is None else value == pytest.approx(expected)
        dims.add(key)
        checked += 1
    assert {"rep", "region", "channel", "product"} <= dims
    assert checked == sum(len(m) for r in results.kpis.values() for m in r.by.values())
    shares = [ws.cell(r, 6).value for r in range(5, ws.max_row + 1)
              if ws.cell(r, 3).value == "Sales by region"]
    assert sum(shares) == pytest.approx(100)


def test_checks_reproduce_the_engine(sample):
    _, _, results, wb, _ = sample
    ws = wb["Checks"]
    checks = build_checks(results)
    assert len(checks) >= 45
    covered = {c.kpi.id for c in checks}
    for kpi in ("win_rate", "gross_margin", "average_purchase_value", "cac", "clv",
                "ltv_cac_ratio", "conversation_drop_off", "pipeline_coverage", "churn_rate"):
        assert kpi in covered
    rows = 0
    for row in _rows(ws, 5):
        formula, engine = row[11], row[12]
        assert formula.data_type == "f" and formula.value.startswith("=")
        assert row[13].value.startswith("=")
        inputs = [row[4 + 2 * i].value for i in range(4) if row[4 + 2 * i].value is not None]
        template = formula.value[1:]
        for i in reversed(range(len(inputs))):
            template = template.replace(f"{openpyxl.utils.get_column_letter(5 + 2 * i)}"
                                        f"{row[0].row}", f"{{{i}}}")
        assert _evaluate(template, inputs) == pytest.approx(engine.value, rel=1e-9)
        rows += 1
    assert rows == len(checks)


def test_data_quality_and_about(sample):
    ds, _, results, wb, _ = sample
    from kpi_engine.ingest.report import source_entry

    ws = wb["Data quality"]
    entries = [source_entry(s) for s in ds.sources]
    for i, e in enumerate(entries):
        assert ws.cell(5 + i, 1).value == e["file"]
        assert ws.cell(5 + i, 6).value == e["rows_read"]
        assert ws.cell(5 + i, 7).value == e["rows_used"]
    headers = [c.value for c in ws[4]]
    for i, e in enumerate(entries):
        for reason, n in e["rows_set_aside"].items():
            col = next(j for j, h in enumerate(headers) if h and h.endswith(
                reason.replace("_", " "))) + 1
            assert ws.cell(5 + i, col).value == n
    texts = {c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert "Wartość netto" in texts or any("Warto" in t for t in texts)  # the mapping
    about = {ws_row[0].value: ws_row[1].value for ws_row in wb["About"].iter_rows(min_row=4)}
    assert about["Date range"] == f"{results.start} – {results.end}"
    assert about["Grain"] == "month" and about["Currency"] == "PLN"
    assert about["Setting: new product"] == "Plecak Fjord 45L Pro"
    assert about["Generated"] and about["Version"]


def test_workbook_without_dataset_or_plan():
    ds = load([SAMPLES[-1]])
    results = evaluate(ds.tables, Query(), ds.currency)
    wb = openpyxl.load_workbook(io.BytesIO(workbook_bytes(results)))
    assert wb.sheetnames == list(SHEET_NAMES)
    assert "planner needs" in wb["What-if"]["A4"].value
    assert "not passed" in wb["Data quality"]["A4"].value
    assert file_name(results) == f"kpis_{results.start}_{results.end}.xlsx"


HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"click\")", "+1", "-2+3", "@SUM(A1:A9)",
           "=1+1", "-"]


def test_hostile_text_is_never_a_formula(tmp_path):
    lines = ["Order ID,Order Date,Customer,Product,Sales Rep,Region,Revenue"]
    for i, text in enumerate(HOSTILE * 3):
        quoted = '"' + text.replace('"', '""') + '"'
        lines.append(f"O{i},2025-0{1 + i % 3}-1{i % 9},c{i}@x.pl,{quoted},{quoted},{quoted},"
                     f"{100 + i}")
    name = "=cmd|' /C calc'!A0.csv"
    ds = load([(name, "\n".join(lines).encode())])
    assert ds.tables["orders"].height == len(HOSTILE) * 3
    results = evaluate(ds.tables, Query(filters={}), ds.currency)
    built = build_workbook(results, ds, Query())
    buf = io.BytesIO()
    built.workbook.save(buf)
    wb = openpyxl.load_workbook(io.BytesIO(buf.getvalue()))
    found: set[str] = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith(FORMULA_TRIGGERS):
                    if ws.title in ("Checks", "What-if") and c.data_type == "f":
                        continue  # the workbook's own formulas
                    assert c.data_type == "s", (ws.title, c.coordinate, c.value)
                    assert c.quotePrefix, (ws.title, c.coordinate, c.value)
                    found.add(c.value)
    assert set(HOSTILE) | {name} <= found
    # and in the file itself: never inside <f>
    xml = "".join(zipfile.ZipFile(buf).read(n).decode() for n in zipfile.ZipFile(buf).namelist()
                  if n.startswith("xl/worksheets/"))
    assert "HYPERLINK" in xml and "<f>HYPERLINK" not in xml and "<f>SUM" not in xml


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kpi_engine", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_cli_compute_xlsx(tmp_path: Path):
    out, js = tmp_path / "k.xlsx", tmp_path / "k.json"
    p = _cli("compute", *map(str, SAMPLES), "--xlsx", str(out), "--json", str(js))
    assert p.returncode == 0, p.stderr
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == list(SHEET_NAMES)
    doc = json.loads(js.read_text(encoding="utf-8"))
    ws = wb["Summary"]
    values = {ws.cell(r, 12).value: ws.cell(r, 3).value for r in range(5, ws.max_row + 1)}
    for kpi_id, k in doc["kpis"].items():
        if k["available"] and k["value"] is not None:
            assert values[kpi_id] == pytest.approx(k["value"], rel=1e-9, abs=1e-6), kpi_id
    whatif = wb["What-if"]
    if whatif["A4"].value == "Target revenue per month":  # the planner is there
        assert whatif["B4"].value == pytest.approx(140_000.0)  # the target of 2025-11
        assert any(c.data_type == "f" for row in whatif.iter_rows() for c in row)


def test_cli_compute_needs_json_or_xlsx(tmp_path: Path):
    p = _cli("compute", str(SAMPLES[0]))
    assert p.returncode == 2
    assert "--json" in p.stderr and "--xlsx" in p.stderr and "Traceback" not in p.stderr
    out = tmp_path / "only.xlsx"
    p = _cli("compute", str(ROOT / "sample_files" / "leads_sv.csv"), "--xlsx", str(out))
    assert p.returncode == 0, p.stderr
    assert out.stat().st_size > 0


def test_the_one_text_helper_quotes_every_trigger():
    from openpyxl import Workbook

    from kpi_engine.export_style import Sheet, register_styles

    wb = Workbook()
    register_styles(wb)
    sheet = Sheet(wb, "t")
    for i, text in enumerate(["=1+1", "+1", "-1", "@A1", "\tx", "\rx", "plain", "a\x01b"]):
        sheet.text(i + 1, 1, text)
    buf = io.BytesIO()
    wb.save(buf)
    ws = openpyxl.load_workbook(buf)["t"]
    cells = [ws.cell(i + 1, 1) for i in range(8)]
    assert all(c.data_type == "s" for c in cells)
    assert [c.quotePrefix for c in cells] == [True] * 6 + [False, False]
    assert cells[7].value == "ab"  # a control character XML cannot hold is dropped


@pytest.mark.parametrize("query", [
    Query(grain="week", start=dt.date(2025, 9, 1),
          end=dt.date(2025, 10, 15)),
    Query(grain="quarter", filters={"rep": "Anna Kowalska"}),
    Query(start=dt.date(2025, 10, 1),
          end=dt.date(2025, 10, 31)),
], ids=["week-partial", "quarter-filtered", "one-month"])
def test_other_ranges_grains_and_filters(sample, query):
    ds = sample[0]
    results = evaluate(ds.tables, query, ds.currency)
    built = build_workbook(results, ds, query)
    buf = io.BytesIO()
    built.workbook.save(buf)
    wb = openpyxl.load_workbook(buf)
    ws = wb["Summary"]
    for row in range(5, ws.max_row + 1):
        r = results.kpis.get(ws.cell(row, 12).value)
        if r is not None and r.available and r.value is not None:
            assert ws.cell(row, 3).value == pytest.approx(r.value, rel=1e-12), r.id
    header = ws.cell(4, 4).value
    if query.end and query.start == query.end.replace(day=1):  # one period: no change
        assert header == "Change"
    else:
        assert header.startswith("Change ")
        # 2025-10-15 is a Wednesday; 2025-Q4 runs to December: both last periods are partial
        assert header.endswith("(partial)")
    for check, row in built.checks:
        assert wb["Checks"].cell(row, 13).value == pytest.approx(check.expected)
    about = {r[0].value: r[1].value for r in wb["About"].iter_rows(min_row=4)}
    for dim, value in query.filters.items():
        assert about[f"Filter: {dim}"] == value
