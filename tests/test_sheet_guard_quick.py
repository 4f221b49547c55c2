"""The sheet guard's quick bound (`sheet_guard._boxed`) searches for tags that leave the boxed
shape instead of counting the boxed tags. Checked here against the counting definition it
replaced, on tag soup made of Excel's own tags and every mutation of them: a piece is boxed
exactly when every `<c` and `<row` in it is a boxed tag (and a piece that ends inside a tag is
never boxed)."""

from __future__ import annotations

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi_engine.ingest.sheet_guard import _boxed, _ends_whole

_OTHER = r'\s+(?:[A-Za-z_][\w.:-]+|[A-Za-qs-z_])="[^"<]*"'
_CELL = r'<c r="[A-Z][0-9]{1,5}"(?:' + _OTHER + r')*\s*/?>'
_ROW = r'<row r="[0-9]{1,5}"(?:' + _OTHER + r')*\s*/?>'


def counted(piece: bytes) -> bool | None:
    """The definition by counting: every `<c` starts a boxed cell tag (at least one), every
    `<row` a boxed row tag, no namespace prefix; None without any cell or row tag."""
    x = pl.col("x")
    got = pl.DataFrame({"x": [piece.decode()]}).select(
        cells=x.str.count_matches("<c", literal=True), good_cells=x.str.count_matches(_CELL),
        rows=x.str.count_matches("<row", literal=True), good_rows=x.str.count_matches(_ROW),
        prefixed=x.str.contains(":c", literal=True) | x.str.contains(":row", literal=True),
    ).row(0, named=True)
    if got["cells"] == got["rows"] == 0 and not got["prefixed"]:
        return None
    return (got["cells"] == got["good_cells"] > 0 and got["rows"] == got["good_rows"]
            and not got["prefixed"])


EXCEL_TAGS = [
    '<row r="1" spans="1:15">', '<row r="99999">', '<row r="7" spans="1:3" x14ac:dyDescent="0.25">',
    '<c r="A1" t="s">', '<c r="Z99999" s="12" t="inlineStr">', '<c r="B7"/>', '<c r="C3" s="1" />',
    '<c r="D4" t="n">', '<v>', '</v>', '</c>', '</row>', '<is>', '<t>', '</t>', '</is>',
    '<f>', '</f>', "12.5", "Order ID", " ", "\n", "&amp;", "a > b", '"quoted"',
]
NOISE = list(" \t\n\"'=<>/:rRcCwxAZaz0159_-.") + ["r=", ' r="', "XFD", "100000", "<c", "<row"]


@st.composite
def tag_soup(draw: st.DrawFn) -> bytes:
    parts = draw(st.lists(st.sampled_from(EXCEL_TAGS), min_size=1, max_size=12))
    for _ in range(draw(st.integers(0, 3))):  # a few mutations anywhere in the soup
        text = "".join(parts)
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            text = text[:at] + draw(st.sampled_from(NOISE)) + text[at:]
        else:
            text = text[:at] + text[at + draw(st.integers(1, 3)):]
        parts = [text]
    return "".join(parts).encode()


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(tag_soup(), min_size=1, max_size=5))
def test_searching_for_deviations_is_counting_boxed_tags(pieces):
    kinds = _boxed(pieces).kinds
    for piece, kind in zip(pieces, kinds, strict=True):
        expected = counted(piece)
        if expected and not _ends_whole(piece):
            expected = False  # a tag left open at the end: measured exactly
        assert kind == expected, piece


def test_what_only_the_end_check_catches():
    """A value left open at the end of a piece would swallow what follows it (`" r="XFD1"`
    in the next piece): no deviation in the piece itself, so the end is checked."""
    piece = b'<row r="1"><c r="A1" t="s"><v>1</v></c><c r="B1" s="'
    assert counted(piece) is False  # the counting saw the open tag as not boxed
    assert _boxed([piece])[0] == [False]
    assert _boxed([piece[:-len('<c r="B1" s="')]])[0] == [True]


def test_deviations_one_by_one():
    boxed = ['<c r="A1">', '<c r="Z99999" s="1" t="s"/>', '<row r="1" spans="1:2">',
             '<c r="B2" cm="1" vm="2" ph="1" >', '<c r="C3" s=">"/>']
    odd = ['<c r="AA1">', '<c r="A100000">', '<c r="a1">', "<c r='A1'>", '<c  r="A1">',
           '<c\tr="A1">', '<c r = "A1">', '<c r="A1" r="XFD1">', '<c r="A1"r="B2">',
           '<c r="A1" s=">" r="XFD1">', '<c r="A1" s="<">', '<c r="A1" s=1>', '<c r="A1" /x>',
           '<c r="A1" r2="3" r ="4">', '<c>', '<c s="1">', '<col min="1"/>', '<x:c r="A1">',
           '<row r="100000">', '<row>', '<row r="1" r="2">', '<c r="A1"', '<c r="A1" s="1"']
    for tag in boxed:
        assert _boxed([f'{tag}<c r="A1"><v>1</v></c>'.encode()])[0] == [True], tag
    for tag in odd:
        assert _boxed([f'<c r="B2"><v>1</v></c>{tag}'.encode()])[0] == [False], tag
