"""`python -m kpi_engine bench`: the project's one data generator and its benchmarks.

Generates (once, cached in --dir) a realistic orders CSV of --rows lines and an XLSX of
--xlsx-rows lines, then measures, each in a fresh process so the figures include start-up:
- reading, mapping and cleaning the CSV (`inspect`) against Polars' own `read_csv`;
- the same for the XLSX against fastexcel's raw read;
- peak memory (max RSS) of the reader against the file size.
Prints a Markdown table (the figures in docs/benchmarks.md come from it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import time
from pathlib import Path

import polars as pl

PRODUCTS = [("Tent 2p", "Camping", 899.0), ("Sleeping bag", "Camping", 349.0),
            ("Headlamp", "Accessories", 119.0), ("Trail shoes", "Footwear", 479.0),
            ("Rain jacket", "Clothing", 599.0), ("Backpack 40l", "Bags", 429.0),
            ("Stove", "Camping", 259.0), ("Merino tee", "Clothing", 189.0)]
REGIONS = ["mazowieckie", "małopolskie", "pomorskie", "śląskie", "Stockholm", "Skåne"]
CHANNELS = ["web", "marketplace", "b2b", "retail"]
REPS = ["Anna Nowak", "Piotr Zieliński", "Erik Lund", "Maja Berg"]


def orders_frame(rows: int, seed: int = 7) -> pl.DataFrame:
    """Order lines over two years: ~2.5 lines per order, repeat customers, a few cancellations."""
    import numpy as np

    rng = np.random.default_rng(seed)
    start = dt.datetime(2024, 1, 1)
    order_no = np.sort(rng.integers(0, max(1, rows // 2.5), rows))
    seconds = (order_no / max(1, order_no.max()) * 730 * 86400).astype("int64")
    product = rng.integers(0, len(PRODUCTS), rows)
    qty = rng.integers(1, 5, rows)
    price = np.array([p[2] for p in PRODUCTS])[product]
    discount = np.where(rng.random(rows) < 0.2, np.round(price * qty * 0.1, 2), 0.0)
    status = np.where(rng.random(rows) < 0.02, "cancelled", "paid")
    customer = rng.zipf(1.3, rows) % 50_000
    return pl.DataFrame({
        "Order ID": [f"SO-{n:07d}" for n in order_no],
        "Order Date": pl.Series([start], dtype=pl.Datetime("us")).repeat_by(rows).explode()
        + pl.Series(seconds * 1_000_000).cast(pl.Duration("us")),
        "Customer Email": [f"customer{c}@example.com" for c in customer],
        "Product": [PRODUCTS[i][0] for i in product],
        "Category": [PRODUCTS[i][1] for i in product],
        "Region": rng.choice(REGIONS, rows),
        "Channel": rng.choice(CHANNELS, rows),
        "Sales Rep": rng.choice(REPS, rows),
        "Quantity": qty,
        "Unit Price": price,
        "Discount": discount,
        "Net Sales": np.round(price * qty - discount, 2),
        "Cost": np.round(price * qty * 0.55, 2),
        "Status": status,
        "Currency": "PLN",
    })


def ensure_files(folder: Path, rows: int, xlsx_rows: int) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    csv_path = folder / f"orders_{rows}.csv"
    xlsx_path = folder / f"orders_{xlsx_rows}.xlsx"
    if not csv_path.exists():
        orders_frame(rows).write_csv(csv_path, datetime_format="%Y-%m-%d %H:%M:%S")
    if not xlsx_path.exists():
        _write_xlsx(orders_frame(xlsx_rows, seed=11), xlsx_path)
    return csv_path, xlsx_path


def _write_xlsx(frame: pl.DataFrame, path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Orders")
    ws.append(frame.columns)
    for row in frame.iter_rows():
        ws.append(list(row))
    wb.save(path)


_SNIPPETS = {
    "polars_read_csv": "import polars as pl, sys; pl.read_csv(sys.argv[1])",
    "fastexcel_raw": "import fastexcel, sys; fastexcel.read_excel(sys.argv[1]).load_sheet(0).to_polars()",
    "kpi_engine_load": (
        "import sys; from kpi_engine.ingest.dataset import load; ds = load([sys.argv[1]]); "
        "assert ds.sources[0].table == 'orders', ds.sources[0].recognition"
    ),
}


def _pair(base: str, ours: str, path: Path, repeat: int = 5) -> tuple[tuple[float, ...], ...]:
    """Baseline and ours run alternately (so machine noise hits both alike); best of `repeat`
    for wall time and CPU time, largest peak RSS."""
    runs = [(_timed(base, path, 1), _timed(ours, path, 1)) for _ in range(repeat)]
    return tuple(
        (min(r[k][0] for r in runs), max(r[k][1] for r in runs), min(r[k][2] for r in runs))
        for k in (0, 1)
    )


def _timed(snippet: str, path: Path, repeat: int = 3) -> tuple[float, float, float]:
    """Best wall time of `repeat` fresh processes, the peak RSS (MiB) of the last one, and the
    best CPU time (user + system, all threads)."""
    import resource

    best = float("inf")
    best_cpu = float("inf")
    peak = 0.0
    wrapper = (
        "import resource, runpy, sys\n"
        f"exec({snippet!r})\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", wrapper, str(path)], capture_output=True,
                             text=True, check=True, cwd=Path(__file__).resolve().parents[1])
        best = min(best, time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        best_cpu = min(best_cpu, cpu)
        peak = int(out.stdout.strip().splitlines()[-1]) / 1024
    return best, peak, best_cpu


def run(args: argparse.Namespace) -> int:
    if args.only == "kpis":
        from kpi_engine.bench_kpis import run_kpis

        print(run_kpis(args.rows))
        return 0
    csv_path, xlsx_path = ensure_files(args.dir, args.rows, args.xlsx_rows)
    size = csv_path.stat().st_size / 2**20
    lines = ["| what | file | wall (s) | peak RSS (MiB) | ratio (wall) | CPU (s) |",
             "|---|---|---|---|---|---|"]
    if args.only in (None, "csv"):
        (base, base_mem, base_cpu), (ours, ours_mem, ours_cpu) = _pair(
            _SNIPPETS["polars_read_csv"], _SNIPPETS["kpi_engine_load"], csv_path)
        lines += [
            f"| Polars read_csv (process) | {csv_path.name} ({size:.0f} MiB) | {base:.2f} | "
            f"{base_mem:.0f} | 1.00 | {base_cpu:.2f} |",
            f"| kpi_engine load: read + map + clean (process) | {csv_path.name} | {ours:.2f} | "
            f"{ours_mem:.0f} ({ours_mem / size:.1f}× file) | {ours / base:.2f} (budget 2.0) | "
            f"{ours_cpu:.2f} |",
        ]
    if args.only in (None, "xlsx"):
        xsize = xlsx_path.stat().st_size / 2**20
        (base, base_mem, base_cpu), (ours, ours_mem, ours_cpu) = _pair(
            _SNIPPETS["fastexcel_raw"], _SNIPPETS["kpi_engine_load"], xlsx_path)
        lines += [
            f"| fastexcel raw read (process) | {xlsx_path.name} ({xsize:.1f} MiB) | {base:.2f} | "
            f"{base_mem:.0f} | 1.00 | {base_cpu:.2f} |",
            f"| kpi_engine load (process) | {xlsx_path.name} | {ours:.2f} | {ours_mem:.0f} | "
            f"{ours / base:.2f} (budget 1.5) | {ours_cpu:.2f} |",
        ]
    if args.only in (None, "csv", "xlsx"):
        print("\n".join(lines))
    if args.only in (None, "kpis"):
        from kpi_engine.bench_kpis import run_kpis

        print()
        print(run_kpis(args.rows))
    return 0
