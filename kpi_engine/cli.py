"""python -m kpi_engine inspect FILE... --json OUT  (compute, plan and bench come with their issues).

Exit codes (catalogue section 6): 0 when at least one source was usable and the output was
written, 2 when none was or the arguments are wrong. Problems go into the JSON, never as a
traceback; a one-line message goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"kpi_engine: {message}", file=sys.stderr)
        raise SystemExit(2)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m kpi_engine", description="Sales KPIs from your own exports.")
    sub = p.add_subparsers(dest="command", required=True)
    ins = sub.add_parser("inspect", help="what each file and sheet was recognised as")
    ins.add_argument("files", nargs="+", type=Path)
    ins.add_argument("--json", dest="json_out", type=Path, help="write the report here")
    ins.add_argument(
        "--each", action="store_true",
        help="inspect every file as an upload of its own (the upload-wide rules, duplicates "
        "and the upload's currency, then apply within each file only)",
    )
    bench = sub.add_parser("bench", help="benchmarks on generated data (docs/benchmarks.md)")
    bench.add_argument("--rows", type=int, default=1_000_000)
    bench.add_argument("--xlsx-rows", type=int, default=100_000)
    bench.add_argument("--dir", type=Path, default=Path("bench_data"))
    bench.add_argument("--only", choices=["csv", "xlsx"], default=None)
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "inspect":
            return _inspect(args.files, args.json_out, each=args.each)
        if args.command == "bench":
            from kpi_engine.bench import run

            return run(args)
    except KeyboardInterrupt:
        return 2
    except Exception as exc:  # noqa: BLE001 - never a traceback for the user
        print(f"kpi_engine: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    return 2


def _inspect(files: list[Path], out: Path | None, each: bool = False) -> int:
    from kpi_engine.ingest.dataset import Dataset, Problem, load
    from kpi_engine.ingest.report import inspect_report

    readable: list[tuple[str, bytes]] = []
    missing: list[Problem] = []
    for f in files:
        try:
            readable.append((f.name, f.read_bytes()))
        except OSError as exc:
            missing.append(Problem(f.name, f"{f} cannot be opened: {exc.strerror or exc}."))
    if each:
        parts = [load([r]) for r in readable]
        ds = Dataset([s for p in parts for s in p.sources], [q for p in parts for q in p.problems])
    else:
        ds = load(readable)
    ds.problems[:0] = missing
    report = inspect_report(ds)
    if each:
        report["currency"] = None  # one per file: see each file's own rows
    text = json.dumps(report, ensure_ascii=False, indent=2)
    if out is None:
        print(text)
    else:
        out.write_text(text, encoding="utf-8")
    usable = any(s.table is not None for s in ds.sources)
    if not usable:
        first = ds.problems[0].message if ds.problems else "no table was recognised in the files"
        print(f"kpi_engine: {first}", file=sys.stderr)
        return 2
    return 0
