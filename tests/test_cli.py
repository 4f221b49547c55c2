"""The command line as a user runs it: exit codes, JSON shapes, one-line messages."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT

SAMPLES = ROOT / "sample_files"


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kpi_engine", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_inspect_writes_the_report(tmp_path):
    out = tmp_path / "inspect.json"
    p = cli("inspect", str(SAMPLES / "zamowienia_sklep.csv"), str(SAMPLES / "targets_2025.xlsx"),
            "--json", str(out))
    assert p.returncode == 0, p.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    orders = doc["sources"][0]
    assert orders["table"] == "orders" and orders["delimiter"] == ";"
    assert orders["rows_read"] == orders["rows_used"] + sum(orders["rows_set_aside"].values())
    assert doc["sources"][1]["table"] == "targets"
    assert doc["currency"] == "PLN"


def test_inspect_of_nothing_usable_exits_2_with_one_line(tmp_path):
    bad = tmp_path / "photo.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    out = tmp_path / "o.json"
    p = cli("inspect", str(bad), "--json", str(out))
    assert p.returncode == 2
    assert p.stderr.strip() == ("kpi_engine: photo.png is not a spreadsheet (it is a PNG image): "
                                "upload a CSV or Excel file.")
    assert "Traceback" not in p.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["sources"] == [] and doc["problems"][0]["file"] == "photo.png"


def test_wrong_arguments_exit_2():
    assert cli("inspect").returncode == 2
    assert cli("compute", str(SAMPLES / "leads_sv.csv"), "--json", "x.json",
               "--grain", "day").returncode == 2
    p = cli("compute", str(SAMPLES / "leads_sv.csv"), "--json", "x.json", "--filter", "colour=red")
    assert p.returncode == 2 and "--filter takes DIM=VALUE" in p.stderr


def test_compute_writes_every_kpi_in_the_section_6_shape(tmp_path):
    out = tmp_path / "kpis.json"
    p = cli("compute", str(SAMPLES / "zamowienia_sklep.csv"), "--start", "2025-01-01",
            "--end", "2025-03-31", "--grain", "month", "--json", str(out))
    assert p.returncode == 0, p.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert (doc["start"], doc["end"], doc["grain"], doc["currency"]) == (
        "2025-01-01", "2025-03-31", "month", "PLN")
    keys = {"name", "value", "unit", "available", "missing_fields", "status", "direction",
            "by_period", "by", "extra", "explanation"}
    for kpi_id, k in doc["kpis"].items():
        assert set(k) == keys, kpi_id
    rev = doc["kpis"]["revenue"]
    assert list(rev["by_period"]) == ["2025-01", "2025-02", "2025-03"]
    assert rev["value"] == round(sum(rev["by_period"].values()), 6)


def test_compute_reports_data_quality(tmp_path):
    deals = tmp_path / "deals.csv"
    deals.write_text("Deal ID,Create Date,Close Date,Amount,Deal Stage\n"
                     "D1,2024-01-10,2024-01-05,100,Closed Won\n"
                     "D2,2024-01-10,,100,Closed Lost\n"
                     "D3,2024-01-11,,50,Proposal\n", encoding="utf-8")
    out = tmp_path / "k.json"
    p = cli("compute", str(deals), "--json", str(out))
    assert p.returncode == 0, p.stderr
    dq = json.loads(out.read_text(encoding="utf-8"))["data_quality"]
    assert dq["won_lost_deals_without_close_date"] == 1
    assert dq["deals_closed_before_created"] == 1


def test_compute_says_what_to_pick_when_no_row_can_be_used(tmp_path):
    """A file recognised as orders but without a value column: every row is set aside, so
    nothing is usable (exit 2) and the one line says which column to pick."""
    f = tmp_path / "zamowienia.csv"
    f.write_text("order_id;client_id;order_date\nA1;C1;2025-01-02\nA2;C2;2025-01-03\n",
                 encoding="utf-8")
    p = cli("compute", str(f), "--json", str(tmp_path / "out.json"))
    assert p.returncode == 2
    assert "pick the revenue column" in p.stderr
    assert not (tmp_path / "out.json").exists()
