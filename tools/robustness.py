"""Every hostile upload of tools/make_hostile.py through the reader, one subprocess per case,
under a 10 s wall limit and a 1 GiB memory limit; writes docs/robustness.md.

    python tools/robustness.py [--only NAME ...] [--light] [--out docs/robustness.md]

Each case is uploaded with a good file beside it (tools/make_hostile.GOOD_FILE): the good file
must still be used in full. A case's process runs `load`, `inspect_report` and, when tables were
read, `evaluate` on the default query. Recorded: the outcome (read / refused), the message, a
crash (an exception escaping, or the process dying), a hang (over the wall limit), peak memory
(the process's max RSS, interpreter and libraries included), and rows read / used / set aside.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WALL_SECONDS = 10.0
MEMORY_BYTES = 1 << 30
START_SECONDS = 60.0  # interpreter and library start-up, not counted in the wall limit
_UNFRIENDLY = ("Traceback", 'File "', "could not be read (", "Exception", "panicked")


# -- the worker: one case in its own process --------------------------------------------------
def work(corpus: Path, name: str, status: Path) -> None:
    import polars as pl  # noqa: F401 - imported before the clock starts

    from kpi_engine.evaluate import evaluate
    from kpi_engine.ingest.dataset import load
    from kpi_engine.ingest.report import inspect_report
    from kpi_engine.query import Query
    from tools.make_hostile import GOOD_FILE

    manifest = {c["name"]: c for c in json.loads((corpus / "manifest.json").read_text())}
    case = manifest[name]
    data = (corpus / name / case["file"]).read_bytes()
    good = (corpus / GOOD_FILE).read_bytes()
    status.with_suffix(".ready").write_text("ready")
    t0 = time.perf_counter()
    out: dict[str, Any] = {}
    try:
        ds = load([(case["file"], data), (GOOD_FILE, good)])
        del data
        rep = inspect_report(ds)
        out |= _summary(ds, rep, case["file"])
        if ds.tables:
            evaluate(ds.tables, Query(), ds.currency)
            out["kpis"] = True
    except BaseException as exc:  # noqa: BLE001 - what escapes is exactly what is measured
        out["crash"] = f"{type(exc).__name__}: {str(exc)[:300]}"
    out["seconds"] = round(time.perf_counter() - t0, 3)
    out["hwm"] = _high_water_mark()
    status.write_text(json.dumps(out, ensure_ascii=False))


def _high_water_mark() -> int:
    """This process's peak RSS in bytes (VmHWM: unlike ru_maxrss, it starts afresh at exec,
    so the parent's memory at fork time is not counted)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _summary(ds: Any, rep: dict[str, Any], file: str) -> dict[str, Any]:
    import polars as pl

    from tools.make_hostile import GOOD_FILE

    mine = [(s, e) for s, e in zip(ds.sources, rep["sources"], strict=True) if s.raw.file == file]
    messages = [p["message"] for p in rep["problems"] if p["file"] == file]
    accounted = True
    aside = ds.set_aside()
    for s, e in mine:
        counted = e["rows_used"] + sum(e["rows_set_aside"].values())
        accounted &= e["rows_read"] == counted
        if s.table is not None:
            accounted &= s.raw.rows_read == s.rows_used + sum(s.set_aside_counts().values())
            listed = aside.filter((pl.col("file") == file) & (
                pl.col("sheet").is_null() if s.raw.sheet is None else pl.col("sheet") == s.raw.sheet))
            accounted &= listed.height == sum(s.set_aside_counts().values())
    good = [e for e in rep["sources"] if e["file"] == GOOD_FILE]
    return {
        "outcome": "read" if mine else ("refused" if messages else "lost"),
        "messages": messages,
        "sheets": len(mine),
        "tables": sorted({str(e["table"]) for _, e in mine}),
        "rows_read": sum(e["rows_read"] for _, e in mine),
        "rows_used": sum(e["rows_used"] for _, e in mine),
        "rows_set_aside": sum(sum(e["rows_set_aside"].values()) for _, e in mine),
        "accounted": accounted,
        "good_file_used": len(good) == 1 and good[0]["rows_used"] == 12,
    }


# -- the parent: limits and verdicts --------------------------------------------------------------
def run_case(corpus: Path, case: dict[str, Any], scratch: Path) -> dict[str, Any]:
    import psutil

    status = scratch / f"{case['name']}.json"
    log = (scratch / f"{case['name']}.err").open("wb")
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--worker", str(corpus), case["name"],
         str(status)], stdout=subprocess.DEVNULL, stderr=log, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "POLARS_MAX_THREADS": "2"})
    watched = psutil.Process(proc.pid)
    started = time.monotonic()
    clock: float | None = None
    killed: str | None = None
    rss = 0
    while True:
        pid, code = os.waitpid(proc.pid, os.WNOHANG)
        if pid:
            break
        now = time.monotonic()
        if clock is None and status.with_suffix(".ready").exists():
            clock = now
        with contextlib.suppress(psutil.Error):
            rss = max(rss, watched.memory_info().rss)
        if killed is None:
            late = now - clock > WALL_SECONDS if clock is not None else now - started > START_SECONDS
            killed = "memory" if rss > MEMORY_BYTES else "hang" if late else None
            if killed:
                os.kill(proc.pid, signal.SIGKILL)
        time.sleep(0.01)
    proc.returncode = os.waitstatus_to_exitcode(code)
    log.close()
    got: dict[str, Any] = json.loads(status.read_text()) if status.exists() else {}
    peak = max(rss, got.pop("hwm", 0))
    row: dict[str, Any] = {"name": case["name"], "file": case["file"], "bytes": case["bytes"],
                           "expect": case["expect"], "peak_mib": round(peak / 2**20),
                           "seconds": got.get("seconds"), **got}
    if killed:
        row["outcome"] = "over memory" if killed == "memory" else "hang"
    elif "crash" in got or not got:
        row["outcome"] = "crash"
        tail = (scratch / f"{case['name']}.err").read_text(errors="replace").strip()
        row.setdefault("crash", f"exit {proc.returncode}: {tail[-300:]}")
    row["verdict"] = verdict(case, row)
    return row


def verdict(case: dict[str, Any], row: dict[str, Any]) -> str:
    """'ok', or what is wrong with this case's outcome."""
    outcome = row.get("outcome")
    if outcome in ("crash", "hang", "over memory", "lost"):
        return outcome
    wrong = []
    if outcome != case["expect"]:
        wrong.append(f"{outcome}, expected {case['expect']}")
    messages = row.get("messages", [])
    if outcome == "refused" and not any(case["file"] in m for m in messages):
        wrong.append("the message does not name the file")
    if any(bad in m for m in messages for bad in _UNFRIENDLY):
        wrong.append("unfriendly message")
    text = " ".join(messages).lower()
    missing = [w for w in case["says"] if w.lower() not in text]
    if missing:
        wrong.append(f"message lacks {missing}")
    if case.get("rows") is not None and outcome == "read" and row.get("rows_read") != case["rows"]:
        wrong.append(f"{row.get('rows_read')} rows read, expected {case['rows']}")
    if not row.get("accounted", True):
        wrong.append("rows not accounted")
    if not row.get("good_file_used"):
        wrong.append("the good file beside it was not used")
    if (row.get("seconds") or 0) > WALL_SECONDS:
        wrong.append("over the time limit")
    return "; ".join(wrong) or "ok"


# -- the report -----------------------------------------------------------------------------------
def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").replace("<", "&lt;").replace(">", "&gt;")


def report(rows: list[dict[str, Any]], seconds: float) -> str:
    crashes = sum(r["outcome"] == "crash" for r in rows)
    hangs = sum(r["outcome"] == "hang" for r in rows)
    over = sum(r["outcome"] == "over memory" for r in rows)
    reads = [r for r in rows if r["outcome"] == "read"]
    accounted = sum(bool(r.get("accounted")) for r in reads)
    ok = sum(r["verdict"] == "ok" for r in rows)
    peak = max(rows, key=lambda r: r["peak_mib"])
    slow = max(rows, key=lambda r: r.get("seconds") or 0)
    rows_read = sum(r.get("rows_read", 0) for r in reads)
    rows_done = sum(r.get("rows_used", 0) + r.get("rows_set_aside", 0) for r in reads)
    lines = [
        "# Robustness: hostile and broken uploads",
        "",
        "Regenerate with `python tools/robustness.py` (about four minutes on a 2-core machine): it",
        "writes the corpus of `tools/make_hostile.py` to a temporary folder and runs each case in",
        "its own process through `load` → `inspect_report` → `evaluate` (default query), with the",
        f"good file `good_leads.csv` (12 leads) uploaded beside it, a {WALL_SECONDS:.0f} s wall limit",
        f"and a {MEMORY_BYTES >> 30} GiB memory limit (RSS watched every 10 ms; the process is killed",
        "above it). Peak memory is the process's maximum RSS, Python, Polars and calamine included",
        "(about 100 MiB before any file is read).",
        "",
        "| figure | value |",
        "|---|---|",
        f"| inputs tried | {len(rows)} |",
        f"| as expected (refused with a message naming the file, or read) | {ok} |",
        f"| refused / read | {sum(r['outcome'] == 'refused' for r in rows)} / {len(reads)} |",
        f"| crashes | {crashes} |",
        f"| hangs (over {WALL_SECONDS:.0f} s) | {hangs} |",
        f"| over memory ({MEMORY_BYTES >> 30} GiB) | {over} |",
        f"| peak memory, max | {peak['peak_mib']} MiB ({peak['name']}) |",
        f"| slowest | {slow.get('seconds') or 0:.1f} s ({slow['name']}) |",
        f"| reads with rows accounted (read = used + set aside) | {accounted} / {len(reads)} |",
        f"| rows read / used + set aside | {rows_read:,} / {rows_done:,} |",
        f"| good file beside each case fully used | {sum(bool(r.get('good_file_used')) for r in rows)}"
        f" / {len(rows)} |",
        "",
        f"Run on {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"in {seconds:.0f} s.",
        "",
        "Limits enforced in the reader itself (catalogue section 6), each refusal naming the file",
        "and the limit: a CSV/TSV/TXT ≤ 256 MiB and ≤ 3,000,000 records; ≤ 1,000 columns per sheet",
        "or file; ≤ 1,000 sheets (or HTML tables) per workbook; an XLSX sheet part ≤ 128 MiB and a",
        "workbook ≤ 512 MiB, counted while inflating (declared sizes are never trusted, a bad CRC",
        "is a damaged file); a DTD or entity anywhere in any XML part is refused; a cell over 32,767",
        "characters is cut with a message. One more, found by this corpus: a sheet whose valued",
        "cells span more than 5,000,000 grid cells (rows × columns from its first to its last",
        "value) is refused before calamine builds the grid — a single value at XFD1048576 made it",
        "ask for 512 GiB and abort the process (the whole Streamlit server).",
        "",
        "A security review (2026-11-26) then found ways past that guard, each fixed and tested:",
        "Python's zip reader and calamine's disagreeing on a crafted archive (calamine now gets an",
        "archive written anew from the checked XML parts: `tests/test_guard_archive.py`); a stored",
        "part whose sizes lie; `.xlsb`; ends of rows (`</row>`) closing other tags, and rows cut",
        "between pieces, for cells without a reference (`tests/test_sheet_guard_positions.py`,",
        "checked against calamine's own grid); `<!doctype` in lower case; and legacy `.xls`, which",
        "had no guard at all (a 5 KB file with one far cell aborted the process): now read by xlrd",
        "with the limits kept inside it, every cell it stores counted (`tests/test_read_xls.py`).",
        "A second review then found more (a DIMENSIONS record resetting xlrd's row count, sheets",
        "at negative or repeated offsets; in XLSX, namespace prefixes of any kind, end tags that",
        "end no row, ends inside an open cell): fixed, and each is a test.",
        "",
        "User text is never rendered as HTML (`tests/test_hostile_app.py` checks every page for",
        "`unsafe_allow_html` and escapes file names, sheet names and messages), and the exported",
        "workbook neutralises formula injection: a text cell starting with `=`, `+`, `-` or `@` is",
        "written as text (`tests/test_export.py`).",
        "",
        "| case | file | bytes | expected | outcome | s | peak MiB | read | used | set aside |"
        " verdict | message |",
        "|---|---|---:|---|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in rows:
        message = (r.get("crash") or " / ".join(r.get("messages", [])))[:160]
        lines.append(
            f"| {r['name']} | {_cell(r['file'])} | {r['bytes']:,} | {r['expect']} | {r['outcome']} |"
            f" {r.get('seconds') or 0:.2f} | {r['peak_mib']} | {r.get('rows_read', '')} |"
            f" {r.get('rows_used', '')} | {r.get('rows_set_aside', '')} | {r['verdict']} |"
            f" {_cell(message)} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    ap.add_argument("--only", nargs="*", help="run only these cases")
    ap.add_argument("--light", action="store_true", help="skip the heavy cases")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "robustness.md")
    args = ap.parse_args()
    if args.worker:
        corpus, name, status = args.worker
        work(Path(corpus), name, Path(status))
        return 0
    from tools.make_hostile import write

    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="hostile_") as tmp:
        corpus = Path(tmp) / "corpus"
        manifest = write(corpus, include_heavy=not args.light)
        scratch = Path(tmp) / "status"
        scratch.mkdir()
        rows = []
        for case in manifest:
            if args.only and case["name"] not in args.only:
                continue
            row = run_case(corpus, case, scratch)
            rows.append(row)
            print(f"{row['name']:<34} {row['outcome']:<11} {row.get('seconds') or 0:6.2f} s "
                  f"{row['peak_mib']:5d} MiB  {row['verdict']}", flush=True)
    if not args.only:
        args.out.write_text(report(rows, time.perf_counter() - t0), encoding="utf-8")
        print(f"wrote {args.out}")
    bad = [r for r in rows if r["verdict"] != "ok"]
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
