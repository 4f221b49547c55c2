"""The app under hostile uploads (issue 8): user text is never rendered as HTML or Markdown,
a broken or oversized file gets a friendly message while the rest of the upload loads, and the
upload size limit is set deliberately."""

from __future__ import annotations

import ast
import re
import tomllib

from streamlit.testing.v1 import AppTest

from kpi_engine.ingest import read_csv
from kpi_engine.ingest.dataset import load
from pages.ui.view import md
from tests.conftest import ROOT
from tools.make_hostile import HOSTILE_TEXT, _wide, csv_bytes, xlsx, xlsx_rows

APP = str(ROOT / "app.py")
MARKUP_NAME = "<img src=x onerror=alert(1)>**bold**[a](javascript:alert(1)).csv"
MARKUP_SHEET = "<b>x</b> [z](javascript:1) ![p](http://example.invalid/p.png)"
ORDERS = csv_bytes([["Order ID", "Order Date", "Customer", "Total", "Product"]]
                   + [[f"A-{i}", f"2024-02-{1 + i:02d}", HOSTILE_TEXT[i % len(HOSTILE_TEXT)],
                       "10", HOSTILE_TEXT[(i + 3) % len(HOSTILE_TEXT)]] for i in range(12)])
RAW_MARKUP = ("<img", "<b>", "<script", "[a](javascript", "[z](javascript", "![p](",
              "[click](javascript", "![pixel](", "**bold**")


def _python_files():
    return [ROOT / "app.py", *sorted((ROOT / "pages").rglob("*.py"))]


def test_no_page_allows_html():
    """No `unsafe_allow_html=True`, no st.html, no components: nothing is rendered as HTML."""
    found = []
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "unsafe_allow_html" and not (
                    isinstance(node.value, ast.Constant) and node.value.value is False):
                found.append(f"{path.name}:{node.lineno}")
            if isinstance(node, ast.Attribute) and node.attr in ("html", "components", "iframe"):
                found.append(f"{path.name}:{node.lineno} st.{node.attr}")
            if isinstance(node, ast.ImportFrom) and "components" in (node.module or ""):
                found.append(f"{path.name}:{node.lineno} import {node.module}")
    assert found == []


def test_md_escapes_every_markdown_and_html_character():
    text = md("<b>x</b> **y** _z_ [a](javascript:1) ![i](u) `c` $x$ :red[r] # h | t ~s~ \\")
    for raw in ("<b>", "**y**", "_z_", "[a](", "![i]", "`c`", "$x$", ":red[", "~s~"):
        assert raw not in text
    assert md("a\nb\r\n- c") == "a b \\- c" and md("Zoë 12.50 EUR") == "Zoë 12.50 EUR"


def _unescaped(raw: str, text: str) -> bool:
    """`raw` occurs in `text` without a backslash before it (so Markdown would act on it)."""
    return re.search(r"(?<!\\)" + re.escape(raw), text) is not None


def _shown(at: AppTest) -> list[str]:
    """Every text the page hands to Streamlit's Markdown renderer."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.value for kind in ("info", "warning", "error", "success") for e in at.get(kind)]
    parts += [e.label for e in at.expander] + [s.value for s in at.subheader]
    return [str(p) for p in parts]


def _app_with(ds) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.session_state["dataset"] = ds
    at.session_state["dataset_key"] = "hostile"
    at.run()
    assert not at.exception
    return at


def test_file_sheet_and_cell_markup_shows_escaped_on_the_upload_page():
    ds = load([(MARKUP_NAME, ORDERS), ("<script>x<script>.csv", b""),
               ("book.xlsx", xlsx({MARKUP_SHEET: csv_to_sheet()}))])
    at = _app_with(ds)
    shown = _shown(at)
    everything = "\n".join(shown)
    for raw in RAW_MARKUP:
        assert not _unescaped(raw, everything), raw
    assert any(md(MARKUP_NAME) in s for s in shown)  # the name is there, escaped
    assert any(md(MARKUP_SHEET) in e.label for e in at.expander)
    assert any("is empty" in w.value and md("<script>x<script>.csv") in w.value
               for w in at.warning)
    assert all(not m.proto.allow_html for m in at.markdown)


def csv_to_sheet() -> bytes:
    from tools.make_hostile import sheet_xml

    rows = [line.split(",") for line in ORDERS.decode().splitlines()]
    return sheet_xml(rows)


def test_overview_and_breakdowns_escape_user_values():
    ds = load([("orders.csv", ORDERS)])
    at = _app_with(ds)
    for page in ("pages/overview.py", "pages/breakdowns.py", "pages/customers.py"):
        at.switch_page(page).run()
        assert not at.exception
        everything = "\n".join(_shown(at))
        for raw in RAW_MARKUP:
            assert not _unescaped(raw, everything), (page, raw)
        assert all(not m.proto.allow_html for m in at.markdown)


def test_broken_and_oversized_files_get_a_friendly_message_and_the_rest_loads():
    good = csv_bytes([["Order ID", "Order Date", "Total"]]
                     + [[f"G-{i}", f"2024-03-{1 + i:02d}", "5"] for i in range(20)])
    ds = load([("wide.csv", csv_bytes(_wide(1500))), ("cut.xlsx", xlsx_rows(_wide(3))[:500]),
               ("photo.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100), ("orders.csv", good)])
    at = _app_with(ds)
    warnings = [w.value for w in at.warning]
    assert any(md("wide.csv") in w and "1,500 columns" in w and "at most 1,000" in w
               for w in warnings)
    assert any(md("cut.xlsx") in w and "could not be opened" in w for w in warnings)
    assert any(md("photo.xlsx") in w and "PNG image" in w for w in warnings)
    # a message that already names the file shows the name once, then a space
    assert any(w.startswith(f"**{md('photo.xlsx')}** is not a spreadsheet") for w in warnings)
    assert not any("Traceback" in w or "Error" in w for w in warnings)
    assert "Orders** — 20 rows" in "\n".join(_shown(at))
    at.switch_page("pages/overview.py").run()
    assert not at.exception and at.metric


def test_upload_size_limit_is_deliberate_and_said_on_the_page():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == 256  # MB: the reader's CSV limit
    assert read_csv.MAX_CSV_BYTES == 256 * 2**20
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    uploader = at.get("file_uploader")[0]
    assert "Up to 256 MB per file" in uploader.proto.help
