"""Header text -> canonical field candidates, read from the synonyms declared in model.py.

Three strengths of match, strongest first:
- exact: a variant of the header (case-folded, punctuation and a bracketed currency dropped,
  CamelCase split, spaces removed) equals a synonym; earlier synonyms of a field score higher,
  so "Subtotal" beats "Total" for revenue and "Lead Source" beats "Type" for channel;
- fuzzy: the header is within a typo of a synonym (rapidfuzz ratio >= 92, at least 6 letters);
- partial: a synonym occurs as whole words inside a longer header ("Сумма Аксы" holds "сумма").
  Partial matches never map a column; they are evidence for the table and candidates to name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from kpi_engine.model import TABLES, normalise_header, split_camel

_BRACKETS = re.compile(r"[(\[].*?[)\]]")
_CURRENCY_WORDS = re.compile(
    r"\b(usd|eur|pln|sek|gbp|rub|cny|chf|nok|dkk|czk|huf|uah|zł|zl|kr|руб|€|\$|£|¥)\b", re.I
)


@dataclass(frozen=True)
class Match:
    table: str
    field: str
    score: float  # 0..1
    strength: str  # exact | fuzzy | partial


@lru_cache(maxsize=8192)
def _variants(header: str) -> tuple[str, ...]:
    return tuple(_forms(header))


def variants(header: str) -> list[str]:
    """The header's comparable forms: as written, without brackets/currency, CamelCase split."""
    return list(_variants(str(header)))


def _forms(header: str) -> list[str]:
    """The header's comparable forms: as written, without brackets/currency, CamelCase split."""
    raw = str(header)
    forms = [raw, split_camel(raw), _BRACKETS.sub(" ", raw), _BRACKETS.sub(" ", split_camel(raw))]
    out: list[str] = []
    for form in forms:
        for text in (form, _CURRENCY_WORDS.sub(" ", form)):
            norm = normalise_header(text)
            if norm and norm not in out:
                out.append(norm)
    return out


@cache
def _index() -> dict[str, list[tuple[str, str, int]]]:
    """normalised synonym (and its space-free form) -> [(table, field, rank)]."""
    index: dict[str, list[tuple[str, str, int]]] = {}
    normalised = _synonyms_by_field()
    for table in TABLES.values():
        for f in table.fields:
            for rank, norm in enumerate(normalised[(table.name, f.name)]):
                for key in {norm, norm.replace(" ", "")}:
                    entries = index.setdefault(key, [])
                    if not any(t == table.name and fl == f.name for t, fl, _ in entries):
                        entries.append((table.name, f.name, rank))
    return index


@cache
def _synonyms_by_field() -> dict[tuple[str, str], tuple[str, ...]]:
    return {
        (t.name, f.name): tuple(normalise_header(s) for s in (f.name.replace("_", " "), *f.synonyms))
        for t in TABLES.values()
        for f in t.fields
    }


def _rank_score(rank: int) -> float:
    return max(0.8, 1.0 - 0.004 * rank)


def exact_matches(header: str) -> list[Match]:
    index = _index()
    best: dict[tuple[str, str], Match] = {}
    forms = _variants(str(header))
    for v in forms:
        for key in (v, v.replace(" ", "")):
            for table, field, rank in index.get(key, ()):
                score = _rank_score(rank) * (1.0 if v == forms[0] else 0.99)
                old = best.get((table, field))
                if old is None or score > old.score:
                    best[(table, field)] = Match(table, field, score, "exact")
    return list(best.values())


def fuzzy_matches(header: str) -> list[Match]:
    from rapidfuzz import fuzz, process

    keys = [k for k in _index() if len(k) >= 6]
    out: dict[tuple[str, str], Match] = {}
    for v in variants(header)[:2]:
        if len(v) < 6:
            continue
        for key, ratio, _ in process.extract(v, keys, scorer=fuzz.ratio, limit=5, score_cutoff=92):
            for table, field, rank in _index()[key]:
                score = 0.85 * _rank_score(rank) * ratio / 100
                old = out.get((table, field))
                if old is None or score > old.score:
                    out[(table, field)] = Match(table, field, score, "fuzzy")
    return list(out.values())


@cache
def _partial_index() -> tuple[dict[str, list[tuple[int, int]]], list[tuple[str, str]]]:
    """normalised synonym (3 characters or more) -> [(field number, rank)], and the fields in
    the order of _synonyms_by_field."""
    fields = list(_synonyms_by_field())
    index: dict[str, list[tuple[int, int]]] = {}
    for k, syns in enumerate(_synonyms_by_field().values()):
        for rank, syn in enumerate(syns):
            if len(syn) >= 3:
                index.setdefault(syn, []).append((k, rank))
    return index, fields


def partial_matches(header: str) -> list[Match]:
    """Fields with a synonym that is a run of whole words inside a form of the header (but not
    the whole form), at the synonym's best rank. The forms are normalised (words joined by one
    space), so the runs of words of each form are looked up instead of every synonym searched."""
    index, fields = _partial_index()
    best: dict[int, int] = {}
    for v in variants(header):
        words = v.split(" ")
        for i in range(len(words)):
            for j in range(i + 1, len(words) + 1):
                run = " ".join(words[i:j])
                if run == v:
                    continue
                for k, rank in index.get(run, ()):
                    if rank < best.get(k, rank + 1):
                        best[k] = rank
    return [Match(*fields[k], 0.5 * _rank_score(best[k]), "partial") for k in sorted(best)]


@cache
def header_matches(header: str) -> tuple[Match, ...]:
    """All candidate fields for a header, strongest first (exact, then fuzzy, then partial)."""
    found: dict[tuple[str, str], Match] = {}
    for m in (*exact_matches(header), *fuzzy_matches(header), *partial_matches(header)):
        key = (m.table, m.field)
        if key not in found or m.score > found[key].score:
            found[key] = m
    return tuple(sorted(found.values(), key=lambda m: -m.score))


def is_known_header(cell: str) -> bool:
    """Used to find the header row: the cell names some canonical field outright."""
    return bool(exact_matches(cell))


def prepare(headers: list[str] | None = None) -> None:
    """Build the synonym tables, and match these headers, ahead of need: run in a thread while
    a parser that frees the GIL reads the file, so that recognising the table costs no time."""
    _index()
    _partial_index()
    from rapidfuzz import fuzz, process  # noqa: F401 - imported once, here

    for h in headers or ():
        header_matches(h)
