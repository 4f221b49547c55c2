"""Golden snapshot: every KPI computed from sample_files/, compared with the reviewed JSON.

When a change is intended, regenerate with `UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py`
and review the diff of tests/golden/sample_kpis.json before committing it.
"""

from __future__ import annotations

import json
import math
import os

from kpi_engine.evaluate import evaluate
from kpi_engine.ingest.dataset import load
from kpi_engine.query import Query, Settings
from tests.conftest import ROOT

GOLDEN = ROOT / "tests" / "golden" / "sample_kpis.json"
SETTINGS = Settings(sales_costs_per_month=20_000, new_product="Plecak Fjord 45L Pro",
                    old_product="Plecak Fjord 40L")


def compute() -> dict:
    files = sorted(p for p in (ROOT / "sample_files").iterdir() if p.suffix != ".md")
    ds = load(files)
    import datetime as dt

    settings = Settings(**{**SETTINGS.__dict__, "launch_date": dt.date(2025, 3, 1)})
    return evaluate(ds.tables, Query(grain="month", settings=settings), ds.currency).as_json()


def close(a, b, path="") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{path}: keys {sorted(set(a) ^ set(b))}"] if set(a) != set(b) else []
        for k in a.keys() & b.keys():
            out += close(a[k], b[k], f"{path}.{k}")
        return out
    if isinstance(a, float) and isinstance(b, (int, float)):
        return [] if math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6) else [f"{path}: {a} != {b}"]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def test_sample_files_golden_snapshot():
    doc = compute()
    if os.environ.get("UPDATE_GOLDEN") or not GOLDEN.exists():
        GOLDEN.write_text(json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True),
                          encoding="utf-8")
    want = json.loads(GOLDEN.read_text(encoding="utf-8"))
    diffs = close(json.loads(json.dumps(doc)), want)
    assert not diffs, "\n".join(diffs[:30])
