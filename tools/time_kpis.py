"""Time `evaluate` for some KPIs on the benchmark's frames (kpi_engine.bench_kpis.frames).

    python tools/time_kpis.py                 # every KPI, then each catalogue module's KPIs
    python tools/time_kpis.py revenue clv     # these KPI ids

The frames are generated once and kept as Parquet in $TMPDIR/kpi_bench_frames.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def frames() -> dict[str, pl.DataFrame]:
    folder = Path(tempfile.gettempdir()) / "kpi_bench_frames"
    if not folder.exists():
        from kpi_engine.bench_kpis import frames as make

        folder.mkdir()
        for name, df in make().items():
            df.write_parquet(folder / f"{name}.parquet")
    return {p.stem: pl.read_parquet(p) for p in sorted(folder.glob("*.parquet"))}


def best(tables: dict[str, pl.DataFrame], ids: list[str] | None, repeat: int = 3) -> float:
    from kpi_engine.evaluate import evaluate

    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        evaluate(tables, only=ids)
        times.append(time.perf_counter() - t)
    return min(times)


def main(argv: list[str]) -> None:
    from kpi_engine.catalogue import load_all

    tables = frames()
    specs = load_all()
    if argv:
        print(f"{' '.join(argv)}: {best(tables, argv):.3f} s")
        return
    print(f"all {len(specs)} KPIs: {best(tables, None):.3f} s")
    modules: dict[str, list[str]] = {}
    for kpi in specs.values():
        modules.setdefault(kpi.compute.__module__.rsplit(".", 1)[-1], []).append(kpi.id)
    for module, ids in modules.items():
        print(f"{module} ({len(ids)} KPIs): {best(tables, ids):.3f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
