"""Every real export in ../shared/real_exports is read as its expected.json says."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kpi_engine.ingest.dataset import load
from kpi_engine.ingest.report import source_entry
from tests.conftest import REAL, ROOT

ENTRIES = (
    json.loads((REAL / "expected.json").read_text(encoding="utf-8"))
    if (REAL / "expected.json").exists()
    else []
)
DATA_ENTRIES = [e for e in ENTRIES if not e["path"].endswith("LICENSE.txt")]


def _id(e: dict) -> str:
    return e["path"] + (f"[{e['sheet']}]" if e["sheet"] else "")


_CACHE: dict[str, list[dict]] = {}


def _inspect(path: str) -> list[dict]:
    if path not in _CACHE:
        ds = load([REAL / path])
        _CACHE[path] = [source_entry(s) for s in ds.sources]
    return _CACHE[path]


@pytest.mark.parametrize("exp", DATA_ENTRIES, ids=_id)
def test_real_export(real_exports, exp):
    entries = _inspect(exp["path"])
    got = next(e for e in entries if exp["sheet"] is None or e["sheet"] == exp["sheet"])
    assert got["table"] == exp["table"], got.get("reason")
    if exp["table"] is None:
        return
    assert got["header_row"] == exp["header_row"]
    assert got["rows_read"] == exp["data_rows"]
    mapped = {c["field"]: h for h, c in got["columns"].items() if c["field"]}
    for h, f in exp["columns"].items():
        if f in exp["required_present"]:
            assert mapped.get(f) == h, f"{f}: {mapped.get(f)!r} instead of {h!r}"
    assert sorted(got["missing_required"]) == sorted(exp["missing_required"])
    assert got["rows_used"] == exp["rows_used"]
    want = {k: v for k, v in exp["rows_set_aside"].items() if v}
    assert got["rows_set_aside"] == want
    assert got["rows_read"] == got["rows_used"] + sum(got["rows_set_aside"].values())


def test_license_text_is_not_a_table(real_exports):
    entries = _inspect("tableau_superstore/LICENSE.txt")
    assert all(e["table"] is None for e in entries)


def test_shared_checker_scores_every_entry(real_exports):
    """The team's own scorer, through the CLI, one process for all files, each its own upload.

    expected.json gives each file inspected on its own; in one upload the upload-wide currency
    rule (MXN, from Salesforce) would rightly set aside Shopify's ZAR and the ads' USD rows. The
    scorer finds sources by file name, so of the two "Campaign report.csv" files it compares
    the first one twice: that entry is the one line it may report.
    """
    tool = ROOT.parent / "shared" / "tools" / "check_real_exports.py"
    cmd = f"{sys.executable} -m kpi_engine inspect --each"
    p = subprocess.run([sys.executable, str(tool), "--inspect", cmd], cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    lines = [ln for ln in p.stdout.splitlines() if ln.strip()]
    assert lines[-1] in ("real exports: 26/26 entries as expected",
                         "real exports: 25/26 entries as expected"), p.stdout + p.stderr
    wrong = lines[:-1]
    assert all(ln.startswith("google_ads_fruit4london_utf16/Campaign report.csv:") for ln in wrong), wrong
