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
from functools import cache

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


def variants(header: str) -> list[str]:
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
    for table in TABLES.values():
        for f in table.fields:
            for rank, syn in enumerate((f.name.replace("_", " "), *f.synonyms)):
                norm = normalise_header(syn)
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
    for v in variants(header):
        for key in (v, v.replace(" ", "")):
            for table, field, rank in index.get(key, ()):
                score = _rank_score(rank) * (1.0 if v == variants(header)[0] else 0.99)
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


def partial_matches(header: str) -> list[Match]:
    out: dict[tuple[str, str], Match] = {}
    words_forms = [f" {v} " for v in variants(header)]
    for (table, field), syns in _synonyms_by_field().items():
        for rank, syn in enumerate(syns):
            if len(syn) < 3:
                continue
            if any(f" {syn} " in w and w.strip() != syn for w in words_forms):
                out[(table, field)] = Match(table, field, 0.5 * _rank_score(rank), "partial")
                break
    return list(out.values())


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
