"""The inspect report (catalogue section 6): what was recognised in each file and sheet."""

from __future__ import annotations

from typing import Any

from kpi_engine.ingest.dataset import Dataset, Source


def source_entry(s: Source) -> dict[str, Any]:
    rec = s.recognition
    raw = s.raw
    entry: dict[str, Any] = {
        "file": raw.file,
        "sheet": raw.sheet,
        "table": rec.table,
        "confidence": round(rec.confidence, 2),
    }
    if rec.table is None:
        entry["reason"] = rec.reason or "no table recognised"
    else:
        entry["missing_required"] = list(rec.missing_required)
    entry |= {
        "header_row": raw.header_row,
        "encoding": raw.encoding,
        "delimiter": raw.delimiter,
    }
    if rec.table is None:
        entry |= {"rows_read": 0, "rows_used": 0, "rows_set_aside": {}, "data_rows": raw.rows_read}
    else:
        entry |= {
            "rows_read": raw.rows_read,
            "rows_used": s.rows_used,
            "rows_set_aside": s.set_aside_counts(),
        }
    entry["columns"] = {
        c.header: {"field": c.field, "confidence": round(c.confidence, 2)} for c in rec.columns
    }
    if rec.candidates:
        entry["candidates"] = {f: list(h) for f, h in rec.candidates.items()}
    if s.built and s.built.notes:
        entry["notes"] = list(s.built.notes)  # how values were read (day-first, decimal comma)
    return entry


def inspect_report(ds: Dataset) -> dict[str, Any]:
    return {
        "sources": [source_entry(s) for s in ds.sources],
        "currency": ds.currency,
        "problems": [
            {"file": p.file, **({"sheet": p.sheet} if p.sheet else {}), "message": p.message}
            for p in ds.problems
        ],
    }
