"""An upload -> a Dataset: every file read, recognised, cleaned; every row used or set aside.

The upload-wide rules live here: a later file's row that repeats an earlier file's row or id is
a `duplicate`; the upload's currency is the one most money rows show, other rows are
`other_currency`. A user's mapping override is applied to the sheet already read (no re-read).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from kpi_engine.ingest.errors import UnusableFile
from kpi_engine.ingest.raw import RawSheet, decategorise, is_categorical, per_category
from kpi_engine.ingest.read import read_any
from kpi_engine.ingest.sniff import file_kind
from kpi_engine.model import TABLES

if TYPE_CHECKING:
    from kpi_engine.ingest.build import Built
    from kpi_engine.ingest.recognise import Recognition

MONEY_TABLES = ("orders", "deals", "marketing", "subscriptions")
_META = ("_file", "_sheet", "_line")  # build.META
REASON_ORDER = ("unreadable", "blank", "repeated_header", "footer", "totals", "bad_date",
                "duplicate", "cancelled", "other_currency", "missing_required_column")


@dataclass
class Source:
    index: int  # position of the file in the upload (later files lose duplicates)
    raw: RawSheet
    recognition: Recognition
    built: Built | None = None
    reason: pl.Series | None = None  # final per-record reason (null = used)

    @property
    def table(self) -> str | None:
        return self.recognition.table

    @property
    def rows_used(self) -> int:
        return 0 if self.reason is None else int(self.reason.is_null().sum())

    def set_aside_counts(self) -> dict[str, int]:
        if self.reason is None:
            return {}
        counts = self.reason.drop_nulls().value_counts()
        found = dict(zip(counts[self.reason.name], counts["count"], strict=True))
        return {r: int(found[r]) for r in REASON_ORDER if r in found}


@dataclass(frozen=True)
class Problem:
    file: str
    message: str
    sheet: str | None = None


@dataclass
class Dataset:
    sources: list[Source]
    problems: list[Problem] = field(default_factory=list)
    currency: str | None = None
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)

    def table(self, name: str) -> pl.DataFrame | None:
        return self.tables.get(name)

    def set_aside(self) -> pl.DataFrame:
        """Every row not used: file, sheet, line, reason and its original cells as text."""
        parts = []
        for s in self.sources:
            if s.reason is None or s.reason.null_count() == s.reason.len():
                continue
            mask = s.reason.is_not_null()
            cells = s.raw.text_frame(s.raw.store.filter(mask))
            text = cells.select(
                pl.concat_str(
                    [pl.lit(f"{h}=") + pl.col(f"c{i}") for i, h in enumerate(s.raw.header)],
                    separator=" | ",
                ).alias("values")
            )["values"] if cells.width else pl.repeat("", int(mask.sum()), eager=True)
            parts.append(pl.DataFrame({
                "file": pl.repeat(s.raw.file, int(mask.sum()), eager=True, dtype=pl.String),
                "sheet": pl.repeat(s.raw.sheet, int(mask.sum()), eager=True, dtype=pl.String),
                "line": s.raw.line.filter(mask),
                "reason": s.reason.filter(mask),
                "values": text,
            }))
        if not parts:
            return pl.DataFrame(schema={"file": pl.String, "sheet": pl.String, "line": pl.Int64,
                                        "reason": pl.String, "values": pl.String})
        return pl.concat(parts)

    def with_mapping(self, source: int, table: str | None,
                     overrides: dict[str, str | None] | None = None) -> Dataset:
        """The same upload with one sheet's table and column mapping chosen by the user."""
        sources = list(self.sources)
        s = sources[source]
        from kpi_engine.ingest.recognise import apply_overrides

        rec = apply_overrides(s.raw, s.recognition, table, overrides or {})
        sources[source] = Source(s.index, s.raw, rec)
        return assemble(sources, [p for p in self.problems if p.sheet is None and
                                  not _is_mapping_problem(p)])


def _is_mapping_problem(p: Problem) -> bool:
    return p.message.startswith("This looks like")


def load(files: list[tuple[str, bytes]] | list[str] | list[Path]) -> Dataset:
    """Read every file (name and bytes, or paths); a file that cannot be used becomes a problem."""
    sources: list[Source] = []
    problems: list[Problem] = []
    with ThreadPoolExecutor(max_workers=1) as reading:
        for index, item in enumerate(files):
            try:
                name, data, whole, size = _name_and_bytes(item, reading)
            except OSError as exc:
                name = item[0] if isinstance(item, tuple) else Path(item).name
                problems.append(Problem(name, f"{name} cannot be opened: {exc.strerror or exc}."))
                continue
            try:
                sheets = read_any(name, data, whole, size)
                del data, whole  # the sheets hold what is needed; the bytes can go
                from kpi_engine.ingest.recognise import recognise

                found: list[Source] = []
                with ThreadPoolExecutor(max_workers=1) as pool:
                    for raw in sheets:  # the junk rows are found while the table is recognised
                        junk = pool.submit(raw.junk) if raw.header and raw.reason is None \
                            else None
                        found.append(Source(index, raw, recognise(raw)))
                        if junk is not None:  # wait; an error shows again when it is cleaned
                            junk.exception()
            except UnusableFile as exc:
                problems.append(Problem(exc.file, exc.message))
                continue
            except BaseException as exc:  # one bad file never stops the upload
                if not _caught(exc):
                    raise
                problems.append(Problem(name, f"{name} could not be read: it may be damaged, "
                                        "or in a form this reader does not know. Open it in "
                                        "Excel or LibreOffice, save it as .xlsx or .csv, and "
                                        "upload that."))
                continue
            sources.extend(found)
    return assemble(sources, problems)


def _caught(exc: BaseException) -> bool:
    """An error to report, not to raise: any Exception, and the panics of the Rust readers
    (pyo3's PanicException derives from BaseException, so `except Exception` misses it)."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0][:120] + ("…" if len(text[0]) > 120 else "")) if text else ""


# a delimited file on disk this large is read in the background while its start is examined
READ_AHEAD_BYTES = 4 << 20
HEAD_BYTES = (1 << 20) + (64 << 10)


def _name_and_bytes(
    item: tuple[str, bytes] | str | Path, reading: ThreadPoolExecutor,
) -> tuple[str, bytes, Callable[[], bytes] | None, int | None]:
    """Name and bytes; for a large delimited file on disk only its start, with a function
    that gives all its bytes (read meanwhile) and its size."""
    if isinstance(item, tuple):
        return item[0], item[1], None, None
    path = Path(item)
    size = path.stat().st_size
    if size >= READ_AHEAD_BYTES:
        with path.open("rb") as fh:
            head = fh.read(HEAD_BYTES)
        if file_kind(head) == "csv":
            return path.name, head, reading.submit(path.read_bytes).result, size
    return path.name, path.read_bytes(), None, None


def build(raw: RawSheet, rec: Recognition) -> Built:
    """build.build (its module imported on first use, in load while the files are read)."""
    from kpi_engine.ingest.build import build as build_sheet

    return build_sheet(raw, rec)


def assemble(sources: list[Source], problems: list[Problem]) -> Dataset:
    problems = list(problems)
    for s in sources:
        try:
            s.built = build(s.raw, s.recognition) if s.table else None
        except BaseException as exc:  # one sheet never stops the upload
            if not _caught(exc):
                raise
            label = f"{s.raw.file}" + (f", sheet {s.raw.sheet}" if s.raw.sheet else "")
            problems.append(Problem(s.raw.file, f"{label} could not be cleaned ({type(exc).__name__}"
                                    f": {_first_line(exc)}); its rows are not used.", s.raw.sheet))
            s.recognition = replace(s.recognition, table=None, reason="could not be cleaned")
            s.built = None
        s.reason = s.built.reason if s.built else None
        problems.extend(_source_problems(s))
    _mark_duplicates(sources)
    _mark_cancelled(sources)
    currency = _upload_currency(sources)
    _mark_other_currency(sources, currency)
    problems.extend(_currency_problems(sources, currency))
    tables = _tables(sources)
    return Dataset(sources, problems, currency, tables)


def _set(reason: pl.Series, flag: pl.Series, name: str) -> pl.Series:
    if not (reason.is_null() & flag).any():
        return reason
    return pl.select(
        pl.when(pl.lit(reason).is_null() & pl.lit(flag)).then(pl.lit(name))
        .otherwise(pl.lit(reason)).alias(reason.name)
    ).to_series()


def _mark_duplicates(sources: list[Source]) -> None:
    for table in TABLES:
        own = TABLES[table].id_field
        seen_rows: pl.DataFrame | None = None
        seen_ids: set[str] = set()
        by_file: dict[int, list[Source]] = {}
        for s in sources:
            if s.table == table and s.built is not None:
                by_file.setdefault(s.index, []).append(s)
        if len(by_file) < 2:
            continue  # identical rows inside one file are kept
        for index in sorted(by_file):
            keys_this_file: list[pl.DataFrame] = []
            for s in by_file[index]:
                assert s.built is not None and s.reason is not None
                fields = [c for c in s.built.frame.columns if c not in _META and c[0] != "_"]
                rows = decategorise(s.built.frame.select(fields))
                dup = pl.repeat(False, rows.height, eager=True)
                if seen_rows is not None and rows.height:
                    dup = rows.select(
                        pl.struct(pl.all()).is_in(seen_rows.select(pl.struct(pl.all()))
                                                  .to_series().implode()).alias("d")
                    )["d"]
                if own and seen_ids and own in rows.columns:
                    dup = dup | rows[own].is_in(list(seen_ids)).fill_null(False)
                s.reason = _set(s.reason, dup, "duplicate")
                used = s.reason.is_null()
                keys_this_file.append(rows.filter(used))
                if own and own in rows.columns:
                    seen_ids.update(rows[own].filter(used).drop_nulls().to_list())
            if keys_this_file:
                new = pl.concat(keys_this_file, how="diagonal_relaxed")
                seen_rows = new if seen_rows is None else pl.concat([seen_rows, new],
                                                                     how="diagonal_relaxed")


def _mark_cancelled(sources: list[Source]) -> None:
    for s in sources:
        if s.built is not None and s.reason is not None:
            s.reason = _set(s.reason, s.built.cancelled, "cancelled")


def _upload_currency(sources: list[Source]) -> str | None:
    counts: Counter[str] = Counter()
    for s in sources:
        if s.built is None or s.table not in MONEY_TABLES or s.reason is None:
            continue
        cur = s.built.currency.filter(s.reason.is_null()).drop_nulls()
        if cur.len():
            vc = cur.value_counts()
            for code, n in zip(vc[cur.name], vc["count"], strict=True):
                counts[code] += int(n)
    if not counts:
        return None
    return min(counts, key=lambda c: (-counts[c], c))


def _mark_other_currency(sources: list[Source], currency: str | None) -> None:
    if currency is None:
        return
    for s in sources:
        if s.built is None or s.table not in MONEY_TABLES or s.reason is None:
            continue
        cur = s.built.currency
        differs = per_category(cur, lambda text: text != currency) \
            if is_categorical(cur.dtype) else cur != currency
        other = (cur.is_not_null() & differs).fill_null(False)
        s.reason = _set(s.reason, other, "other_currency")


def _currency_problems(sources: list[Source], currency: str | None) -> list[Problem]:
    """Say why rows in another currency are not used (no exchange rates are guessed)."""
    out: list[Problem] = []
    for s in sources:
        if s.built is None or s.reason is None:
            continue
        other = s.built.currency.filter(s.reason == "other_currency")
        if other.len() == 0:
            continue
        codes = ", ".join(sorted(set(other.drop_nulls().to_list())))
        out.append(Problem(s.raw.file, (
            f"{other.len():,} rows are in {codes} while most of this upload is in {currency}: "
            "they are set aside, because no exchange rate is guessed. Upload the files of "
            f"each currency separately to see them."), s.raw.sheet))
    return out


def _tables(sources: list[Source]) -> dict[str, pl.DataFrame]:
    parts: dict[str, list[pl.DataFrame]] = {}
    for s in sources:
        if s.built is None or s.reason is None or s.table is None:
            continue
        used = s.reason.is_null()
        parts.setdefault(s.table, []).append(_rows_used(s.built, used))
        for table, rows in s.built.extra.items():
            kept = rows.filter(pl.col("_parent").is_in(used.arg_true().implode()))
            parts.setdefault(table, []).append(decategorise(kept.drop("_parent")))
    from kpi_engine.ingest.build import empty_frame

    out = {t: frames[0] if len(frames) == 1 and _complete_schema(t, frames[0])
           else pl.concat([empty_frame(t), *frames], how="diagonal_relaxed")
           for t, frames in parts.items()}
    return {t: _date_sorted(t, df) for t, df in out.items()}


def _rows_used(built: Built, used: pl.Series) -> pl.DataFrame:
    """The rows used of a built sheet, every column plain (Categorical text as String).

    Taken column by column (two at a time: Polars releases the GIL), each typed column of
    every record let go once its rows used are copied, so that the typed rows and the table
    are never both whole in memory: the typed frame is not needed once the tables are made
    (`Built.frame` is left with no rows)."""
    frame, built.frame = built.frame, built.frame.clear()
    if frame.width == 0:
        return frame
    everything = bool(used.all())
    # one frame per column: a constant column stays one value, not one per row
    pending: list[pl.DataFrame | None] = [frame.select(name) for name in frame.columns]
    del frame

    def take(i: int) -> pl.DataFrame:
        part = pending[i]
        assert part is not None
        pending[i] = None  # the typed column goes as soon as its rows used are taken
        return decategorise(part if everything else part.filter(used))

    with ThreadPoolExecutor(max_workers=2) as pool:
        columns = list(pool.map(take, range(len(pending))))
    return pl.concat(columns, how="horizontal")


def _date_sorted(table: str, df: pl.DataFrame) -> pl.DataFrame:
    """Rows in the order of the table's own date (file order among equal dates), so that the
    KPI engine can take a date range as a slice without copying the table again."""
    col = TABLES[table].date_field
    if col is None or col not in df.columns or df.height < 2 or df[col].dtype == pl.String:
        return df
    if df[col].null_count() == 0 and df[col].is_sorted():
        return df
    # Only the columns that vary are gathered: an all-null field or the one file name is kept
    # as a constant, not made into millions of copies (a 2,000,000-row file: 400 MB less).
    order = df.select(pl.arg_sort_by(col, nulls_last=True, maintain_order=True)).to_series()
    constant = {c: df[c][0] for c in df.columns
                if df[c].null_count() == df.height
                or (c in ("_file", "_sheet") and df[c].n_unique() == 1)}
    moving = df.select([c for c in df.columns if c not in constant])[order]
    return moving.with_columns(
        pl.lit(v, dtype=df.schema[c]).alias(c) for c, v in constant.items()
    ).select(df.columns)


def _complete_schema(table: str, frame: pl.DataFrame) -> bool:
    from kpi_engine.ingest.build import empty_frame

    want = empty_frame(table).schema
    return all(frame.schema.get(k) == v for k, v in want.items())


_WHAT = {
    ("orders", "revenue"): "no column holds the order value: pick the revenue column",
    ("orders", "order_date"): "no column holds the order date: pick the date column",
    ("deals", "created_date"): "no column holds the date each deal was created: pick it",
    ("deals", "amount"): "no column holds the deal value: pick the amount column",
    ("marketing", "date"): "no column holds the date or month of the spend: pick it",
    ("marketing", "cost"): "no column holds the spend: pick the cost column",
}


def _source_problems(s: Source) -> list[Problem]:
    out: list[Problem] = []
    rec = s.recognition
    if rec.table and rec.missing_required:
        parts = []
        for f in rec.missing_required:
            what = _WHAT.get((rec.table, f), f"no column holds {f}: pick it")
            cands = rec.candidates.get(f)
            if cands:
                what += f" (perhaps one of: {', '.join(cands)})"
            parts.append(what)
        out.append(Problem(s.raw.file, f"This looks like {rec.table}, but "
                           + "; and ".join(parts) + ".", s.raw.sheet))
    for note in s.raw.notes:
        out.append(Problem(s.raw.file, note, s.raw.sheet))
    if s.built:
        out.extend(Problem(s.raw.file, m, s.raw.sheet) for m in s.built.messages)
        out.extend(Problem(s.raw.file, n, s.raw.sheet) for n in s.built.notes
                   if "cannot be told apart" in n)
    return out


def replace_recognition(source: Source, rec: Recognition) -> Source:
    return replace(source, recognition=rec, built=None, reason=None)
