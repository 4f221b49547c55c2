"""The app in a real browser: upload real files, see what was recognised (Debian's chromium)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
SHOTS = ROOT / "out" / "screenshots"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(env_extra: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    """`streamlit run app.py` on a free loopback port, waited for; (process, url)."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env_extra or {})}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
         "--server.port", str(port), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.3)
    proc.kill()
    pytest.fail("streamlit did not start")


@pytest.fixture(scope="module")
def app_url():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    proc, url = start_app()
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield b
        b.close()


def _engine_revenue_value(names: list[str]) -> float:
    from kpi_engine.evaluate import evaluate
    from kpi_engine.ingest.dataset import load

    ds = load([ROOT / "sample_files" / n for n in names])
    return evaluate(ds.tables, None, ds.currency, only=["revenue"]).kpis["revenue"].value


def _engine_revenue(names: list[str]) -> str:
    from kpi_engine import units

    return units.display(_engine_revenue_value(names), "money", "PLN", compact=True)


def _cells_values(sheet) -> list:  # noqa: ANN001
    return [c for row in sheet.iter_rows(values_only=True) for c in row]


def test_upload_through_the_file_chooser_then_see_the_overview(app_url, browser):
    names = ["zamowienia_sklep.csv", "crm_export.xlsx", "targets_2025.xlsx"]
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(app_url, wait_until="networkidle")
    page.get_by_text("Upload one or more files").wait_for(timeout=30_000)
    page.locator("input[type=file]").set_input_files([str(ROOT / "sample_files" / n)
                                                      for n in names])
    page.get_by_text("What we found").wait_for(timeout=60_000)
    page.get_by_text("zamowienia_sklep.csv → Orders").wait_for(timeout=30_000)
    page.get_by_text("crm_export.xlsx · Summary → not used").wait_for(timeout=30_000)
    body = page.inner_text("body")
    assert "Orders — 4,987 rows" in body
    assert "Traceback" not in body
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "upload.png"))
    page.get_by_role("link", name="See your KPIs").click()
    page.get_by_text("Dashboard for").wait_for(timeout=30_000)
    page.get_by_text("What needs attention").wait_for(timeout=30_000)
    page.wait_for_timeout(2000)  # let the charts draw before the picture
    body = page.inner_text("body")
    assert _engine_revenue(names) in body  # the Revenue card is the engine's number
    assert "Traceback" not in body
    page.screenshot(path=str(SHOTS / "overview.png"))
    # the workbook downloads from the overview and holds the engine's numbers
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Download the KPI workbook (Excel)").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    path = SHOTS / download.value.suggested_filename
    download.value.save_as(path)
    import openpyxl

    book = openpyxl.load_workbook(path)
    assert book.sheetnames[:3] == ["Summary", "Trends", "Breakdowns"]
    revenue = _engine_revenue_value(names)
    assert any(isinstance(v, float) and abs(v - revenue) < 0.005
               for v in _cells_values(book["Summary"]))
    # a filter in the sidebar changes the card
    page.get_by_label("Rep").first.click()
    page.get_by_role("option", name="Anna Kowalska").click()
    page.get_by_text("rep: Anna Kowalska").wait_for(timeout=30_000)
    assert _engine_revenue(names) not in page.inner_text("body")
    # the sidebar's choices follow the owner to every page
    page.get_by_role("link", name="Download").first.click()
    page.get_by_text("Download your KPIs").wait_for(timeout=30_000)
    page.get_by_text("filters: rep: Anna Kowalska").wait_for(timeout=30_000)
    page.close()


def test_a_broken_file_gets_a_friendly_message_and_the_rest_loads(app_url, browser, tmp_path):
    bad = tmp_path / "photo.xlsx"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    page = browser.new_page(viewport={"width": 390, "height": 900})
    page.goto(app_url, wait_until="networkidle")
    page.get_by_text("Upload one or more files").wait_for(timeout=30_000)
    page.locator("input[type=file]").set_input_files(
        [str(bad), str(ROOT / "sample_files" / "leads_sv.csv")])
    page.get_by_text("leads_sv.csv → Leads").wait_for(timeout=60_000)
    body = page.inner_text("body")
    assert "photo.xlsx is not a spreadsheet (it is a PNG image)" in body
    assert "Traceback" not in body
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "upload_phone.png"), full_page=True)
    page.close()
