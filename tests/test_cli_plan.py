"""`python -m kpi_engine plan` as a user runs it (catalogue section 6): the planner JSON on the
sample files, the same numbers as the Python API, exit code 2 with one line on wrong arguments."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest

from kpi_engine.ingest.dataset import load
from kpi_engine.query import Settings
from kpi_engine.whatif import base_drivers, plan
from tests.conftest import ROOT

SAMPLES = ROOT / "sample_files"
FILES = sorted(str(p) for p in SAMPLES.iterdir() if p.suffix in (".csv", ".xlsx"))
TREE_KEYS = ["drivers", "scenario_drivers", "baseline", "scenario", "attainment", "gap", "solve"]
DRIVERS = {
    "lead": ["leads", "lead_conversion_rate", "average_deal_size"],
    "pipeline": ["open_deals", "win_rate", "average_deal_size", "sales_cycle_length",
                 "selling_days"],
    "customer": ["active_customers", "purchase_frequency", "average_purchase_value", "churn_rate",
                 "sales_and_marketing_costs", "cac"],
    "recurring": ["mrr", "churn_rate", "new_customers", "arpa"],
    "profit": ["revenue", "gross_margin", "sales_and_marketing_costs"],
}


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kpi_engine", "plan", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def samples():
    return load(FILES)


def api(ds, *args, settings=None, base_start=None, base_end=None, **kw):
    base = base_drivers(ds.tables, settings, ds.currency, base_start, base_end)
    return json.loads(json.dumps(plan(base, *args, **kw)))


def test_plan_on_the_sample_files(tmp_path, samples):
    out = tmp_path / "plan.json"
    p = cli(*FILES, "--target", "150000", "--set", "leads=200", "--set", "churn_rate=5",
            "--json", str(out))
    assert p.returncode == 0, p.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert list(doc) == ["base_period", "target", "horizon", "trees", "messages"]
    assert doc["base_period"] == {"start": "2025-08-01", "end": "2025-10-31"}
    assert (doc["target"], doc["horizon"]) == (150000.0, 3)
    assert list(doc["trees"]) == list(DRIVERS)
    months = ["2025-11", "2025-12", "2026-01"]
    for tree, entry in doc["trees"].items():
        keys = TREE_KEYS[:4] + (["profit"] if tree == "profit" else []) + TREE_KEYS[4:]
        assert list(entry) == keys, tree
        assert list(entry["drivers"]) == DRIVERS[tree]
        assert list(entry["scenario_drivers"]) == DRIVERS[tree]
        assert list(entry["baseline"]) == months and list(entry["scenario"]) == months
        assert list(entry["solve"]) == (["revenue"] if tree == "profit" else DRIVERS[tree])
    lead = doc["trees"]["lead"]
    assert lead["drivers"]["leads"] == pytest.approx(361 / 3)  # leads created Aug-Oct 2025
    assert lead["scenario_drivers"]["leads"] == 200.0
    assert doc["trees"]["recurring"]["scenario_drivers"]["churn_rate"] == 5.0
    assert doc["trees"]["customer"]["scenario_drivers"]["churn_rate"] == 5.0
    assert doc["trees"]["pipeline"]["drivers"]["open_deals"] == 49.0
    assert isinstance(doc["messages"], list)
    assert doc == api(samples, 150000, 3, {"leads": 200, "churn_rate": 5})


def test_plan_options_agree_with_the_python_api(tmp_path, samples):
    out = tmp_path / "plan.json"
    p = cli(*FILES, "--target", "120000", "--horizon", "12", "--base-start", "2025-04-16",
            "--base-end", "2025-09-30", "--set", "pipeline.win_rate=40", "--solve-for",
            "win_rate", "--selling-days", "20", "--sales-costs-per-month", "5000",
            "--json", str(out))
    assert p.returncode == 0, p.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["base_period"] == {"start": "2025-04-16", "end": "2025-09-30"}
    pipe = doc["trees"]["pipeline"]
    assert len(pipe["scenario"]) == 12 and next(iter(pipe["scenario"])) == "2025-10"
    assert pipe["scenario_drivers"]["win_rate"] == 40.0 and pipe["drivers"]["selling_days"] == 20
    assert list(pipe["solve"]) == ["win_rate"]
    assert all(e["solve"] == {} for t, e in doc["trees"].items() if t != "pipeline")
    settings = Settings(selling_days_per_month=20, sales_costs_per_month=5000)
    assert doc == api(samples, 120000, 12, {"pipeline.win_rate": 40}, "win_rate",
                      settings=settings, base_start=dt.date(2025, 4, 16),
                      base_end=dt.date(2025, 9, 30))


def test_the_target_defaults_to_the_targets_file(tmp_path):
    out = tmp_path / "plan.json"
    p = cli(*FILES, "--horizon", "1", "--json", str(out))
    assert p.returncode == 0, p.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["target"] == 140000.0  # 2025-Q4 / 3


@pytest.mark.parametrize("args, message", [
    (["--horizon", "0"], "--horizon is 1 to 12 months, not 0"),
    (["--horizon", "13"], "--horizon is 1 to 12 months, not 13"),
    (["--set", "colour=3"], "unknown driver 'colour'"),
    (["--set", "leads"], "--set takes DRIVER=NUMBER: leads"),
    (["--set", "leads=many"], "--set takes DRIVER=NUMBER: leads=many"),
    (["--set", "win_rate=140"], "win_rate is a percentage: at most 100"),
    (["--set", "leads=-4"], "leads must not be negative"),
    (["--solve-for", "happiness"], "unknown driver 'happiness' to solve for"),
    (["--solve-for", "shop.leads"], "unknown tree 'shop'"),
    (["--target", "-1"], "--target must be a number of at least 0"),
    (["--base-start", "2025-06-01", "--base-end", "2025-05-01"], "is after --base-end"),
    (["--base-start", "June"], "not a date"),
])
def test_wrong_arguments_exit_2_with_one_line(tmp_path, args, message):
    out = tmp_path / "plan.json"
    p = cli(FILES[0], "--target", "1000", *args, "--json", str(out))
    assert p.returncode == 2
    assert message in p.stderr
    assert "Traceback" not in p.stderr
    assert not out.exists()


def test_no_usable_file_or_no_target_exit_2(tmp_path):
    bad = tmp_path / "photo.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    p = cli(str(bad), "--target", "1000", "--json", str(tmp_path / "o.json"))
    assert p.returncode == 2 and "Traceback" not in p.stderr
    p = cli(str(SAMPLES / "leads_sv.csv"), "--json", str(tmp_path / "o.json"))
    assert p.returncode == 2
    assert p.stderr.strip().startswith("kpi_engine: no target")
