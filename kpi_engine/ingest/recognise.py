"""Which canonical table is this sheet, and which column is which field?

Each table is scored on the sheet's headers (synonyms: exact, fuzzy, partial) checked against
the values (a date field needs dates, a money field numbers, a yes/no field yes/no values...).
A table is a candidate only when
- at least two columns map to its fields,
- its primary field (orders.revenue, deals.amount, marketing.cost, ...) is mapped or named
  inside some header (a partial match: "Сумма Аксы" for revenue), or both its date and its
  own id are mapped (order_id + order_date), and
- the sheet is not a list of customers, products or reps (one row each, no date, no own id:
  a dimension to join, which is out of scope).
The best candidate wins; ties go to the order of model.TABLES.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from kpi_engine.ingest.profile import ColumnProfile
from kpi_engine.ingest.raw import RawSheet
from kpi_engine.ingest.synonyms import header_matches, partial_matches
from kpi_engine.model import TABLES, Field, Table

PRIMARY: dict[str, tuple[str, ...]] = {
    "orders": ("revenue", "quantity"),
    "deals": ("amount",),
    "marketing": ("cost",),
    "targets": ("target",),
    "competitor_prices": ("competitor_price",),
    "stage_history": ("stage",),
    "leads": ("created_date",),
    "activities": ("type", "subject"),
    "subscriptions": ("start_date",),
}
OWN_ID = {"orders": "order_id", "deals": "deal_id", "leads": "lead_id",
          "activities": "activity_id", "subscriptions": "subscription_id"}
ENTITY_KEYS = ("customer_id", "product", "rep")
# fields many tables share: they say little about which table a sheet is
GENERIC = frozenset({"country", "region", "rep", "channel", "product", "category", "segment",
                     "team", "currency", "customer_id", "status", "campaign"})
DATE_KINDS = ("date", "datetime", "period")
NUMBER_KINDS = ("money", "number", "int", "fraction")


@dataclass(frozen=True)
class ColumnMatch:
    header: str
    index: int  # position: the cells column is f"c{index}"
    field: str | None
    confidence: float
    how: str = ""  # exact | fuzzy | values | override | ""


@dataclass(frozen=True)
class Recognition:
    table: str | None
    confidence: float
    columns: tuple[ColumnMatch, ...]
    missing_required: tuple[str, ...] = ()
    candidates: dict[str, tuple[str, ...]] = field(default_factory=dict)
    reason: str | None = None

    def field_columns(self) -> dict[str, str]:
        """canonical field -> cells column name (c{i})."""
        return {c.field: f"c{c.index}" for c in self.columns if c.field}


def recognise(raw: RawSheet) -> Recognition:
    unmapped = tuple(ColumnMatch(h, i, None, 0.0) for i, h in enumerate(raw.header))
    if raw.reason or not raw.header:
        return Recognition(None, 0.0, unmapped, reason=raw.reason or "no header row")
    profiles = [ColumnProfile(*raw.column(f"c{i}")) for i in range(len(raw.header))]
    scored: list[tuple[float, Recognition]] = []
    for table in TABLES.values():
        rec, score, viable = _score_table(table, raw.header, profiles)
        if viable:
            scored.append((score, rec))
    if not scored:
        return Recognition(None, 0.0, unmapped, reason=_no_table_reason(raw.header, profiles))
    return max(scored, key=lambda sr: sr[0])[1]


def apply_overrides(raw: RawSheet, rec: Recognition, table: str | None,
                    overrides: dict[str, str | None]) -> Recognition:
    """A user's choice of table and of fields per header ({header: field or None})."""
    if table is None:
        cols = tuple(ColumnMatch(c.header, c.index, None, 0.0) for c in rec.columns)
        return Recognition(None, 1.0, cols, reason="set aside by you")
    spec = TABLES[table]
    keep_auto = table == rec.table
    cols: list[ColumnMatch] = []
    taken = {f for h, f in overrides.items() if f}
    for c in rec.columns:
        if c.header in overrides:
            f = overrides[c.header]
            if f is not None and f not in spec.field_names:
                raise ValueError(f"{table} has no field {f!r}")
            cols.append(replace(c, field=f, confidence=1.0 if f else 0.0, how="override"))
        elif keep_auto and c.field and c.field not in taken:
            cols.append(c)
        else:
            cols.append(replace(c, field=None, confidence=0.0, how=""))
    if not keep_auto:
        auto = _score_table(spec, raw.header, [ColumnProfile(*raw.column(f"c{i}"))
                                                for i in range(len(raw.header))])[0]
        by_index = {c.index: c for c in auto.columns if c.field and c.field not in taken}
        cols = [by_index.get(c.index, c) if c.how != "override" else c for c in cols]
    mapped = {c.field for c in cols if c.field}
    return Recognition(table, 1.0, tuple(cols), _missing(spec, mapped),
                       rec.candidates if keep_auto else {})


def _score_table(table: Table, header: list[str],
                 profiles: list[ColumnProfile]) -> tuple[Recognition, float, bool]:
    options: list[tuple[float, int, str, str]] = []  # (score, column, field, how)
    partial: set[str] = set()
    partial_headers: dict[str, list[str]] = {}
    for i, h in enumerate(header):
        prof = profiles[i]
        for m in header_matches(h):
            if m.table != table.name:
                continue
            if m.strength == "partial":
                partial.add(m.field)
                partial_headers.setdefault(m.field, []).append(h)
                continue
            if prof.empty or not _values_fit(table.field(m.field), prof):
                continue
            options.append((m.score, i, _refine(table, m.field, prof), m.strength))
    chosen = _assign(options)
    _add_from_values(table, header, profiles, chosen)
    mapped = {f for f, _ in chosen.values()}
    cols = tuple(
        ColumnMatch(h, i, chosen[i][0] if i in chosen else None,
                    round(chosen[i][1][0], 2) if i in chosen else 0.0,
                    chosen[i][1][1] if i in chosen else "")
        for i, h in enumerate(header)
    )
    missing = _missing(table, mapped)
    own_id = OWN_ID.get(table.name)
    score = sum(_weight(table, f, own_id) * conf for f, (conf, _) in chosen.values())
    score = (score + 0.3 * len(partial - mapped)) * 0.75 ** len(missing)
    if table.name != "orders" and own_id in mapped:
        idx = next(i for i, (f, _) in chosen.items() if f == own_id)
        if profiles[idx].duplicate_share > 0.1:
            score *= 0.3  # deal ids repeat: a history or a line list, not the deals themselves
    if table.name == "stage_history" and "deal_id" in mapped:
        idx = next(i for i, (f, _) in chosen.items() if f == "deal_id")
        if profiles[idx].all_unique:
            score *= 0.5  # every deal once: the deals themselves rather than their history
    dated_with_id = table.date_field in mapped and own_id in mapped  # order_id + order_date
    viable = (
        len(chosen) >= 2
        and (any(p in mapped or p in partial for p in PRIMARY[table.name]) or dated_with_id)
        and not _dimension_list(table, chosen, profiles)
    )
    req = [f for f in table.required]
    covered = sum(1 for f in req if f in mapped or f not in missing)
    mean_conf = sum(c for _, (c, _) in chosen.values()) / max(1, len(chosen))
    confidence = round(min(0.99, 0.25 + 0.75 * covered / max(1, len(req)) * mean_conf), 2)
    candidates = {
        f: tuple(partial_headers.get(f, ())) for f in missing if partial_headers.get(f)
    }
    return Recognition(table.name, confidence, cols, missing, candidates), score, viable


def _weight(table: Table, name: str, own_id: str | None) -> float:
    """How much a mapped field says the sheet is this table."""
    if table.field(name).required:
        return 3.0
    if name == own_id:
        return 1.5
    return 0.5 if name in GENERIC else 1.0


def _missing(table: Table, mapped: set[str]) -> tuple[str, ...]:
    out = []
    for f in table.required:
        if f in mapped:
            continue
        subs = table.substitutes.get(f)
        if subs and all(s in mapped for s in subs):
            continue
        out.append(f)
    return tuple(out)


def _values_fit(f: Field, prof: ColumnProfile) -> bool:
    if f.kind == "period":
        return prof.period_share >= 0.5
    if f.kind in DATE_KINDS:
        return prof.date_share >= 0.5
    if f.kind in NUMBER_KINDS:
        return prof.number_share >= 0.5
    if f.kind == "bool":
        return prof.bool_share >= 0.8
    return True


def _refine(table: Table, name: str, prof: ColumnProfile) -> str:
    """A 'Discount' column of shares (0-0.8, '5%') is a discount rate, not an amount."""
    if table.name == "orders" and name == "discount" and prof.rate_like:
        return "discount_rate"
    return name


def _assign(options: list[tuple[float, int, str, str]]) -> dict[int, tuple[str, tuple[float, str]]]:
    """Greedy one-to-one: the strongest (column, field) pairs first."""
    chosen: dict[int, tuple[str, tuple[float, str]]] = {}
    used: set[str] = set()
    for score, i, name, how in sorted(options, key=lambda o: (-o[0], o[1])):
        if i in chosen or name in used:
            continue
        chosen[i] = (name, (score, how))
        used.add(name)
    return chosen


_DATE_WORDS = ("date", "time", "data", "дата", "datum", "日期", "时间", " at", "day", "dag")


def _add_from_values(table: Table, header: list[str], profiles: list[ColumnProfile],
                     chosen: dict[int, tuple[str, tuple[float, str]]]) -> None:
    """Fields told by the values when no header names them: the table's date, a deal's stage."""
    mapped = {f for f, _ in chosen.values()}
    free = [i for i in range(len(header)) if i not in chosen and not profiles[i].empty]
    date_field = table.date_field
    if len(chosen) >= 2 and date_field and date_field not in mapped and \
            table.field(date_field).kind != "period":
        dated = [i for i in free if any(w in f" {header[i].casefold()}" for w in _DATE_WORDS)
                 and profiles[i].date_share >= 0.8 and not _names_other_date(header[i], table)]
        if len(dated) == 1:  # the only date column of the sheet
            chosen[dated[0]] = (date_field, (0.6, "values"))
            free.remove(dated[0])
    if table.name == "deals" and "stage" not in mapped and "status" not in mapped:
        for i in free:
            if profiles[i].stage_share >= 0.2:
                chosen[i] = ("stage", (0.6, "values"))
                break


def _names_other_date(header: str, table: Table) -> bool:
    """The header is another table's own date ("order_date" is not a subscription start)."""
    return any(m.strength == "exact" and m.table != table.name
               and TABLES[m.table].date_field == m.field for m in header_matches(header))


def _dimension_list(table: Table, chosen: dict[int, tuple[str, tuple[float, str]]],
                    profiles: list[ColumnProfile]) -> bool:
    """One row per customer / product / rep with no date and no id of the table's own."""
    fields = {f: i for i, (f, _) in chosen.items()}
    if OWN_ID.get(table.name) in fields:
        return False
    if any(table.field(f).kind in DATE_KINDS for f in fields):
        return False
    return any(k in fields and profiles[fields[k]].all_unique for k in ENTITY_KEYS)


def _no_table_reason(header: list[str], profiles: list[ColumnProfile]) -> str:
    named = sorted({m.table for h in header for m in partial_matches(h)} |
                   {m.table for h in header for m in header_matches(h) if m.strength != "partial"})
    if not named:
        return "no column names a field of any table (orders, deals, leads, marketing ...)"
    return (
        "the columns do not make up a table the KPIs use (it looks like a list or a summary: "
        "no date with amounts, and no id of its own); pick a table and its columns yourself "
        "if it is one"
    )
