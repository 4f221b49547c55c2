"""Find the header row among the first rows of a sheet: titles, comments and empty rows come first."""

from __future__ import annotations

import re
from statistics import median

from kpi_engine.ingest.synonyms import is_known_header

_NUMERIC = re.compile(r"^[\s'\"]*[-+(<>]?\s*[$€£¥₽]?\s*[\d\s.,\u00a0\u202f']*\d[\d\s.,\u00a0\u202f']*\s*(%|zł|kr|€|\$|[a-zA-Z]{3})?\)?\s*$")
_DATE = re.compile(r"^\s*\d{1,4}[-./]\d{1,2}[-./]\d{1,4}([ T].*)?$")

SCAN_ROWS = 60


def _is_value(cell: str) -> bool:
    return bool(_NUMERIC.match(cell) or _DATE.match(cell))


def find_header(rows: list[list[str]]) -> int | None:
    """Index of the header row in `rows` (the first rows of a sheet), or None when none fits.

    The header is the first row with at least two non-empty cells, mostly text rather than
    numbers or dates, at least 60 % as wide as the rows below it. Title lines, a date range,
    '#' comments and empty rows before it fail that test. When two candidates follow each
    other (a two-line header), the one naming more known fields wins.
    """
    n = min(len(rows), SCAN_ROWS)
    widths = [sum(1 for c in r if c.strip()) for r in rows[: n + 10]]
    for i in range(n):
        cells = [c.strip() for c in rows[i] if c.strip()]
        if len(cells) < 2 or cells[0].startswith("#"):
            continue
        below = [w for w in widths[i + 1 : i + 11] if w > 0]
        width_below = median(below) if below else len(cells)
        if len(cells) < max(2, 0.6 * width_below):
            continue
        text = [c for c in cells if not _is_value(c)]
        if len(text) < 0.6 * len(cells):
            continue
        if i + 1 < n and _known(rows[i + 1]) > _known(rows[i]) + 1:
            return i + 1
        return i
    return None


def _known(row: list[str]) -> int:
    return sum(1 for c in row if c.strip() and is_known_header(c.strip()))


def dedupe_headers(cells: list[str]) -> list[str]:
    """Header texts as the report keys them: a repeat gets ' (2)', an empty one 'Column <n>'."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(cells):
        name = re.sub(r"\s+", " ", (raw or "").replace("\ufeff", "")).strip() or f"Column {i + 1}"
        key = name.casefold()
        if key in seen:
            seen[key] += 1
            name = f"{name} ({seen[key]})"
        else:
            seen[key] = 1
        out.append(name)
    return out
