"""A small load test (issue 8): N concurrent browser sessions on loopback, each loads the sample
data and opens the overview. Bounded: one round per session, loopback only, a 300 s limit.

    python tools/load_test.py [--sessions 10]

Prints the time each session took (from opening the page until the overview shows its cards),
p50 / p95 / max, whether every session was served, and the server's peak memory.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _session(browser, url: str, i: int) -> float:  # noqa: ANN001
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    t0 = time.perf_counter()
    await page.goto(url, wait_until="domcontentloaded")
    await page.get_by_role("button", name="Try with sample data").click(timeout=120_000)
    await page.get_by_text("What we found").wait_for(timeout=240_000)
    await page.get_by_role("link", name="See your KPIs").click(timeout=120_000)
    await page.get_by_text("What needs attention").wait_for(timeout=240_000)
    await page.locator("[data-testid=stMetric]").first.wait_for(timeout=60_000)
    took = time.perf_counter() - t0
    body = await page.inner_text("body")
    await context.close()
    if "2.12 M zł" not in body:
        raise AssertionError(f"session {i}: the overview does not show the sample's revenue")
    return took


async def _run(url: str, sessions: int) -> list[float | BaseException]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM,
                                          args=["--no-sandbox", "--disable-gpu"])
        got = await asyncio.wait_for(
            asyncio.gather(*(_session(browser, url, i) for i in range(sessions)),
                           return_exceptions=True), timeout=300)
        await browser.close()
    return got


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=10)
    args = ap.parse_args()
    import psutil

    port = _port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port",
         str(port), "--server.headless", "true", "--server.address", "127.0.0.1"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = [0]
    stop = threading.Event()

    def watch() -> None:
        server = psutil.Process(proc.pid)
        while not stop.is_set():
            try:
                peak[0] = max(peak[0], server.memory_info().rss)
            except psutil.Error:
                return
            time.sleep(0.05)

    threading.Thread(target=watch, daemon=True).start()
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.3)
        server = psutil.Process(proc.pid)
        idle = server.memory_info().rss
        cpu0 = sum(server.cpu_times()[:2])
        t0 = time.perf_counter()
        results = asyncio.run(_run(f"http://127.0.0.1:{port}/", args.sessions))
        wall = time.perf_counter() - t0
        cpu = sum(server.cpu_times()[:2]) - cpu0
    finally:
        stop.set()
        proc.terminate()
        proc.wait(timeout=20)
    times = sorted(r for r in results if isinstance(r, float))
    failed = [r for r in results if not isinstance(r, float)]
    print(f"sessions: {args.sessions}, served: {len(times)}, failed: {len(failed)}")
    for f in failed:
        print(f"  failure: {type(f).__name__}: {str(f).splitlines()[0][:200]}")
    if times:
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        print(f"time to overview (s): p50 {statistics.median(times):.2f}, p95 {p95:.2f}, "
              f"max {times[-1]:.2f}")
    print(f"server memory: idle {idle / 2**20:.0f} MiB, peak {peak[0] / 2**20:.0f} MiB")
    print(f"server CPU: {cpu:.1f} s over {wall:.1f} s of wall time (the rest of the 2 cores "
          "went to the browsers drawing the pages)")
    return 0 if not failed else 1


if __name__ == "__main__":
    raise SystemExit(main())
