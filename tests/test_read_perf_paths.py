"""The fast paths of reading (issue 3's speed and memory budgets) change nothing but speed.

Cells are held compactly (raw.py: Categorical for repeating columns, Datetime for ISO date-times,
String otherwise), checked and cleaned once per distinct value, and the tables are made column by
column. Each test compares with the plain path (every cell a String) or checks one shortcut.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import polars as pl
import pytest

import kpi_engine.ingest.read_csv as read_csv
import kpi_engine.ingest.read_excel as read_excel
from kpi_engine.ingest.dataset import Dataset, load
from kpi_engine.ingest.raw import per_category, to_text
from kpi_engine.ingest.read import read_any
from kpi_engine.ingest.report import inspect_report
from kpi_engine.ingest.synonyms import partial_matches

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "real_exports"


def orders_csv(rows: int = 3000, *, junk: bool = False, eol: str = "\n") -> bytes:
    lines = ["Order ID,Order Date,Customer Email,Product,Region,Quantity,Unit Price,Net Sales,"
             "Status,Currency"]
    products = ["Tent 2p", "Headlamp", "Stove", "Merino tee"]
    regions = ["mazowieckie", "Skåne", "Stockholm"]
    for i in range(rows):
        qty = 1 + i % 4
        price = (119.0, 259.0, 349.0, 899.0)[i % 4]
        lines.append(
            f"SO-{i // 2:07d},2024-{1 + i % 12:02d}-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:00,"
            f"customer{i % 97}@example.com,{products[i % 4]},{regions[i % 3]},{qty},{price},"
            f"{qty * price},{'cancelled' if i % 50 == 0 else 'paid'},PLN")
    if junk:
        lines.insert(40, "")  # blank
        lines.insert(80, lines[0])  # repeated header
        lines.insert(120, "SO-9999999,2024-02-03 10:00:00,x@y.z")  # too few fields
        lines.insert(160, lines[160] + ",extra")  # too many
        lines.insert(200, lines[200].replace("2024-", "2024/"))  # another date format
        lines.insert(240, lines[240].replace(",paid,", ", Paid ,"))  # spaces around a value
        lines.insert(280, lines[280].replace(",Stove,", ",,"))  # an empty cell
        lines.append("Total,,,,,,,123456.00,,")
        lines.append("Exported by the shop")
    return (eol.join(lines) + eol).encode()


def plain(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every cell held as a String, as before the compact store."""
    monkeypatch.setattr(read_csv, "column_plan", lambda *a, **k: {})
    monkeypatch.setattr(read_excel, "plan_columns", lambda sample: {})


def frame_rows(df: pl.DataFrame) -> list[tuple]:
    return df.rows()


def same(a: Dataset, b: Dataset) -> None:
    assert inspect_report(a) == inspect_report(b)
    assert a.tables.keys() == b.tables.keys()
    for name in a.tables:
        assert a.tables[name].schema == b.tables[name].schema, name
        assert frame_rows(a.tables[name]) == frame_rows(b.tables[name]), name
    assert frame_rows(a.set_aside()) == frame_rows(b.set_aside())
    for s, t in zip(a.sources, b.sources, strict=True):
        assert s.raw.cells.rows() == t.raw.cells.rows()
        assert s.raw.line.to_list() == t.raw.line.to_list()
        assert (s.reason is None) == (t.reason is None)
        if s.reason is not None:
            assert s.reason.to_list() == t.reason.to_list()


def both(monkeypatch: pytest.MonkeyPatch, files: list) -> tuple[Dataset, Dataset]:
    compact = load(files)
    with monkeypatch.context() as m:
        plain(m)
        return compact, load(files)


@pytest.mark.parametrize("eol", ["\n", "\r\n"])
@pytest.mark.parametrize("junk", [False, True])
def test_compact_cells_read_like_plain_text(monkeypatch, junk, eol):
    files = [("orders.csv", orders_csv(junk=junk, eol=eol))]
    compact, text = both(monkeypatch, files)
    kinds = {str(dt).split("(")[0] for dt in compact.sources[0].raw.store.dtypes}
    # every kind of column is exercised; a date written otherwise keeps its column as text
    assert kinds == {"String", "Categorical"} | (set() if junk else {"Datetime"})
    assert {str(dt) for dt in text.sources[0].raw.store.dtypes} == {"String"}
    same(compact, text)
    if junk:
        counts = compact.sources[0].set_aside_counts()
        assert counts["unreadable"] == 2 and counts["blank"] == 1
        assert counts["repeated_header"] == 1 and counts["footer"] == 1


def test_mapping_override_and_set_aside_from_compact_cells(monkeypatch):
    compact, text = both(monkeypatch, [("orders.csv", orders_csv(junk=True))])
    overrides = {"Product": None, "Region": "product"}
    same(compact.with_mapping(0, "orders", overrides), text.with_mapping(0, "orders", overrides))
    same(compact.with_mapping(0, "deals", {}), text.with_mapping(0, "deals", {}))
    aside = " ".join(compact.set_aside()["values"].to_list())
    assert "Order ID=Total | Order Date= |" in aside and "Customer Email=x@y.z |" in aside
    assert any(v.startswith("2024/") for v in compact.sources[0].raw.cells["c1"].to_list())


def test_quoted_semicolon_decimal_comma_file(monkeypatch):
    data = orders_csv().decode().replace(",", ";").replace(".0;", ",0;")
    data = "\n".join(";".join(f'"{c}"' for c in line.split(";")) for line in data.splitlines())
    compact, text = both(monkeypatch, [("orders.csv", (data + "\n").encode())])
    same(compact, text)
    assert compact.tables["orders"]["unit_price"].drop_nulls().len() > 0


def test_datetime_column_kept_as_text_when_a_value_is_not_exact(monkeypatch):
    data = orders_csv(200).decode().splitlines()
    data[150] = re.sub(r" 0(\d):", r" \1:", data[150])  # 5:29:00 would be written 05:29:00
    raw = read_any("o.csv", ("\n".join(data) + "\n").encode())[0]
    assert raw.store["c1"].dtype == pl.String
    assert raw.text("c1")[149] == data[150].split(",")[1]
    ok = read_any("o.csv", orders_csv(200))[0]
    assert isinstance(ok.store["c1"].dtype, pl.Datetime)
    assert ok.cells["c1"].to_list() == [line.split(",")[1] for line in
                                        orders_csv(200).decode().splitlines()[1:]]


def test_more_distinct_values_than_one_byte_codes_are_read_again():
    lines = ["Order ID,Order Date,Amount,City"]
    lines += [f"A{i},2024-01-{1 + i % 28:02d},{i % 5}.5,C{i % 10}" for i in range(3000)]
    lines += [f"B{i},2024-02-{1 + i % 28:02d},{i}.25,D{i}" for i in range(400)]
    ds = load([("x.csv", ("\n".join(lines) + "\n").encode())])
    s = ds.sources[0]
    assert s.table == "orders" and s.rows_used == 3400
    assert s.raw.store["c3"].n_unique() == 410
    assert s.raw.cells["c3"].to_list()[-1] == "D399"


def test_per_category_computes_once_per_distinct_value():
    values = pl.Series("s", ["a", None, "b", "a", ""], dtype=pl.Categorical)
    seen: list[int] = []

    def upper(text: pl.Series) -> pl.Series:
        seen.append(text.len())
        return text.str.to_uppercase()

    out = per_category(values, upper)
    assert to_text(out).to_list() == ["A", "", "B", "A", ""]
    assert seen == [values.unique().len()]


def test_tables_are_made_from_the_rows_used_and_free_the_typed_rows():
    ds = load([("orders.csv", orders_csv(junk=True))])
    s = ds.sources[0]
    assert s.built is not None and s.built.frame.height == 0  # no longer needed
    assert ds.tables["orders"].height == s.rows_used
    assert all(dt != pl.Categorical and not isinstance(dt, pl.Categorical)
               for dt in ds.tables["orders"].dtypes)
    again = ds.with_mapping(0, "orders", {})
    assert again.tables["orders"].rows() == ds.tables["orders"].rows()


def test_workbook_read_like_plain_text(monkeypatch):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    for line in orders_csv(500, junk=True).decode().splitlines():
        ws.append(line.split(","))
    buf = io.BytesIO()
    wb.save(buf)
    compact, text = both(monkeypatch, [("orders.xlsx", buf.getvalue())])
    same(compact, text)


def sample_and_real_files() -> list[Path]:
    files = sorted(p for p in (ROOT / "sample_files").iterdir() if p.suffix != ".md")
    if REAL.exists():
        files += sorted(p for p in REAL.rglob("*") if p.is_file()
                        and p.suffix.lower() in (".csv", ".xlsx", ".xls", ".txt"))
    return files


@pytest.mark.parametrize("path", sample_and_real_files(), ids=lambda p: p.name)
def test_sample_and_real_exports_read_like_plain_text(monkeypatch, path):
    compact, text = both(monkeypatch, [path])
    same(compact, text)


def test_partial_matches_of_a_header():
    found = {(m.table, m.field) for m in partial_matches("Сумма Аксы")}
    assert ("orders", "revenue") in found
    assert partial_matches("revenue") == [m for m in partial_matches("revenue")
                                          if m.strength == "partial"]


@pytest.mark.parametrize("eol", ["\n", "\r\n"])
def test_a_large_file_on_disk_is_read_while_its_start_is_examined(monkeypatch, tmp_path, eol):
    import kpi_engine.ingest.dataset as dataset

    data = orders_csv(12_000, junk=True, eol=eol)
    assert len(data) > dataset.HEAD_BYTES  # its start is examined alone
    path = tmp_path / "orders.csv"
    path.write_bytes(data)
    monkeypatch.setattr(dataset, "READ_AHEAD_BYTES", 1)
    same(load([path]), load([("orders.csv", data)]))


def test_the_plain_sheet_scan_measures_the_same_span_as_the_general_one():
    from kpi_engine.ingest.sheet_guard import _Extent

    rows = "".join(f'<row r="{r}"><c r="B{r}"><v>1</v></c><c r="AC{r}" t="s"><v>2</v></c></row>'
                   for r in range(3, 40))
    far = '<row r="90000"><c r="D90000"><v>7</v></c></row>'
    xml = f"<worksheet><sheetData>{rows}{far}</sheetData></worksheet>".encode()
    plain = _Extent("x.xlsx", "S")
    plain.feed(xml)
    plain.feed(b"")
    general = _Extent("x.xlsx", "S")
    general.feed(xml.replace(b"</worksheet>", b'<x a="1"/></worksheet>'))  # a "/>": general path
    general.feed(b"")
    assert plain.span() == general.span() == (90000 - 3 + 1, 29 - 2 + 1)


def _sheet_zip(sheet_xml: bytes) -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", b'<workbook><sheets><sheet name="S" r:id="rId1"/>'
                                      b"</sheets></workbook>")
        z.writestr("xl/_rels/workbook.xml.rels", b'<Relationships><Relationship Id="rId1" '
                                                 b'Target="worksheets/sheet1.xml"/>'
                                                 b"</Relationships>")
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return buf.getvalue()


def test_the_quick_span_bound_falls_back_to_the_exact_measure(monkeypatch):
    """Columns A..Z and rows below 100,000 are only bounded (26 × 99,999 cells fit); a
    reference beyond that box is measured exactly, and only the exact span refuses."""
    import pytest

    from kpi_engine.ingest.errors import UnusableFile
    from kpi_engine.ingest.sheet_guard import check_zip

    def rows(first: int, last: int, cols: list[str]) -> bytes:
        return b"".join(
            f'<row r="{r}">'.encode() + b"".join(f'<c r="{c}{r}"><v>1</v></c>'.encode()
                                                 for c in cols) + b"</row>"
            for r in range(first, last + 1))

    def sheet(body: bytes) -> bytes:
        return b"<worksheet><sheetData>" + body + b"</sheetData></worksheet>"

    import kpi_engine.ingest.sheet_guard as guard

    measured: list[str] = []
    real = guard._measure
    monkeypatch.setattr(guard, "_measure",
                        lambda *a: (measured.append(a[3]), real(*a))[1])
    wide = [f"A{c}" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"] + ["BA"]  # 27 columns AA..BA
    # > 1 MiB of A..Z first (bounded), then columns up to BA: the bound 99,999 × 53 does not
    # fit, the exact span 30,010 × 53 does
    check_zip("ok.xlsx", _sheet_zip(sheet(rows(1, 30_000, ["A", "Z"])
                                          + rows(30_001, 30_010, wide))))
    assert measured == ["ok.xlsx"]
    far = rows(1, 3, ["A", "B"]) + b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    with pytest.raises(UnusableFile, match="columns"):
        check_zip("bomb.xlsx", _sheet_zip(sheet(far)))
    tall = rows(1, 2, ["A", "B", "C"]) + b'<row r="2000000"><c r="C2000000"><v>1</v></c></row>'
    with pytest.raises(UnusableFile, match="cells"):
        check_zip("tall.xlsx", _sheet_zip(sheet(tall)))


def test_the_quick_bound_of_a_piece_of_sheet_xml():
    """`_boxed`: a piece is only bounded when every `<c` in it is `<c r="` + a column A..Z + a
    row of 1 to 5 digits + `"`; anything else goes to the exact scan."""
    from kpi_engine.ingest.sheet_guard import _boxed

    cases = {
        b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="Z99999"><v>1</v></c></row>': True,
        b'<c r="A1"/><c r="B2" s="1"/>': True,  # empty cells lie in the box too
        b'<c r="A12345"/>': True,
        b'<c r="AA1"><v>1</v></c>': False,  # column 27
        b'<c r="A100000"><v>1</v></c>': False,  # row 100,000
        b'<c r="XFD1048576"><v>1</v></c>': False,
        b"<c><v>1</v></c>": False,  # no reference
        b'<c s="1" r="A1"/>': False,  # another attribute first
        b'<x:c r="A1"/>': False,  # namespaced
        b'<cols><col min="1"/></cols><c r="A1"/>': False,
        b'<c r="A"/>': False, b'<c r="a1"/>': False, b'<c r="B7x"/>': False,
        b'<c\tr="A1"/>': False, b'<row r="1"></row>': False,  # no cell
        b'\xff\xfe<c r="A1"/>': False,  # not UTF-8
    }
    boxed, dtd, ends, _ = _boxed(list(cases))
    assert dict(zip(cases, boxed, strict=True)) == cases and dtd is False
    assert ends[list(cases).index(b'<row r="1"></row>')] == 1  # ends of rows, counted
    assert _boxed([b'<row r="1"><c r="A1"/></row ><x></row></row>'])[2] == [3]
    assert _boxed([b'<c r="A1"/>', b'<!DOCTYPE x [<!ENTITY a "b">]><c r="A1"/>'])[1] is True
    assert _boxed([b'\xff<!ENTITY a "b">'])[1] is True  # not UTF-8: searched in Python


def test_a_dtd_in_a_large_sheet_is_refused_wherever_it_is(monkeypatch):
    import pytest

    import kpi_engine.ingest.sheet_guard as guard
    from kpi_engine.ingest.errors import UnusableFile

    monkeypatch.setattr(guard, "_CHUNK", 4096)
    monkeypatch.setattr(guard, "_BATCH", 3 * 4096)
    cells = b"".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>'.encode()
                     for r in range(1, 3000))
    dtd = b'<!DOCTYPE x [<!ENTITY a "b">]>'
    for at in (0, 5000, 4096 - 4, len(cells) // 2, len(cells) - 3):
        xml = b"<worksheet><sheetData>" + cells[:at] + dtd + cells[at:] + b"</sheetData>"
        with pytest.raises(UnusableFile, match="DTD"):
            guard.check_zip("dtd.xlsx", _sheet_zip(xml))
    # after the quick bound gave way to the exact scan (columns beyond Z), too
    wide = b"".join(f'<row r="{r}"><c r="AB{r}"><v>1</v></c></row>'.encode()
                    for r in range(1, 40_000))
    xml = b"<worksheet><sheetData>" + wide[:300_000] + dtd + wide[300_000:] + b"</sheetData>"
    with pytest.raises(UnusableFile, match="DTD"):
        guard.check_zip("dtd.xlsx", _sheet_zip(xml))
    guard.check_zip("ok.xlsx", _sheet_zip(b"<worksheet><sheetData>" + cells + b"</sheetData>"))
