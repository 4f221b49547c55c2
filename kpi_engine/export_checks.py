"""The Checks sheet: each headline ratio as a real Excel formula of its two (or more) numbers.

The numbers come from what the engine says it computed: a KPI's explanation is "the formula
with the user's numbers" ("99 won / 282 closed deals × 100 = 35.1 %"), so its left-hand side
is parsed into operands and operators. A rounded operand ("682.24 PLN per purchase") is
replaced by the exact number it stands for when the engine has one that rounds to it (the KPI's
own extra, another KPI's value, the range's months or years). A check is kept only when its
formula, evaluated here, gives the engine's value (relative 1e-9): a check that would not
reproduce the engine is left out, never written with a wrong number.
"""

from __future__ import annotations

import ast
import itertools
import math
import operator
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kpi_engine import units
from kpi_engine.export_style import INTEGER, PLAIN_NUMBER, Sheet, col

if TYPE_CHECKING:
    from kpi_engine.catalogue.spec import Result
    from kpi_engine.evaluate import Results

NUM = r"-?\d{1,3}(?: \d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?"
_OPERAND = re.compile(rf"^(\(*)\s*({NUM})(?![\d-])(.*)$", re.S)
_OPERATORS = {"/": "/", "×": "*", "+": "+", "−": "-"}
_SPLIT = re.compile(r" ([/×+−]) ")
_OF = re.compile(rf"^({NUM}) (?:(.*?) )?of ({NUM})(?![\d-])(.*)$", re.S)
_CHAIN = re.compile(rf"({NUM}) (\w+)")
MAX_INPUTS = 4
MAX_COMBINATIONS = 512
TOLERANCE = 1e-9

# clearer labels than the explanation's fragments (one per operand, in order; used only when
# the explanation has exactly that many operands)
LABELS: dict[str, tuple[str, ...]] = {
    "sales_growth_mom": ("Last month's revenue", "Revenue of the month before",
                         "Revenue of the month before"),
    "sales_growth_yoy": ("This period's revenue", "Same period a year earlier",
                         "Same period a year earlier"),
    "gross_margin": ("Revenue (rows with a cost)", "Direct costs", "Revenue (rows with a cost)"),
    "marketing_roi": ("Attributed revenue", "Campaign cost", "Campaign cost"),
    "average_purchase_value": ("Revenue", "Orders having a revenue"),
    "value_per_session": ("Attributed revenue", "Sessions"),
    "cost_per_click": ("Cost (rows with clicks)", "Clicks"),
    "cost_per_lead": ("Marketing cost", "Leads"),
    "repeat_sales_by_channel": ("Revenue from returning customers", "Revenue"),
    "average_deal_size": ("Won amount", "Won deals with an amount"),
    "monthly_profit_estimate": ("Gross margin", "Revenue", "Months of the range"),
    "pipeline_velocity": ("Average deal size", "Open deals", "Win rate", "Sales cycle"),
    "clv": ("Average purchase value", "Purchases per customer", "Years of the range",
            "Customer lifespan"),
    "arr": ("MRR",),
    "arpa": ("MRR", "Active accounts"),
    "ltv_cac_ratio": ("CLV", "CAC"),
    "time_in_stage": ("Days in stages", "Stays"),
    "avg_time_to_conversion": ("Days to conversion", "Converted leads"),
    "sales_cycle_length": ("Days of the won cycles", "Won deals"),
    "avg_time_to_loss": ("Days to loss", "Lost deals"),
}


@dataclass(frozen=True)
class Input:
    label: str
    value: float
    fmt: str


@dataclass(frozen=True)
class Check:
    kpi: Result
    title: str
    inputs: tuple[Input, ...]
    template: str  # Python/Excel arithmetic with {0}, {1} … for the input cells
    expected: float
    expected_fmt: str

    def excel(self, refs: list[str]) -> str:
        return "=" + self.template.format(*refs)

    @property
    def target(self) -> float | None:
        """The denominator when it is a target (for the Summary's target column)."""
        for i in self.inputs[1:]:
            if "target" in i.label.lower():
                return i.value
        return None


@dataclass(frozen=True)
class _Operand:
    label: str
    value: float
    decimals: int
    kind: str  # money, percent (/100 in the formula), days, hours, years, number or literal


# -- building the checks ------------------------------------------------------------------------
def build_checks(results: Results) -> list[Check]:
    pool = _pool(results)
    out: list[Check] = []
    for r in results.kpis.values():
        if not r.available or r.value is None or not r.explanation:
            continue
        check = _check_of(r, results, pool)
        if check is not None:
            out.append(check)
        attainment = _attainment_check(r)
        if attainment is not None:
            out.append(attainment)
    return out


def _check_of(r: Result, results: Results, pool: list[tuple[str, float]]) -> Check | None:
    assert r.explanation is not None and r.value is not None
    parsed = _parse(r, results.currency)
    if parsed is None and r.id == "ecommerce_funnel":
        parsed = _funnel(r)
    if parsed is None:
        return None
    operands, template = parsed
    found = _exact(r, operands, template, r.value, pool)
    if found is None:
        return None
    inputs, final = found
    return Check(r, r.name, inputs, final, r.value, units.excel_format(r.unit, results.currency))


def _attainment_check(r: Result) -> Check | None:
    """value / target × 100 for a KPI against the user's target (extra.attainment_pct)."""
    target, pct = r.extra.get("target"), r.extra.get("attainment_pct")
    if not isinstance(target, int | float) or not isinstance(pct, int | float) or r.value is None:
        return None
    if not _close(_evaluate("{0}/{1}*100", [r.value, float(target)]), pct):
        return None
    fmt = units.excel_format(r.unit)
    return Check(r, f"{r.name}: attainment of target",
                 (Input(r.name, r.value, fmt), Input("Target", float(target), fmt)),
                 "{0}/{1}*100", pct, units.excel_format("percent"))


def _parse(r: Result, currency: str | None) -> tuple[list[_Operand], str] | None:
    """The explanation's left-hand side as operands and an arithmetic template."""
    assert r.explanation is not None
    lhs = r.explanation.split(" = ", 1)[0].strip()
    of = _OF.match(lhs)
    if of and " / " not in lhs and r.unit == "percent":
        part = _operand(of.group(1) + " " + (of.group(4) or "").strip(), currency)
        whole = _operand(of.group(3) + " in all", currency)
        if part is None or whole is None:
            return None
        return [part, whole], "{0}/{1}*100"
    pieces = _SPLIT.split(lhs)
    operands: list[_Operand] = []
    template = ""
    depth = 0
    for i, piece in enumerate(pieces):
        if i % 2:  # an operator
            template += _OPERATORS[piece]
            continue
        m = _OPERAND.match(piece.strip())
        if m is None:
            return None
        opens, label = m.group(1), m.group(3).strip()
        closes = ""
        while label.endswith(")") and label.count(")") > label.count("("):
            label, closes = label[:-1].rstrip(), closes + ")"
        depth += len(opens) - len(closes)
        if depth < 0:
            return None
        op = _operand(m.group(2) + (" " + label if label else ""), currency,
                      after_times=i > 0 and pieces[i - 1] == "×")
        if op is None:
            return None
        if op.kind == "literal":
            template += f"{opens}{_literal(op.value)}{closes}"
            continue
        operands.append(op)
        slot = f"{{{len(operands) - 1}}}"
        template += opens + (f"({slot}/100)" if op.kind == "percent" else slot) + closes
    if depth != 0 or not operands or len(pieces) < 3:
        return None
    names = LABELS.get(r.id)
    if names and len(names) == len(operands):
        operands = [_relabel(op, name) for op, name in zip(operands, names, strict=True)]
    return operands, template


def _operand(text: str, currency: str | None, after_times: bool = False) -> _Operand | None:
    m = re.match(rf"^({NUM})(?![\d-])\s*(.*)$", text.strip(), re.S)
    if m is None:
        return None
    number, label = m.group(1), m.group(2).strip()
    value = float(number.replace(" ", ""))
    decimals = len(number.split(".")[1]) if "." in number else 0
    if not label and after_times and value in (100.0, 12.0):
        return _Operand("", value, decimals, "literal")  # × 100, × 12: part of the formula
    kind = "number"
    first = label.split(" ", 1)[0].lower()
    if label.startswith("%"):
        kind, label = "percent", label[1:].strip()
    elif currency and label.upper().startswith(currency.upper()):
        kind, label = "money", label[len(currency):].strip()
    elif first in ("days", "hours", "years"):
        kind = first
    return _Operand(label, value, decimals, kind)


def _relabel(op: _Operand, name: str) -> _Operand:
    return _Operand(name, op.value, op.decimals, op.kind)


def _literal(v: float) -> str:
    return str(int(v)) if v.is_integer() else repr(v)


def _funnel(r: Result) -> tuple[list[_Operand], str] | None:
    """The shop funnel's weakest step: purchases of the next step / of the step × 100."""
    step = r.extra.get("weakest_step")
    assert r.explanation is not None
    if not isinstance(step, str) or "->" not in step:
        return None
    counts = {name: num for num, name in _CHAIN.findall(r.explanation.split(";", 1)[0])}
    a, b = step.split("->", 1)
    if a not in counts or b not in counts:
        return None
    ops = [_operand(f"{counts[b]} {b.replace('_', ' ')}", None),
           _operand(f"{counts[a]} {a.replace('_', ' ')}", None)]
    if ops[0] is None or ops[1] is None:
        return None
    return [ops[0], ops[1]], "{0}/{1}*100"


# -- exact numbers and verification ---------------------------------------------------------------
def _pool(results: Results) -> list[tuple[str, float]]:
    """Exact numbers a rounded operand may stand for: every KPI's value and numeric extras,
    the range's days, months and years."""
    import datetime as dt

    from kpi_engine.query import months_between

    start, end = dt.date.fromisoformat(results.start), dt.date.fromisoformat(results.end)
    days = (end - start).days + 1
    out: list[tuple[str, float]] = [("months of the range", months_between(start, end)),
                                    ("years of the range", days / 365.25)]
    for r in results.kpis.values():
        if isinstance(r.value, int | float) and math.isfinite(r.value):
            out.append((r.name, float(r.value)))
        for k, v in r.extra.items():
            if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v):
                out.append((f"{r.name}: {k.replace('_', ' ')}", float(v)))
    return out


def _candidates(op: _Operand, own: Result, pool: list[tuple[str, float]]) -> list[float]:
    values = [op.value]
    if op.decimals == 0:
        return values  # a count or a whole amount is written exactly
    half = 0.5 * 10 ** -op.decimals + 1e-12
    own_extra = [float(v) for v in own.extra.values()
                 if isinstance(v, int | float) and not isinstance(v, bool)]
    for v in itertools.chain(own_extra, (v for _, v in pool)):
        if abs(v - op.value) <= half and v not in values:
            values.append(v)
    return values


def _exact(r: Result, operands: list[_Operand], template: str, expected: float,
           pool: list[tuple[str, float]]) -> tuple[tuple[Input, ...], str] | None:
    """The operands' exact values that reproduce the engine's value, as the sheet's inputs
    (one cell per distinct label and value), with the template over those cells."""
    options = [_candidates(op, r, pool) for op in operands]
    for n, combo in enumerate(itertools.product(*options)):
        if n >= MAX_COMBINATIONS:
            return None
        if _close(_evaluate(template, list(combo)), expected):
            return _merge(operands, list(combo), template)
    return None


def _merge(operands: list[_Operand], values: list[float],
           template: str) -> tuple[tuple[Input, ...], str] | None:
    inputs: list[Input] = []
    slots: list[int] = []
    for op, v in zip(operands, values, strict=True):
        label = op.label[:1].upper() + op.label[1:] if op.label else "Number"
        key = Input(label, v, _fmt(op, v))
        if key in inputs:
            slots.append(inputs.index(key))
        else:
            inputs.append(key)
            slots.append(len(inputs) - 1)
    if len(inputs) > MAX_INPUTS:
        return None
    return tuple(inputs), template.format(*(f"{{{s}}}" for s in slots))


def _fmt(op: _Operand, v: float) -> str:
    if op.kind in ("money", "percent", "days", "hours", "years"):
        return units.excel_format(op.kind)
    return INTEGER if op.decimals == 0 and float(v).is_integer() else PLAIN_NUMBER


_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv}


def _evaluate(template: str, values: list[float]) -> float | None:
    """The template's arithmetic in Python (only numbers, + - * / and parentheses)."""
    expr = template.format(*(f"({v!r})" for v in values))

    def walk(node: ast.AST) -> float:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return _BINARY[type(node.op)](walk(node.left), walk(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -walk(node.operand)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return float(node.value)
        raise ValueError(f"not arithmetic: {ast.dump(node)}")

    try:
        return walk(ast.parse(expr, mode="eval"))
    except (ZeroDivisionError, ValueError, SyntaxError):
        return None


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return False
    return abs(a - b) <= TOLERANCE * max(1.0, abs(b))


# -- the sheet -----------------------------------------------------------------------------------
INPUT_COL = 4  # D: the first input's label, E its number, F … K the next three pairs
RESULT_COL = INPUT_COL + 2 * MAX_INPUTS  # L
HEADER_ROW = 4


def write_checks(sheet: Sheet, checks: Iterable[Check], group_names: dict[str, str],
                 groups: dict[str, str]) -> list[tuple[Check, int]]:
    """One row per check; returns each check with its row (for the tests and the Summary)."""
    sheet.title(1, "Checks: how each ratio is made",
                "The numbers are the engine's; the result column is a live Excel formula of "
                "them and equals the engine's value (difference 0). Change a number to see "
                "what it does.")
    labels = ["Group", "KPI", "Formula"]
    for i in range(1, MAX_INPUTS + 1):
        labels += [f"Number {i}", f"Value {i}"]
    labels += ["Result (formula)", "Engine's value", "Difference", "In words, with your numbers"]
    sheet.header(HEADER_ROW, labels)
    rows: list[tuple[Check, int]] = []
    row = HEADER_ROW
    for check in checks:
        row += 1
        r = check.kpi
        sheet.text(row, 1, group_names.get(groups.get(r.id, ""), ""))
        sheet.text(row, 2, check.title)
        sheet.text(row, 3, r.formula if check.title == r.name else "value / target × 100",
                   "kpi_wrap", fit=False)
        refs = []
        for i, inp in enumerate(check.inputs):
            c = INPUT_COL + 2 * i
            sheet.text(row, c, inp.label, "kpi_wrap", fit=False)
            sheet.number(row, c + 1, inp.value, inp.fmt)
            refs.append(f"{col(c + 1)}{row}")
        sheet.formula(row, RESULT_COL, check.excel(refs), check.expected_fmt,
                      value=check.expected)
        sheet.number(row, RESULT_COL + 1, check.expected, check.expected_fmt)
        sheet.formula(row, RESULT_COL + 2,
                      f"={col(RESULT_COL)}{row}-{col(RESULT_COL + 1)}{row}", "0.000000")
        sheet.text(row, RESULT_COL + 3, r.explanation, "kpi_wrap", fit=False)
        rows.append((check, row))
    if not rows:
        sheet.text(HEADER_ROW + 1, 2, "No ratio KPI could be computed from this data.")
    sheet.set_width(3, 40)
    for i in range(MAX_INPUTS):
        sheet.set_width(INPUT_COL + 2 * i, 26)
    sheet.set_width(RESULT_COL + 3, 70)
    sheet.finish(HEADER_ROW, row, len(labels), freeze=f"C{HEADER_ROW + 1}")
    return rows


def check_targets(checks: Iterable[Check]) -> dict[str, float]:
    """KPI id → the target its check divides by (target_attainment, pipeline_coverage …)."""
    out: dict[str, float] = {}
    for c in checks:
        t = c.target
        if t is not None and c.title == c.kpi.name:
            out[c.kpi.id] = t
    return out
