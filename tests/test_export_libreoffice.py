"""The workbook's formulas recalculated by a real spreadsheet engine (LibreOffice, headless):
every formula cell on Checks and What-if must give the engine's / the planner's value.

openpyxl writes formulas without cached values, so every number read back here was computed
by LibreOffice when it converted the file."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from kpi_engine.evaluate import evaluate
from kpi_engine.export import build_workbook
from kpi_engine.export_checks import RESULT_COL
from kpi_engine.export_whatif import default_plan
from kpi_engine.ingest.dataset import load
from kpi_engine.query import Query, Settings, months_between
from tests.conftest import ROOT

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed: "
                                "apt-get install libreoffice-calc-nogui")
SAMPLES = sorted(p for p in (ROOT / "sample_files").iterdir() if p.suffix != ".md")
REL = 1e-6


def _hand_plan() -> dict:
    """A plan in the section-6 shape covering every tree (the customer tree without costs: new
    customers), built from the formulas of section 6 so the test does not need the planner."""
    base_months = months_between(dt.date(2025, 4, 1), dt.date(2025, 6, 30))
    months = ["2025-07", "2025-08", "2025-09"]

    def constant(v: float) -> dict:
        return dict.fromkeys(months, v)

    def recurse(start: float, keep: float, inflow: float, per: float = 1.0) -> dict:
        out, x = {}, start
        for m in months:
            x = x * keep + inflow
            out[m] = x * per
        return out

    lead = {"leads": 250.0, "lead_conversion_rate": 11.0, "average_deal_size": 4000.0}
    lead_s = {**lead, "leads": 275.0}
    pipe = {"open_deals": 40.0, "win_rate": 30.0, "average_deal_size": 5000.0,
            "sales_cycle_length": 35.0, "selling_days": 21.0}
    cust = {"active_customers": 500.0, "purchase_frequency": 1.4, "average_purchase_value": 90.0,
            "churn_rate": 12.5, "new_customers": 60.0}
    cust_s = {**cust, "churn_rate": 10.0}
    rec = {"mrr": 12000.0, "churn_rate": 4.0, "new_customers": 20.0, "arpa": 70.0}
    prof = {"revenue": 105000.0, "gross_margin": 44.8, "sales_and_marketing_costs": 35000.0}

    def lead_rev(d):
        return d["leads"] * d["lead_conversion_rate"] / 100 * d["average_deal_size"]

    def pipe_rev(d):
        return (d["open_deals"] * d["win_rate"] / 100 * d["average_deal_size"]
                / d["sales_cycle_length"] * d["selling_days"])

    def cust_rev(d):
        per = d["purchase_frequency"] / base_months * d["average_purchase_value"]
        return recurse(d["active_customers"], 1 - d["churn_rate"] / 100, d["new_customers"], per)

    def rec_rev(d):
        return recurse(d["mrr"], 1 - d["churn_rate"] / 100, d["new_customers"] * d["arpa"])

    target = 150000.0
    trees = {
        "lead": (lead, lead_s, constant(lead_rev(lead)), constant(lead_rev(lead_s))),
        "pipeline": (pipe, pipe, constant(pipe_rev(pipe)), constant(pipe_rev(pipe))),
        "customer": (cust, cust_s, cust_rev(cust), cust_rev(cust_s)),
        "recurring": (rec, rec, rec_rev(rec), rec_rev(rec)),
        "profit": (prof, prof, constant(prof["revenue"]), constant(prof["revenue"])),
    }
    out = {}
    for name, (d, s, base, scen) in trees.items():
        first = scen[months[0]]
        out[name] = {"drivers": d, "scenario_drivers": s, "baseline": base, "scenario": scen,
                     "attainment": first / target * 100, "gap": target - first, "solve": {}}
    out["profit"]["profit"] = constant(prof["revenue"] * prof["gross_margin"] / 100
                                       - prof["sales_and_marketing_costs"])
    return {"base_period": {"start": "2025-04-01", "end": "2025-06-30"}, "target": target,
            "horizon": 3, "trees": out, "messages": []}


def _recalculated(tmp: Path, books: dict[str, openpyxl.Workbook]) -> dict[str, openpyxl.Workbook]:
    """Each workbook converted by LibreOffice (which computes every formula), read back."""
    src, out = tmp / "src", tmp / "out"
    src.mkdir()
    out.mkdir()
    for name, wb in books.items():
        wb.save(src / f"{name}.xlsx")
    profile = (tmp / "profile").as_uri()
    cmd = [SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--norestore",
           "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out),
           *(str(src / f"{n}.xlsx") for n in books)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=240)
    return {n: openpyxl.load_workbook(out / f"{n}.xlsx", data_only=True) for n in books}


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory):
    ds = load(SAMPLES)
    query = Query(settings=Settings(monthly_target=130000.0))
    results = evaluate(ds.tables, query, ds.currency)
    planner = default_plan(ds, query)
    builds = {"sample": build_workbook(results, ds, query, pinned=["revenue"], plan=planner),
              "hand": build_workbook(results, ds, query, plan=_hand_plan())}
    no_target = _hand_plan()
    no_target["target"] = None
    builds["no_target"] = build_workbook(results, plan=no_target)
    books = _recalculated(tmp_path_factory.mktemp("lo"),
                          {n: b.workbook for n, b in builds.items()})
    return results, builds, books, planner


def _close(got, want) -> bool:
    if want is None:
        return got in (None, "")
    return isinstance(got, int | float) and abs(got - want) <= REL * max(1.0, abs(want))


def test_every_check_formula_gives_the_engines_value(recalculated):
    results, builds, books, _ = recalculated
    ws = books["sample"]["Checks"]
    assert builds["sample"].checks
    for check, row in builds["sample"].checks:
        got = ws.cell(row, RESULT_COL).value
        assert _close(got, check.expected), (check.title, got, check.expected)
        if check.title == check.kpi.name:
            assert _close(got, results.kpis[check.kpi.id].value), check.kpi.id
        assert abs(ws.cell(row, RESULT_COL + 2).value) <= REL * max(1.0, abs(check.expected))
    # no formula cell of the sheet is left unchecked
    source = builds["sample"].workbook["Checks"]
    formula_rows = {c.row for r in source.iter_rows() for c in r if c.data_type == "f"}
    assert formula_rows == {row for _, row in builds["sample"].checks}


@pytest.mark.parametrize("name", ["hand", "no_target", "sample"])
def test_every_whatif_formula_gives_the_planners_value(recalculated, name):
    _, builds, books, planner = recalculated
    built = builds[name]
    if name == "sample" and not (planner and planner.get("trees")):
        pytest.skip("the planner (kpi_engine/whatif.py) gave no tree for the sample files")
    ws = books[name]["What-if"]
    source = built.workbook["What-if"]
    formulas = {c.coordinate for r in source.iter_rows() for c in r if c.data_type == "f"}
    assert formulas, name
    assert formulas == set(built.whatif), "every formula cell has an expected value"
    for cell, want in built.whatif.items():
        assert _close(ws[cell].value, want), (name, cell, source[cell].value, ws[cell].value, want)


def test_hand_plan_cells_are_the_planners_numbers(recalculated):
    _, builds, books, _ = recalculated
    plan = _hand_plan()
    ws = books["hand"]["What-if"]
    values = [c.value for r in ws.iter_rows() for c in r if isinstance(c.value, int | float)]
    for tree in plan["trees"].values():
        for v in [*tree["scenario"].values(), tree["attainment"], tree["gap"]]:
            assert any(abs(x - v) <= REL * max(1.0, abs(v)) for x in values), v


def test_changing_an_input_moves_the_projection(tmp_path):
    """The owner keeps planning: a new scenario value and target recompute the sheet."""
    ds = load([ROOT / "sample_files" / "zamowienia_sklep.csv"])
    results = evaluate(ds.tables, Query(), ds.currency)
    built = build_workbook(results, plan=_hand_plan())
    ws = built.workbook["What-if"]
    leads = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "Leads per month")
    ws.cell(leads, 3).value = 300.0
    ws["B4"].value = 132000.0
    book = _recalculated(tmp_path, {"edited": built.workbook})["edited"]["What-if"]
    month = next(r for r in range(leads, ws.max_row + 1) if ws.cell(r, 1).value == "2025-07")
    assert book.cell(month, 3).value == pytest.approx(300 * 11 / 100 * 4000)
    attainment = next(r for r in range(month, ws.max_row + 1)
                      if str(ws.cell(r, 1).value).startswith("Attainment"))
    assert book.cell(attainment, 3).value == pytest.approx(132000 / 132000 * 100)
    assert book.cell(attainment + 1, 3).value == pytest.approx(0.0, abs=1e-6)


def test_hostile_text_stays_text_after_recalculation(tmp_path):
    rows = ["Order ID,Order Date,Product,Revenue",
            'O1,2025-01-02,"=HYPERLINK(""http://evil.example"",""x"")",100',
            "O2,2025-01-03,@SUM(A1:A2),50", "O3,2025-01-04,-2+3,25", "O4,2025-01-05,+1,10"]
    ds = load([("=evil.csv", "\n".join(rows).encode())])
    results = evaluate(ds.tables, Query(), ds.currency)
    built = build_workbook(results, ds, Query())
    book = _recalculated(tmp_path, {"hostile": built.workbook})["hostile"]
    texts = {c.value for ws in book.worksheets for r in ws.iter_rows() for c in r
             if isinstance(c.value, str)}
    for t in ('=HYPERLINK("http://evil.example","x")', "@SUM(A1:A2)", "-2+3", "+1", "=evil.csv"):
        assert t in texts, t
    items = [r[1].value for r in book["Breakdowns"].iter_rows(min_row=5) if r[0].value]
    assert items and all(isinstance(v, str) for v in items)  # "+1", "-2+3" not numbers
