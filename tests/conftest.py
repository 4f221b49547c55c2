import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
REAL = ROOT.parent / "shared" / "real_exports"


@pytest.fixture
def real_exports() -> Path:
    if not (REAL / "expected.json").exists():
        pytest.skip("../shared/real_exports is absent (real exports are not copied into the project)")
    return REAL


def assert_periods_are_headlines(files, kpis, start, end, grain="month", settings=None) -> None:
    """Each period's by_period value is the KPI's value over that (clipped) period alone."""
    import pytest as _pytest

    from kpi_engine.evaluate import evaluate
    from kpi_engine.ingest.dataset import load
    from kpi_engine.query import Query, Settings, periods

    ds = load(files)

    def values(a, b):
        q = Query(start=a, end=b, grain=grain, settings=settings or Settings())
        return evaluate(ds.tables, q, ds.currency, only=kpis).kpis

    whole = values(start, end)
    assert all(whole[k].available for k in kpis)
    for p in periods(start, end, grain):
        alone = values(p.clip_start, p.clip_end)
        for k in kpis:
            v = alone[k].value
            got = whole[k].by_period[p.label]
            assert got is None if v is None else got == _pytest.approx(v), (k, p.label)
