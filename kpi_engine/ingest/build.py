"""A recognised sheet -> its typed canonical rows, with a reason for every row not used.

Upload-wide rules (duplicates across files, the upload's currency) are applied afterwards in
dataset.py; this module decides what one sheet can decide on its own.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import polars as pl

from kpi_engine.ingest import clean
from kpi_engine.ingest.derive import derive
from kpi_engine.ingest.fastpath import fast_columns
from kpi_engine.ingest.junk import unlabelled_totals
from kpi_engine.ingest.periods import parse_period
from kpi_engine.ingest.raw import (
    RawSheet,
    align,
    chunk_lengths,
    is_categorical,
    per_category,
    to_text,
)
from kpi_engine.ingest.recognise import Recognition
from kpi_engine.model import TABLES, Field, normalise_header

POLARS_TYPE: dict[str, pl.DataType] = {
    "date": pl.Date(),
    "datetime": pl.Datetime("us"),
    "money": pl.Float64(),
    "number": pl.Float64(),
    "int": pl.Int64(),
    "fraction": pl.Float64(),
    "text": pl.String(),
    "id": pl.String(),
    "bool": pl.Boolean(),
    "currency": pl.String(),
    "period": pl.String(),
}
META = ("_file", "_sheet", "_line")


@dataclass
class Built:
    """One source after cleaning: typed rows for every record, and per record a reason or null."""

    # every record (set-aside ones too), canonical columns + _file/_sheet/_line; a text column
    # may be Categorical here (its text once per distinct value). dataset.py makes the tables
    # of plain String columns from the rows used, and then empties it (the schema is kept)
    frame: pl.DataFrame
    reason: pl.Series  # String: null = used so far
    cancelled: pl.Series  # Boolean (orders status): applied after duplicates, per the catalogue
    currency: pl.Series  # String or Categorical: the row's currency, when it shows one
    messages: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # parsing decisions (day-first, decimal comma)
    # rows of another table found in this sheet (HubSpot "Date entered <stage>" columns give
    # stage_history); `_parent` is the index of the record they come from
    extra: dict[str, pl.DataFrame] = field(default_factory=dict)


def empty_frame(table: str) -> pl.DataFrame:
    spec = TABLES[table]
    schema = {f.name: POLARS_TYPE[f.kind] for f in spec.fields}
    schema |= {"_file": pl.String(), "_sheet": pl.String(), "_line": pl.Int64()}
    return pl.DataFrame(schema=schema)


def build(raw: RawSheet, rec: Recognition) -> Built:
    assert rec.table is not None
    spec = TABLES[rec.table]
    n = raw.store.height
    reason = raw.junk()
    if rec.missing_required:
        reason = pl.repeat("missing_required_column", n, eager=True, dtype=pl.String)
        return Built(_typed_empty(rec.table, raw), reason.alias("reason"),
                     pl.repeat(False, n, eager=True), pl.repeat(None, n, eager=True,
                                                              dtype=pl.String))
    columns = rec.field_columns()
    notes: list[str] = []
    row_currency: list[pl.Series] = []
    mapped = [(f, columns[f.name]) for f in spec.fields if f.name in columns]
    samples = {c: _head_sample(raw, c) for _, c in mapped}
    typed: dict[str, pl.Series] = fast_columns(raw, mapped, samples)
    for f, c in mapped:  # a fast money column still takes the currency its header names
        code = clean.currency_from_header(raw.header[int(c[1:])]) \
            if f.name in typed and f.kind == "money" else None
        if code:
            row_currency.append(pl.repeat(code, n, eager=True, dtype=pl.String))
    jobs = [(f, *raw.column(c), raw.header[int(c[1:])]) for f, c in mapped if f.name not in typed]
    # Polars releases the GIL: the other columns are cleaned side by side on every core
    with ThreadPoolExecutor(max_workers=min(2, max(1, len(jobs)))) as pool:
        results = list(pool.map(lambda job: _parse_column(*job), jobs))
    for (f, *_), (values, note, currency) in zip(jobs, results, strict=True):
        typed[f.name] = values
        if note:
            notes.append(note)
        if currency is not None:
            row_currency.append(currency)
    if rec.table == "deals" and "close_date" in typed:
        typed["close_date"] = _with_lost_time(raw, columns, typed["close_date"])
    # every column split into chunks like the sheet's: the frame is never copied to align them
    layout = chunk_lengths(raw.store)
    typed = {name: align(values, layout) for name, values in typed.items()}
    frame = pl.DataFrame(typed) if typed else pl.DataFrame({"_": [None] * n}).drop("_")
    frame = _complete(rec.table, frame, n)
    frame, messages = derive(rec.table, frame, columns, raw)
    frame = frame.with_columns(
        pl.lit(raw.file).alias("_file"),
        pl.lit(raw.sheet, dtype=pl.String).alias("_sheet"),
        align(raw.line, layout).alias("_line"),
    )
    data_rows = reason.is_null()
    numeric = [f.name for f in spec.fields
               if f.kind in ("money", "number") and columns.get(f.name) is not None]
    if numeric and data_rows.sum() >= 4:
        totals = unlabelled_totals(frame.select(numeric), data_rows)
        if totals.any():
            reason = pl.select(pl.when(pl.lit(totals)).then(pl.lit("totals"))
                               .otherwise(pl.lit(reason)).alias("reason")).to_series()
    if spec.date_field:
        bad = frame[spec.date_field].is_null()
        if (reason.is_null() & bad).any():
            reason = pl.select(pl.when(pl.lit(reason).is_null() & pl.lit(bad))
                               .then(pl.lit("bad_date")).otherwise(pl.lit(reason))
                               .alias("reason")).to_series()
    cancelled = (
        _cancelled(frame["status"])
        if rec.table == "orders" and "status" in typed
        else pl.repeat(False, n, eager=True)
    )
    if "currency" in frame.columns and frame["currency"].null_count() < n:
        row_currency.insert(0, frame["currency"])
    if len(row_currency) == 1:
        currency = align(row_currency[0], layout)
    elif row_currency:
        currency = align(pl.select(pl.coalesce([pl.lit(c.cast(pl.String)) for c in row_currency])
                                   ).to_series(), layout)
    else:
        currency = pl.repeat(None, n, eager=True, dtype=pl.String)
    frame = frame.with_columns(currency.alias("currency")) if "currency" in frame.columns \
        else frame
    extra = {}
    if rec.table == "deals":
        history = stage_entries(raw, frame["deal_id"].cast(pl.String))
        if history is not None:
            extra["stage_history"] = history
            messages.append(
                f"{history.height:,} stage changes were read from the 'Date entered …' columns."
            )
    return Built(frame, reason.alias("reason"), cancelled.alias("cancelled"),
                 currency.alias("currency"), messages, notes, extra)


_DATE_ENTERED = re.compile(r'^(?i:date entered)\s*[:\-]?\s*"?(?P<stage>.+?)"?\s*$')
_PIPELINE = re.compile(r"\s*\([^()]*\)\s*$")


def stage_entries(raw: RawSheet, deal_id: pl.Series) -> pl.DataFrame | None:
    """HubSpot-style 'Date entered "<stage> (<pipeline>)"' columns unpivoted: one row per
    non-empty cell (deal_id, stage, entered_date), `_parent` = the deals record it came from."""
    parts = []
    for i, h in enumerate(raw.header):
        m = _DATE_ENTERED.match(h)
        if not m:
            continue
        stage = _PIPELINE.sub("", m.group("stage")).strip() or m.group("stage")
        dates = clean.parse_date(raw.text(f"c{i}")).values
        n = raw.rows_read
        parts.append(pl.DataFrame({
            "deal_id": deal_id,
            "stage": pl.repeat(stage, n, eager=True, dtype=pl.String),
            "entered_date": dates,
            "_parent": pl.int_range(0, n, eager=True),
            "_file": pl.repeat(raw.file, n, eager=True, dtype=pl.String),
            "_sheet": pl.repeat(raw.sheet, n, eager=True, dtype=pl.String),
            "_line": raw.line,
        }).filter(pl.col("entered_date").is_not_null()))
    if not parts:
        return None
    return pl.concat(parts).sort("_parent", "entered_date", maintain_order=True)


_LOST_TIME = {"lost time", "lost date", "date lost", "lost on", "deal lost on", "closed lost date",
              "data przegranej", "дата проигрыша", "förlorad datum", "verloren am"}


def _with_lost_time(raw: RawSheet, columns: dict[str, str], close: pl.Series) -> pl.Series:
    """Pipedrive splits the close date over 'Won time' and 'Lost time': the filled one counts."""
    used = set(columns.values())
    for i, h in enumerate(raw.header):
        if f"c{i}" not in used and normalise_header(h) in _LOST_TIME:
            lost = clean.parse_date(raw.text(f"c{i}")).values
            return close.fill_null(lost.cast(close.dtype))
    return close


def _typed_empty(table: str, raw: RawSheet) -> pl.DataFrame:
    frame = _complete(table, pl.DataFrame(), raw.rows_read)
    return frame.with_columns(
        pl.lit(raw.file).alias("_file"),
        pl.lit(raw.sheet, dtype=pl.String).alias("_sheet"),
        raw.line.alias("_line"),
    )


def _complete(table: str, frame: pl.DataFrame, n: int) -> pl.DataFrame:
    """Every canonical column present, with its type (null where the sheet had none)."""
    spec = TABLES[table]
    if frame.width == 0:
        cols = [pl.repeat(None, n, eager=True, dtype=POLARS_TYPE[f.kind]).alias(f.name)
                for f in spec.fields]
        return pl.DataFrame(cols) if cols else frame
    exprs = []
    for f in spec.fields:
        dtype = POLARS_TYPE[f.kind]
        if f.name in frame.columns:
            col = frame[f.name]
            if col.dtype == dtype or (is_categorical(col.dtype) and dtype == pl.String):
                exprs.append(pl.col(f.name))  # as it is (a text column may stay compact)
            else:
                exprs.append(pl.col(f.name).cast(dtype, strict=False))
        else:  # a constant column: no memory per row
            exprs.append(pl.lit(None, dtype=dtype).alias(f.name))
    return frame.select(exprs)


def _head_sample(raw: RawSheet, c: str) -> pl.Series:
    """The non-empty texts among the first 200 cells of a column."""
    values, fmt = raw.column(c)
    head = to_text(values.head(200), fmt)
    return head.filter(head != "")


# kinds cleaned by a function of each cell alone (its column-wide choices depend only on which
# values occur, not on how often): a Categorical column is cleaned once per distinct value
PER_VALUE_KINDS = ("bool", "currency", "id", "text")


def _parse_column(f: Field, values: pl.Series, fmt: str | None,
                  header: str) -> tuple[pl.Series, str | None, pl.Series | None]:
    if is_categorical(values.dtype) and f.kind in PER_VALUE_KINDS:
        return per_category(values, lambda text: _parse(f, text, header)[0]), None, None
    return _parse(f, to_text(values, fmt), header)


def _cancelled(status: pl.Series) -> pl.Series:
    if is_categorical(status.dtype):
        return per_category(status, clean.is_cancelled_status)
    return clean.is_cancelled_status(status.fill_null(""))


def _parse(f: Field, values: pl.Series, header: str) -> tuple[pl.Series, str | None, pl.Series | None]:
    """Typed values of one column, a note on a decision made for it, and the currency it shows."""
    s = values.fill_null("")
    match f.kind:
        case "money" | "number":
            res = clean.parse_number(s)
            note = None
            if res.decimal_comma:
                note = f"{header}: read with a decimal comma"
            currency = None
            if f.kind == "money":
                from_header = clean.currency_from_header(header)
                currency = res.currency
                if from_header:
                    currency = currency.fill_null(from_header)
            return res.values, note, currency
        case "int":
            return clean.parse_int(s), None, None
        case "fraction":
            return clean.parse_fraction(s), None, None
        case "date" | "datetime":
            res = clean.parse_date(s)
            note = None
            if res.ambiguous:
                note = (f"{header}: day and month cannot be told apart from the values; "
                        f"read as {res.format} — check a few dates")
            elif res.day_first is not None:
                note = f"{header}: read as {res.format}"
            out = res.values if f.kind == "datetime" else res.values.dt.date()
            if res.month_rows:
                out = out.alias(f.name)
                note = (note or "") + f"{'; ' if note else ''}{header}: one row per month"
            return out, note, None
        case "bool":
            return clean.parse_bool(s), None, None
        case "currency":
            return clean.normalise_currency(s), None, None
        case "period":
            return parse_period(s), None, None
        case "id":
            return clean.clean_id(s), None, None
        case _:
            return clean.normalise_text(s), None, None
