"""Sessions are isolated: two browsers uploading at the same time each see only their own data,
and nothing uploaded is written to disk or kept in a process-wide cache."""

from __future__ import annotations

import ast
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_browser import CHROMIUM, start_app

SAMPLES = ROOT / "sample_files"


def _snapshot(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    home = tmp_path_factory.mktemp("home")
    tmp = tmp_path_factory.mktemp("tmp")
    before = {"home": _snapshot(home), "tmp": _snapshot(tmp), "repo": _snapshot(ROOT / "pages")}
    proc, url = start_app({"HOME": str(home), "TMPDIR": str(tmp)})
    yield url, {"home": home, "tmp": tmp}, before
    proc.terminate()
    proc.wait(timeout=10)


def _upload_and_read(url: str, files: list[Path]) -> tuple[str, str]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url, wait_until="networkidle")
        page.get_by_text("Upload one or more files").wait_for(timeout=60_000)
        page.locator("input[type=file]").set_input_files([str(f) for f in files])
        page.get_by_text("What we found").wait_for(timeout=120_000)
        upload_text = page.inner_text("body")
        page.get_by_role("link", name="See your KPIs").click()
        page.get_by_text("What needs attention").wait_for(timeout=120_000)
        page.wait_for_timeout(1000)
        overview_text = page.inner_text("body")
        browser.close()
    return upload_text, overview_text


def test_two_sessions_at_once_see_only_their_own_files(server):
    url, dirs, before = server
    orders = [SAMPLES / "zamowienia_sklep.csv"]
    leads = [SAMPLES / "leads_sv.csv"]
    with ThreadPoolExecutor(2) as pool:
        a = pool.submit(_upload_and_read, url, orders)
        b = pool.submit(_upload_and_read, url, leads)
        (a_upload, a_overview), (b_upload, b_overview) = a.result(), b.result()
    assert "zamowienia_sklep.csv" in a_upload and "leads_sv.csv" not in a_upload
    assert "leads_sv.csv" in b_upload and "zamowienia_sklep.csv" not in b_upload
    assert "Orders — 4,987 rows" in a_upload and "Orders — " not in b_upload.replace(
        "Orders — not uploaded", "")
    assert "Leads — 1,567 rows" in b_upload and "Leads — 1,567 rows" not in a_upload
    assert "2.12 M zł" in a_overview and "2.12 M zł" not in b_overview
    # nothing the two sessions uploaded was written to disk
    assert _snapshot(dirs["home"]) - before["home"] == set()
    assert _snapshot(dirs["tmp"]) - before["tmp"] == set()
    new_in_app = {p for p in _snapshot(ROOT / "pages") - before["repo"]
                  if "__pycache__" not in p.parts}
    assert new_in_app == set()


def test_no_process_wide_cache_holds_uploaded_data():
    """st.cache_data / st.cache_resource are process-wide: only the product's own sample files
    may use them (ARCHITECTURE idiom 8)."""
    cached: list[str] = []
    for path in [ROOT / "app.py", *sorted((ROOT / "pages").rglob("*.py"))]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for deco in node.decorator_list:
                    text = ast.unparse(deco)
                    if "cache_data" in text or "cache_resource" in text:
                        cached.append(f"{path.name}:{node.name}")
    assert cached == ["state.py:_sample_dataset"]
    engine = " ".join(p.read_text(encoding="utf-8") for p in (ROOT / "kpi_engine").rglob("*.py"))
    assert "import streamlit" not in engine and "from streamlit" not in engine
