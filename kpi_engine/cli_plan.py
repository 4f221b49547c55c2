"""python -m kpi_engine plan FILE… --target X [--horizon N] [--base-start D --base-end D]
[--set driver=value …] [--solve-for D] [settings flags] --json OUT

The what-if planner of catalogue section 6. Exit 0 when at least one source was usable and the
JSON was written, 2 when none was or the arguments are wrong (one line on stderr, never a
traceback). The arguments are checked before the files are read.
"""

from __future__ import annotations

import argparse
import json
import sys


def _fail(message: str) -> int:
    print(f"kpi_engine: {message}", file=sys.stderr)
    return 2


def parse_sets(items: list[str]) -> dict[str, float]:
    """`driver=value` (or `tree.driver=value`) pairs; ValueError naming the bad one."""
    out: dict[str, float] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        try:
            if not sep or not key:
                raise ValueError
            out[key] = float(text.strip().rstrip("%"))
        except ValueError:
            raise ValueError(f"--set takes DRIVER=NUMBER: {item}") from None
    return out


def run_plan(args: argparse.Namespace) -> int:
    from kpi_engine.whatif import check_changes

    if not 1 <= args.horizon <= 12:
        return _fail(f"--horizon is 1 to 12 months, not {args.horizon}")
    if args.target is not None and (args.target < 0 or args.target != args.target):
        return _fail(f"--target must be a number of at least 0, not {args.target}")
    if args.base_start and args.base_end and args.base_start > args.base_end:
        return _fail(f"--base-start {args.base_start} is after --base-end {args.base_end}")
    try:
        changes = parse_sets(args.set)
    except ValueError as exc:
        return _fail(str(exc))
    errors = check_changes(changes, args.solve_for)
    if errors:
        return _fail(errors[0])

    from kpi_engine.cli import read_files, settings_from
    from kpi_engine.ingest.dataset import load
    from kpi_engine.whatif import base_drivers, plan

    ds = load(read_files(args.files))
    if not any(df.height for df in ds.tables.values()):  # no row of any file can be used
        return _fail(ds.problems[0].message if ds.problems else "no table was recognised")
    try:
        base = base_drivers(ds.tables, settings_from(args), ds.currency, args.base_start,
                            args.base_end)
        doc = plan(base, args.target, args.horizon, changes, args.solve_for)
    except ValueError as exc:
        return _fail(str(exc))
    args.json_out.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0
