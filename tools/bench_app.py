"""App speed (issue 5): upload → overview in a real browser, and the rerun after a filter change.

    python tools/bench_app.py [--rows 100000]

Upload → overview: Debian's chromium drives `streamlit run app.py` on loopback; the clock runs
from handing the files to the file chooser until the Overview shows its cards (the files are
read, recognised, cleaned and every KPI of the overview computed). Files: every file of
sample_files/, then one orders CSV of `--rows` lines from the benchmark generator
(`kpi_engine.bench.orders_frame`, the one generator of every benchmark).

Rerun after a what-if slider move: the same, on the What-if page (the driver model only).

Rerun after a filter change: Streamlit's AppTest on the Overview with the sample data, the rep
filter switched between reps; "first view" clears the session's results cache before each run
(the KPIs are computed for the new filter), "seen before" does not (a view seen earlier in the
session). Median of 15 runs each.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import OrderedDict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def upload_to_overview(files: list[Path], repeat: int = 3) -> list[float]:
    from playwright.sync_api import sync_playwright

    port = _port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port",
         str(port), "--server.headless", "true", "--server.address", "127.0.0.1"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times: list[float] = []
    try:
        time.sleep(4)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                        args=["--no-sandbox", "--disable-gpu"])
            for _ in range(repeat):
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(f"http://127.0.0.1:{port}/", wait_until="networkidle")
                page.get_by_text("Upload one or more files").wait_for(timeout=60_000)
                t0 = time.perf_counter()
                page.locator("input[type=file]").set_input_files([str(f) for f in files])
                page.get_by_role("link", name="See your KPIs").click(timeout=300_000)
                page.get_by_text("What needs attention").wait_for(timeout=300_000)
                page.locator("[data-testid=stMetric]").first.wait_for(timeout=60_000)
                times.append(time.perf_counter() - t0)
                page.close()
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    return times


def filter_reruns(runs: int = 15) -> tuple[float, float]:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    next(b for b in at.button if b.label == "Try with sample data").click().run()
    at.switch_page("pages/overview.py").run()
    reps = ["Anna Kowalska", "Piotr Wiśniewski", "Erik Lindqvist", "Maja Söderberg", "All"]
    first: list[float] = []
    seen: list[float] = []
    for i in range(runs):
        at.session_state["f_rep"] = reps[i % len(reps)]
        at.session_state["results_cache"] = OrderedDict()
        t0 = time.perf_counter()
        at.run()
        first.append(time.perf_counter() - t0)
    for i in range(runs):
        at.session_state["f_rep"] = reps[i % len(reps)]
        t0 = time.perf_counter()
        at.run()
        seen.append(time.perf_counter() - t0)
    assert not at.exception
    return statistics.median(first), statistics.median(seen)


def slider_reruns(runs: int = 15) -> float:
    """The What-if page: a driver slider moved to a new value each run (median)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    next(b for b in at.button if b.label == "Try with sample data").click().run()
    at.switch_page("pages/what_if.py").run()
    took: list[float] = []
    for i in range(runs):
        slider = next(s for s in at.slider if s.label == "Lead conversion rate")
        slider.set_value(10.0 + i)
        t0 = time.perf_counter()
        at.run()
        took.append(time.perf_counter() - t0)
    assert not at.exception
    return statistics.median(took)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    args = ap.parse_args()
    from kpi_engine.bench import orders_frame

    samples = sorted(p for p in (ROOT / "sample_files").iterdir()
                     if p.suffix in (".csv", ".xlsx"))
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / f"orders_{args.rows}.csv"
        orders_frame(args.rows).write_csv(big)
        mib = big.stat().st_size / 2**20
        first, seen = filter_reruns()
        print(f"rerun after a filter change (AppTest, sample data, median of 15): "
              f"first view {first * 1000:.0f} ms, seen before {seen * 1000:.0f} ms")
        print(f"rerun after a what-if slider move (AppTest, sample data, median of 15): "
              f"{slider_reruns() * 1000:.0f} ms")
        t = upload_to_overview(samples)
        print(f"upload → overview, sample_files ({len(samples)} files): "
              f"best {min(t):.2f} s, runs {', '.join(f'{x:.2f}' for x in t)}")
        t = upload_to_overview([big], repeat=2)
        print(f"upload → overview, orders CSV of {args.rows:,} lines ({mib:.1f} MiB): "
              f"best {min(t):.2f} s, runs {', '.join(f'{x:.2f}' for x in t)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
