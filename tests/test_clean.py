"""Value cleaning (kpi_engine.ingest.clean): every expected value below is worked out by hand."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from kpi_engine.ingest.clean import (
    activity_outcome,
    activity_type,
    clean_id,
    currency_from_header,
    deal_status,
    is_cancelled_status,
    normalise_currency,
    normalise_text,
    parse_bool,
    parse_date,
    parse_fraction,
    parse_int,
    parse_number,
)

REAL = Path(__file__).resolve().parents[2] / "shared" / "real_exports"


def texts(*values: str | None) -> pl.Series:
    return pl.Series("col", list(values), dtype=pl.String)


def one_date(text: str) -> datetime | None:
    return parse_date(texts(text)).values[0]


# --- parse_number ----------------------------------------------------------------------------


# fmt: off
PARSE_NUMBER_CELL_CASES = [
    ("1 234,56 zł", 1234.56, "PLN"), ("1.234,56 €", 1234.56, "EUR"),
    ("$1,234.56", 1234.56, "USD"), ("US$ 5", 5.0, "USD"), ("12 EUR", 12.0, "EUR"),
    ("5 руб.", 5.0, "RUB"), ("₽ 7", 7.0, "RUB"), ("1 234 kr", 1234.0, "SEK"),
    ("£3.50", 3.5, "GBP"), ("¥100", 100.0, "CNY"), ("100 元", 100.0, "CNY"),
    ("CHF 1'234.50", 1234.5, "CHF"), ("97 320,00", 97320.0, None),
    ("153\xa0570,00", 153570.0, None), ("12\u202f345,5", 12345.5, None),
    ("(123.00)", -123.0, None), ("-1\xa0561,00", -1561.0, None), ("123-", -123.0, None),
    ("(1 234,50 zł)", -1234.5, "PLN"), ("1.16%", 1.16, None), ("< 10%", 10.0, None),
    ("> 90%", 90.0, None), ("2.88331E+11", 288331000000.0, None), ("'4001", 4001.0, None),
    ("1'234.50", 1234.5, None), ("1524.4299999999998", 1524.4299999999998, None),
    ("11015.0", 11015.0, None), ("1.234.567", 1234567.0, None), ("1,234,567", 1234567.0, None),
    ("0,99", 0.99, None), (".5", 0.5, None), ("12 345 678", 12345678.0, None),
]
# fmt: on


@pytest.mark.parametrize(("text", "value", "currency"), PARSE_NUMBER_CELL_CASES)
def test_parse_number_cell(text: str, value: float, currency: str | None) -> None:
    result = parse_number(texts(text))
    assert result.values[0] == value
    assert result.currency[0] == currency
    assert result.unparsed == 0


@pytest.mark.parametrize("text", ["--", " --", "-", "—", "n/a", "N/A", "null", "", "  ", None])
def test_parse_number_empty_markers_are_null_and_not_unparsed(text: str | None) -> None:
    result = parse_number(texts(text, "5,5 zł"))
    assert result.values.to_list() == [None, 5.5]
    assert result.unparsed == 0


@pytest.mark.parametrize("text", ["12 pcs", "#DIV/0!", "10 - 20", "1/2", "12:30", "abc", "1.2.3"])
def test_parse_number_unparseable_is_counted(text: str) -> None:
    result = parse_number(texts(text, "7"))
    assert result.values.to_list() == [None, 7.0]
    assert result.unparsed == 1


def test_decimal_thousands_comma_next_to_decimal_dot_values() -> None:
    result = parse_number(texts("795,836", "9,265", "22.00"))
    assert result.values.to_list() == [795836.0, 9265.0, 22.0]
    assert result.decimal_comma is False


def test_decimal_thousands_comma_with_both_separators() -> None:
    result = parse_number(texts("795,836", "4,838.80"))
    assert result.values.to_list() == [795836.0, 4838.8]
    assert result.decimal_comma is False


def test_decimal_only_three_digit_commas_is_thousands() -> None:
    result = parse_number(texts("1,234", "5,678", "12,000"))
    assert result.values.to_list() == [1234.0, 5678.0, 12000.0]
    assert result.decimal_comma is False


def test_decimal_comma_when_other_cells_show_it() -> None:
    result = parse_number(texts("1,234", "12,5", "0,99"))
    assert result.values.to_list() == [1.234, 12.5, 0.99]
    assert result.decimal_comma is True


def test_decimal_comma_column_with_dot_thousands() -> None:
    result = parse_number(texts("1.234", "1 234,56", "97 320,00"))
    assert result.values.to_list() == [1234.0, 1234.56, 97320.0]
    assert result.decimal_comma is True


def test_decimal_dot_column_keeps_dot_three_decimals() -> None:
    result = parse_number(texts("1.234", "0.5"))
    assert result.values.to_list() == [1.234, 0.5]
    assert result.decimal_comma is False


def test_parse_number_bad_grouping_is_unparsed() -> None:
    result = parse_number(texts("1,23,4", "5"))
    assert result.values.to_list() == [None, 5.0]
    assert result.unparsed == 1


def test_parse_number_keeps_length_and_name() -> None:
    result = parse_number(pl.Series("Amount", ["1", None, "x", "2,5"]))
    assert result.values.name == "Amount"
    assert result.values.dtype == pl.Float64
    assert result.currency.dtype == pl.String
    assert result.values.to_list() == [1.0, None, None, 2.5]
    assert result.unparsed == 1


def test_parse_number_repeated_values_column() -> None:
    column = texts(*(["1 234,56 zł", "7,5", "", "x"] * 1000))
    result = parse_number(column)
    assert result.values.to_list()[:4] == [1234.56, 7.5, None, None]
    assert result.unparsed == 1000
    assert result.decimal_comma is True
    assert result.currency.to_list()[:2] == ["PLN", None]


# --- parse_fraction / parse_int --------------------------------------------------------------


# fmt: off
PARSE_FRACTION_CASES = [
    ("5%", 0.05), ("0.2", 0.2), ("20", 0.2), ("1", 1.0), ("12,5 %", 0.125), ("70", 0.7),
    ("47%", 0.47), ("1.16%", 0.0116), ("0", 0.0), ("", None), (None, None),
]
# fmt: on


@pytest.mark.parametrize(("text", "value"), PARSE_FRACTION_CASES)
def test_parse_fraction(text: str | None, value: float | None) -> None:
    assert parse_fraction(texts(text)).to_list() == [value]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("3", 3),
        ("3.0", 3),
        ("'4001", 4001),
        ("1 234", 1234),
        ("3.5", None),
        ("", None),
        ("x", None),
    ],
)
def test_parse_int(text: str, value: int | None) -> None:
    result = parse_int(texts(text))
    assert result.dtype == pl.Int64
    assert result.to_list() == [value]


# --- parse_date ------------------------------------------------------------------------------


# fmt: off
PARSE_DATE_CELL_CASES = [
    ("2024-01-31", datetime(2024, 1, 31)), ("2024-01-31 13:45:00", datetime(2024, 1, 31, 13, 45)),
    ("2024-01-31T13:45:00.123456", datetime(2024, 1, 31, 13, 45, 0, 123456)),
    ("2021-05-13 11:01:13 +0200", datetime(2021, 5, 13, 11, 1, 13)),
    ("2024-01-31T10:00:00Z", datetime(2024, 1, 31, 10, 0)),
    ("2024-01-31T10:00:00+02:00", datetime(2024, 1, 31, 10, 0)),
    ("31.01.2024", datetime(2024, 1, 31)), ("31.01.2024 14:05", datetime(2024, 1, 31, 14, 5)),
    ("2/24/2003 0:00", datetime(2003, 2, 24)), ("24/02/2003", datetime(2003, 2, 24)),
    ("3/24/2024 1:30 PM", datetime(2024, 3, 24, 13, 30)),
    ("2024-10-01 - 2024-10-30", datetime(2024, 10, 1)),
    ("01.10.2024–30.10.2024", datetime(2024, 10, 1)), ("2024-03", datetime(2024, 3, 1)),
    ("2024年3月", datetime(2024, 3, 1)), ("2024年3月15日", datetime(2024, 3, 15)),
    ("3月 2024", datetime(2024, 3, 1)), ("15 Jan 2024", datetime(2024, 1, 15)),
    ("Jan 15, 2024", datetime(2024, 1, 15)), ("1 stycznia 2024 r.", datetime(2024, 1, 1)),
    ("31.02.2024", None), ("Февраль", None), ("2.1", None), ("garbage", None),
]
# fmt: on


@pytest.mark.parametrize(("text", "expected"), PARSE_DATE_CELL_CASES)
def test_parse_date_cell(text: str, expected: datetime | None) -> None:
    assert one_date(text) == expected


def test_offset_is_dropped_not_converted() -> None:
    result = parse_date(texts("2021-05-13 11:01:13 +0200"))
    assert result.values.to_list() == [datetime(2021, 5, 13, 11, 1, 13)]
    assert result.values.dtype == pl.Datetime("us")
    assert result.day_first is None
    assert result.format == "yyyy-mm-dd hh:mm:ss"


# fmt: off
MONTH_NAMES_CASES = [
    ("Jan 2024", 1), ("January 2024", 1), ("2024 Jan", 1), ("JANUARY 2024", 1),  # English
    ("marzec 2024", 3), ("marca 2024", 3), ("maj 2024", 5), ("Październik 2024", 10),  # Polish
    ("Февраль 2024", 2), ("февраля 2024", 2), ("Октябрь 2024 г.", 10),  # Russian
    ("mars 2024", 3), ("augusti 2024", 8),  # Swedish
    ("März 2024", 3), ("Dezember 2024", 12),  # German
    ("三月 2024", 3), ("enero 2024", 1),  # Chinese numeral month, Spanish
]
# fmt: on


@pytest.mark.parametrize(("text", "month"), MONTH_NAMES_CASES)
def test_month_names(text: str, month: int) -> None:
    result = parse_date(texts(text))
    assert result.values.to_list() == [datetime(2024, month, 1)]
    assert result.month_rows is True
    assert result.unparsed == 0


def test_month_without_year_is_unparsed() -> None:
    result = parse_date(texts("Февраль", "Март 2022"))
    assert result.values.to_list() == [None, datetime(2022, 3, 1)]
    assert result.unparsed == 1


def test_day_first_decided_by_first_part_over_12() -> None:
    result = parse_date(texts("05/03/2024", "24/02/2003"))
    assert result.values.to_list() == [datetime(2024, 3, 5), datetime(2003, 2, 24)]
    assert result.day_first is True
    assert result.ambiguous is False
    assert result.format == "dd/mm/yyyy"


def test_month_first_decided_by_second_part_over_12() -> None:
    result = parse_date(texts("05.03.2024", "12.24.2024"))
    assert result.values.to_list() == [datetime(2024, 5, 3), datetime(2024, 12, 24)]
    assert result.day_first is False
    assert result.ambiguous is False


def test_ambiguous_slash_is_month_first() -> None:
    result = parse_date(texts("05/03/2024", "01/02/2024"))
    assert result.values.to_list() == [datetime(2024, 5, 3), datetime(2024, 1, 2)]
    assert result.day_first is False
    assert result.ambiguous is True


def test_ambiguous_dot_is_day_first() -> None:
    result = parse_date(texts("05.03.2024"))
    assert result.values.to_list() == [datetime(2024, 3, 5)]
    assert result.day_first is True
    assert result.ambiguous is True
    assert result.format == "dd.mm.yyyy"


def test_ambiguous_dash_is_day_first() -> None:
    result = parse_date(texts("05-03-2024"))
    assert result.values.to_list() == [datetime(2024, 3, 5)]
    assert result.day_first is True
    assert result.ambiguous is True


def test_day_and_month_never_swapped_within_a_column() -> None:
    result = parse_date(texts("24/02/2003", "25/02/2003", "02/24/2003", "01/02/2003"))
    assert result.values.to_list() == [
        datetime(2003, 2, 24),
        datetime(2003, 2, 25),
        None,  # would need month first: the column voted day first (2 rows against 1)
        datetime(2003, 2, 1),
    ]
    assert result.day_first is True
    assert result.ambiguous is False
    assert result.unparsed == 1


def test_tied_votes_fall_back_to_the_separator() -> None:
    result = parse_date(texts("24/02/2003", "02/24/2003"))
    assert result.values.to_list() == [None, datetime(2003, 2, 24)]
    assert result.day_first is False


def test_two_digit_years_month_first() -> None:
    result = parse_date(texts("12/1/10 8:26", "12/9/10 16:02", "1/5/69 0:00", "1/5/70 0:00"))
    assert result.values.to_list() == [
        datetime(2010, 12, 1, 8, 26),
        datetime(2010, 12, 9, 16, 2),
        datetime(2069, 1, 5),
        datetime(1970, 1, 5),
    ]
    assert result.day_first is False
    assert result.ambiguous is True
    assert result.format == "mm/dd/yy hh:mm"


def test_iso_column_day_first_irrelevant() -> None:
    result = parse_date(texts("2024-01-31", "2024-02-01"))
    assert result.day_first is None
    assert result.ambiguous is False
    assert result.format == "yyyy-mm-dd"


def test_compact_dates_when_all_valid() -> None:
    result = parse_date(texts("20240131", "20231231", ""))
    assert result.values.to_list() == [datetime(2024, 1, 31), datetime(2023, 12, 31), None]
    assert result.format == "yyyymmdd"
    assert result.unparsed == 0


def test_compact_dates_not_used_when_one_is_invalid() -> None:
    result = parse_date(texts("20240131", "20241331"))
    assert result.values.to_list() == [None, None]
    assert result.unparsed == 2


def test_excel_serial_numbers() -> None:
    result = parse_date(texts("41587", "41587.0", "45000.5", "2.1"))
    assert result.values.to_list() == [
        datetime(2013, 11, 9),
        datetime(2013, 11, 9),
        datetime(2023, 3, 15, 12, 0),
        None,
    ]
    assert result.format == "Excel serial number"
    assert result.unparsed == 1


def test_serial_not_used_in_a_text_date_column() -> None:
    result = parse_date(texts("41587", "2024-01-31"))
    assert result.values.to_list() == [None, datetime(2024, 1, 31)]
    assert result.unparsed == 1


def test_two_point_one_is_never_a_date() -> None:
    for column in (texts("2.1"), texts("2.1", "12/1/10 8:26"), texts("2.1", "3.5", "1")):
        assert parse_date(column).values[0] is None


def test_month_rows_flag_false_with_days() -> None:
    assert parse_date(texts("Jan 2024", "2024-01-15")).month_rows is False


def test_parse_date_empty_values() -> None:
    result = parse_date(texts("", None, "-", "2024-01-31"))
    assert result.values.to_list() == [None, None, None, datetime(2024, 1, 31)]
    assert result.unparsed == 0


def test_parse_date_repeated_values_column() -> None:
    column = texts(*(["31.01.2024 10:00", "01.02.2024 10:00", "", "zzz"] * 1000))
    result = parse_date(column)
    assert result.values.to_list()[:4] == [
        datetime(2024, 1, 31, 10),
        datetime(2024, 2, 1, 10),
        None,
        None,
    ]
    assert result.unparsed == 1000
    assert result.day_first is True
    assert result.format == "dd.mm.yyyy hh:mm"


# --- text, ids, booleans ---------------------------------------------------------------------


def test_normalise_text() -> None:
    result = normalise_text(
        texts("  Person\xa0 0007 ", "Cape town ", "a\u202fb\tc", "", "   ", None)
    )
    assert result.to_list() == ["Person 0007", "Cape town", "a b c", None, None, None]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("'4001", "4001"),
        ("001462414", "001462414"),
        ("10107.0", "10107"),
        ("10107.5", "10107.5"),
        ("2.88331E+11", "2.88331E+11"),
        (" #1001 ", "#1001"),
        ("", None),
        (None, None),
    ],
)
def test_clean_id(text: str | None, expected: str | None) -> None:
    assert clean_id(texts(text)).to_list() == [expected]


@pytest.mark.parametrize(
    "text",
    ["yes", "Y", "TRUE", "t", "1", "x", "✓", "✔", "tak", "да", "д", "ja", "j", "是", "对", "oui"]
    + ["si", "sí", "wahr", "checked", "1.0", " Yes "],
)
def test_parse_bool_true(text: str) -> None:
    assert parse_bool(texts(text)).to_list() == [True]


@pytest.mark.parametrize(
    "text",
    ["no", "N", "false", "f", "0", "nie", "нет", "н", "nej", "nein", "否", "不", "non", "0.0"],
)
def test_parse_bool_false(text: str) -> None:
    assert parse_bool(texts(text)).to_list() == [False]


@pytest.mark.parametrize("text", ["maybe", "", None, "2"])
def test_parse_bool_other_is_null(text: str | None) -> None:
    assert parse_bool(texts(text)).to_list() == [None]


# --- deal status -----------------------------------------------------------------------------


# fmt: off
DEAL_STATUS_FROM_STAGE_CASES = [
    ("Closed Won", "won"), ("Won", "won"), ("closedwon", "won"), ("Deal won", "won"),
    ("Wygrana", "won"), ("Выиграна", "won"), ("Успешно реализовано", "won"), ("Vunnen", "won"),
    ("Gewonnen", "won"), ("赢单", "won"), ("Closed Won - Contract signed", "won"),
    ("Closed Lost", "lost"), ("Lost", "lost"), ("closedlost", "lost"), ("Przegrana", "lost"),
    ("Проиграна", "lost"), ("Закрыто и не реализовано", "lost"), ("Förlorad", "lost"),
    ("Verloren", "lost"), ("输单", "lost"), ("Negociación", "open"), ("Prospecting", "open"),
    ("Won't buy", "open"), ("", None), (None, None),
]
# fmt: on


@pytest.mark.parametrize(("stage", "expected"), DEAL_STATUS_FROM_STAGE_CASES)
def test_deal_status_from_stage(stage: str | None, expected: str | None) -> None:
    assert deal_status(texts(stage)).to_list() == [expected]


# fmt: off
DEAL_STATUS_FROM_STATUS_CASES = [
    ("won", "Lost", "won"), ("Wygrany", None, "won"), ("выиграно", None, "won"),
    ("成交", None, "won"), ("lost", "Won", "lost"), ("utracona", None, "lost"),
    ("отказ", None, "lost"), ("förlorat", None, "lost"), ("丢单", None, "lost"),
    ("open", "Closed Won", "open"), ("Otwarta", None, "open"), ("öppen", None, "open"),
    ("进行中", None, "open"), ("Pending", "Closed Won", "won"), (None, "Closed Lost", "lost"),
    ("odd", None, "open"), (None, None, None),
]
# fmt: on


@pytest.mark.parametrize(("status", "stage", "expected"), DEAL_STATUS_FROM_STATUS_CASES)
def test_deal_status_from_status(status: str | None, stage: str | None, expected: str) -> None:
    assert deal_status(texts(stage), texts(status)).to_list() == [expected]


# --- activities ------------------------------------------------------------------------------


# fmt: off
ACTIVITY_TYPE_FROM_TYPE_CELL_CASES = [
    ("Call", "call"), ("Phone call", "call"), ("Telefon", "call"), ("Rozmowa", "call"),
    ("Звонок", "call"), ("Samtal", "call"), ("Anruf", "call"), ("电话", "call"), ("Email", "email"),
    ("E-mail", "email"), ("Mail", "email"), ("Письмо", "email"), ("E-post", "email"),
    ("Mejl", "email"), ("邮件", "email"), ("Meeting", "meeting"), ("Spotkanie", "meeting"),
    ("Встреча", "meeting"), ("Möte", "meeting"), ("Termin", "meeting"),
    ("Besprechung", "meeting"), ("会议", "meeting"), ("Demo", "demo"), ("Prezentacja", "demo"),
    ("Демонстрация", "demo"), ("Demonstration", "demo"), ("演示", "demo"),
    ("Onboarding", "onboarding"), ("Wdrożenie", "onboarding"), ("Внедрение", "onboarding"),
    ("Follow-up", "follow_up"), ("Follow up", "follow_up"), ("Followup", "follow_up"),
    ("Seguimiento", "follow_up"), ("Kontynuacja", "follow_up"),
    ("Повторная встреча", "follow_up"), ("Uppföljning", "follow_up"), ("Nachfassen", "follow_up"),
    ("跟进", "follow_up"), ("Other", "other"), ("Task", "other"),
]
# fmt: on


@pytest.mark.parametrize(("type_", "expected"), ACTIVITY_TYPE_FROM_TYPE_CELL_CASES)
def test_activity_type_from_type_cell(type_: str, expected: str) -> None:
    assert activity_type(texts(type_), texts("Meeting about a call")).to_list() == [expected]


# fmt: off
ACTIVITY_TYPE_FROM_SUBJECT_CASES = [
    ("Email de lista: promo", "email"), ("Email: hola", "email"), ("Llamada con cliente", "call"),
    ("Llamar a Juan", "call"), ("Call back", "call"), ("Reunión semanal", "meeting"),
    ("Reunion semanal", "meeting"), ("SEGUIMIENTO cotización", "follow_up"),
    ("whatsapp", "other"),
    ("Re: meeting and call", "meeting"),  # the type whose word comes first
    ("Send e-mail after call", "email"),
    ("recall the invoice", "other"),  # "call" does not start a word here
    ("Rückruf vereinbaren", "call"), ("Позвонить клиенту", "call"),
    ("客户电话回访", "call"),  # Chinese anywhere
    ("Spotkanie w biurze", "meeting"), ("Wiadomość do klienta", "email"), ("", None),
    (None, None),
]
# fmt: on


@pytest.mark.parametrize(("subject", "expected"), ACTIVITY_TYPE_FROM_SUBJECT_CASES)
def test_activity_type_from_subject(subject: str | None, expected: str | None) -> None:
    assert activity_type(texts(None), texts(subject)).to_list() == [expected]
    assert activity_type(None, texts(subject)).to_list() == [expected]


def test_activity_type_type_wins_over_subject() -> None:
    assert activity_type(texts("", "Call"), texts("Meeting", None)).to_list() == ["meeting", "call"]


# fmt: off
ACTIVITY_OUTCOME_CASES = [
    ("Completed", "completed"), ("done", "completed"), ("Zakończone", "completed"),
    ("Odbyło się", "completed"), ("Состоялась", "completed"), ("已完成", "completed"),
    ("no-show", "no_show"), ("No_Show", "no_show"), ("Uteblev", "no_show"),
    ("Cancelled", "cancelled"), ("Отменено", "cancelled"), ("Avbokad", "cancelled"),
    ("Abgesagt", "cancelled"), ("Open", "scheduled"), ("Not Started", "scheduled"),
    ("In Progress", "scheduled"), ("Opened", "opened"), ("Geöffnet", "opened"),
    ("Replied", "replied"), ("Besvarad", "replied"), ("Bounced", "bounced"),
    ("Unzustellbar", "bounced"), ("Waiting on  someone else", "waiting on someone else"),
    ("", None), (None, None),
]
# fmt: on


@pytest.mark.parametrize(("text", "expected"), ACTIVITY_OUTCOME_CASES)
def test_activity_outcome(text: str | None, expected: str | None) -> None:
    assert activity_outcome(texts(text)).to_list() == [expected]


# --- cancelled orders ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["Cancelled", " cancelled ", "CANCELED", "refunded", "voided", "Void", "returned", "Anulowane"]
    + ["Zwrócone", "Отменён", "Отменен", "Возврат", "Annullerad", "Returnerad", "Storniert"]
    + ["Erstattet", "已取消", "已退款"],
)
def test_cancelled_status(text: str) -> None:
    assert is_cancelled_status(texts(text)).to_list() == [True]


@pytest.mark.parametrize(
    "text", ["Refund pending", "partially_refunded", "paid", "pending", "Shipped", "", None]
)
def test_not_cancelled_status(text: str | None) -> None:
    assert is_cancelled_status(texts(text)).to_list() == [False]


# --- currencies ------------------------------------------------------------------------------


# fmt: off
CURRENCY_FROM_HEADER_CASES = [
    ("Amount spent (USD)", "USD"), ("Kwota (zł)", "PLN"), ("Belopp [SEK]", "SEK"),
    ("Сумма, руб.", "RUB"), ("Revenue €", "EUR"), ("Amount (MXN)", "MXN"), ("Sales ($)", "USD"),
    ("Umsatz in EUR", "EUR"), ("CPC (all)", None), ("Cost per 1,000 people reached", None),
    ("Amount", None),
]
# fmt: on


@pytest.mark.parametrize(("header", "code"), CURRENCY_FROM_HEADER_CASES)
def test_currency_from_header(header: str, code: str | None) -> None:
    assert currency_from_header(header) == code


def test_normalise_currency() -> None:
    values = texts("zł", "PLN", "pln", "€", "eur", "$", "kr", "SEK", "руб", "₽", "RUB", "¥", "元")
    assert normalise_currency(values).to_list() == [
        "PLN", "PLN", "PLN", "EUR", "EUR", "USD", "SEK", "SEK", "RUB", "RUB", "RUB", "CNY", "CNY"
    ]  # fmt: skip
    others = texts("RMB", "CNY", "mxn", " usd ", "000", "12", "", None)
    assert normalise_currency(others).to_list() == [
        "CNY",
        "CNY",
        "MXN",
        "USD",
        None,
        None,
        None,
        None,
    ]


# --- every function: empty, all-null and one-element series ---------------------------------

SERIES_FUNCTIONS: list[Callable[[pl.Series], pl.Series]] = [
    parse_fraction,
    parse_int,
    parse_bool,
    normalise_text,
    clean_id,
    deal_status,
    activity_outcome,
    is_cancelled_status,
    normalise_currency,
    lambda s: activity_type(s, s),
    lambda s: parse_number(s).values,
    lambda s: parse_date(s).values,
]


@pytest.mark.parametrize("function", SERIES_FUNCTIONS)
@pytest.mark.parametrize(
    "series",
    [
        pl.Series("c", [], dtype=pl.String),
        pl.Series("c", [None, None]),
        pl.Series("c", [None], dtype=pl.String),
        pl.Series("c", [""], dtype=pl.String),
    ],
    ids=["empty", "null-dtype", "one-null", "one-empty"],
)
def test_empty_and_null_series(
    function: Callable[[pl.Series], pl.Series], series: pl.Series
) -> None:
    result = function(series)
    assert len(result) == len(series)
    expected = False if function is is_cancelled_status else None
    assert result.to_list() == [expected] * len(series)


def test_all_null_results() -> None:
    column = pl.Series("c", [None, None, None], dtype=pl.String)
    number = parse_number(column)
    assert (number.unparsed, number.decimal_comma) == (0, False)
    date = parse_date(column)
    assert (date.unparsed, date.day_first, date.ambiguous, date.month_rows) == (
        0,
        None,
        False,
        False,
    )


# --- vectorised speed (a smoke test; the real target is 1,000,000 values < 1 s) -------------


def test_large_columns_are_fast() -> None:
    n = 200_000
    numbers = pl.Series("n", [f"{i % 997} {i % 1000:03d},{i % 100:02d} zł" for i in range(n)])
    dates = pl.Series(
        "d", [f"{i % 28 + 1:02d}.{i % 12 + 1:02d}.2024 {i % 24}:{i % 60:02d}" for i in range(n)]
    )
    start = time.perf_counter()
    number = parse_number(numbers)
    date = parse_date(dates)
    elapsed = time.perf_counter() - start
    assert number.unparsed == 0 and date.unparsed == 0
    assert number.values[1] == 1001.01 and date.values[1] == datetime(2024, 2, 2, 1, 1)
    assert elapsed < 4.0


# --- the real exports (skipped when the folder is absent) ------------------------------------


def read_real(path: str, encoding: str = "utf8", skip_rows: int = 0) -> pl.DataFrame:
    file = REAL / path
    if not file.exists():
        pytest.skip("real exports not available")
    data = file.read_bytes().decode(encoding).encode()
    return pl.read_csv(data, infer_schema=False, skip_rows=skip_rows)


def test_real_google_ads_numbers() -> None:
    frame = read_real("google_ads_calpreserving/Campaign report.csv", skip_rows=2)
    impressions = parse_number(frame["Impr."])
    assert impressions.values[0] == 795836.0
    assert impressions.unparsed == 0
    lost = parse_number(frame["Search lost IS (rank)"])
    assert lost.unparsed == 0 and 90.0 in lost.values.to_list()


def test_real_kaggle_and_uci_dates() -> None:
    kaggle = parse_date(
        read_real("kaggle_sales_data_sample/sales_data_sample.csv", "latin-1")["ORDERDATE"]
    )
    assert (kaggle.values[0], kaggle.day_first, kaggle.unparsed) == (
        datetime(2003, 2, 24),
        False,
        0,
    )
    uci = parse_date(
        read_real("uci_online_retail_excerpt/OnlineRetail.csv").get_column("InvoiceDate")
    )
    assert uci.values[0] == datetime(2010, 12, 1, 8, 26) and uci.day_first is False


def test_real_salesforce_tasks_and_opportunities() -> None:
    tasks = read_real("salesforce_data_export_winkel/Task.csv", "latin-1")
    types = activity_type(tasks["Type"], tasks["Subject"])
    email_subjects = tasks["Subject"].str.starts_with("Email").fill_null(False)
    assert int(email_subjects.sum()) == 308
    assert types.filter(email_subjects).unique().to_list() == ["email"]
    assert activity_outcome(tasks["Status"]).value_counts().sort("Status").rows() == [
        ("completed", 475),
        ("scheduled", 32),
    ]
    deals = read_real("salesforce_data_export_winkel/Opportunity.csv", "latin-1")
    status = deal_status(deals["StageName"]).value_counts().sort("StageName").rows()
    assert status == [("lost", 203), ("open", 146), ("won", 163)]
    assert parse_fraction(deals["Probability"]).max() == 1.0
