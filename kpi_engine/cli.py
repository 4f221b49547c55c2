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
    comp = sub.add_parser("compute", help="every KPI of the catalogue as JSON (section 6) "
                          "and/or an Excel workbook")
    comp.add_argument("files", nargs="+", type=Path)
    comp.add_argument("--start", type=_date)
    comp.add_argument("--end", type=_date)
    comp.add_argument("--grain", choices=["week", "month", "quarter", "year"], default="month")
    comp.add_argument("--filter", action="append", default=[], metavar="DIM=VALUE",
                      help="rep, region, channel, product, segment or team (repeatable)")
    _settings_flags(comp)
    comp.add_argument("--json", dest="json_out", type=Path, help="write the KPIs as JSON here")
    comp.add_argument("--xlsx", dest="xlsx_out", type=Path, metavar="OUT.xlsx",
                      help="write the Excel workbook here (at least one of --json / --xlsx)")
    plan = sub.add_parser("plan", help="the what-if planner as JSON (section 6)")
    plan.add_argument("files", nargs="+", type=Path)
    plan.add_argument("--target", type=float, help="revenue per month (default: targets file)")
    plan.add_argument("--horizon", type=int, default=3, help="months to project, 1-12")
    plan.add_argument("--base-start", type=_date)
    plan.add_argument("--base-end", type=_date)
    plan.add_argument("--set", action="append", default=[], metavar="DRIVER=VALUE",
                      help="a scenario change (repeatable; tree.driver for one tree)")
    plan.add_argument("--solve-for", metavar="DRIVER", help="goal-seek this driver only")
    _settings_flags(plan)
    plan.add_argument("--json", dest="json_out", type=Path, required=True)
    bench = sub.add_parser("bench", help="benchmarks on generated data (docs/benchmarks.md)")
    bench.add_argument("--rows", type=int, default=1_000_000)
    bench.add_argument("--xlsx-rows", type=int, default=100_000)
    bench.add_argument("--dir", type=Path, default=Path("bench_data"))
    bench.add_argument("--only", choices=["csv", "xlsx", "kpis"], default=None)
    return p


def _date(text: str):  # noqa: ANN202 - argparse type
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text}") from None


def _settings_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sales-costs-per-month", type=float)
    p.add_argument("--marketing-costs-per-month", type=float)
    p.add_argument("--number-of-reps", type=int)
    p.add_argument("--selling-days", type=int, default=21)
    p.add_argument("--stale-after-days", type=int, default=14)
    p.add_argument("--monthly-target", type=float)
    p.add_argument("--fiscal-year-start", type=int, default=1, choices=range(1, 13))
    p.add_argument("--new-product")
    p.add_argument("--old-product")
    p.add_argument("--launch-date", type=_date)


def settings_from(args: argparse.Namespace):  # noqa: ANN201
    from kpi_engine.query import Settings

    return Settings(
        sales_costs_per_month=args.sales_costs_per_month,
        marketing_costs_per_month=args.marketing_costs_per_month,
        number_of_reps=args.number_of_reps,
        selling_days_per_month=args.selling_days,
        stale_after_days=args.stale_after_days,
        monthly_target=args.monthly_target,
        fiscal_year_start=args.fiscal_year_start,
        new_product=args.new_product,
        old_product=args.old_product,
        launch_date=args.launch_date,
    )


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "inspect":
            return _inspect(args.files, args.json_out, each=args.each)
        if args.command == "compute":
            return _compute(args)
        if args.command == "plan":
            from kpi_engine.cli_plan import run_plan

            return run_plan(args)
        if args.command == "bench":
            from kpi_engine.bench import run

            return run(args)
    except KeyboardInterrupt:
        return 2
    except Exception as exc:  # noqa: BLE001 - never a traceback for the user
        print(f"kpi_engine: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    return 2


def read_files(files: list[Path]) -> list[tuple[str, bytes]]:
    """(name, bytes) of every file that opens; one line on stderr for each that does not."""
    readable: list[tuple[str, bytes]] = []
    for f in files:
        try:
            readable.append((f.name, f.read_bytes()))
        except OSError as exc:
            print(f"kpi_engine: {f} cannot be opened: {exc.strerror or exc}", file=sys.stderr)
    return readable


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


def _compute(args: argparse.Namespace) -> int:
    from kpi_engine.evaluate import evaluate
    from kpi_engine.ingest.dataset import load
    from kpi_engine.quality import data_quality
    from kpi_engine.query import FILTER_DIMENSIONS, Query

    if args.json_out is None and args.xlsx_out is None:
        print("kpi_engine: compute writes --json OUT and/or --xlsx OUT.xlsx: give at least one",
              file=sys.stderr)
        return 2
    if args.start and args.end and args.start > args.end:
        print(f"kpi_engine: --start {args.start} is after --end {args.end}", file=sys.stderr)
        return 2
    filters: dict[str, str] = {}
    for f in args.filter:
        dim, sep, value = f.partition("=")
        if not sep or dim not in FILTER_DIMENSIONS:
            print(f"kpi_engine: --filter takes DIM=VALUE with DIM one of "
                  f"{', '.join(FILTER_DIMENSIONS)}: {f}", file=sys.stderr)
            return 2
        filters[dim] = value
    ds = load(read_files(args.files))
    if not any(df.height for df in ds.tables.values()):  # no row of any file can be used
        first = ds.problems[0].message if ds.problems else "no table was recognised"
        print(f"kpi_engine: {first}", file=sys.stderr)
        return 2
    query = Query(start=args.start, end=args.end, grain=args.grain, filters=filters,
                  settings=settings_from(args))
    results = evaluate(ds.tables, query, ds.currency)
    doc = results.as_json()
    doc["data_quality"] = {
        "rows_set_aside": {
            f"{s.raw.label}": s.set_aside_counts() for s in ds.sources if s.set_aside_counts()
        },
        "problems": [p.message for p in ds.problems],
        **data_quality(ds.tables),
    }
    if args.json_out is not None:
        args.json_out.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    if args.xlsx_out is not None:
        from kpi_engine.export import write_workbook
        from kpi_engine.export_whatif import default_plan

        write_workbook(args.xlsx_out, results, ds, query, plan=default_plan(ds, query))
    return 0
