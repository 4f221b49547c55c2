"""Dates and date-times written as text (vectorised Polars expressions).

`parse_date` reads a whole column at once: the order of day and month is decided once for the
column from its values and never swapped between rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from kpi_engine.ingest.clean_text import PLACEHOLDERS


@dataclass(frozen=True)
class DateResult:
    values: pl.Series  # Datetime("us"), naive, null when empty or unparseable
    day_first: bool | None  # the column's dd/mm decision; None when no value needed it
    ambiguous: bool  # dd/mm vs mm/dd not decidable from the values (a default was taken)
    month_rows: bool  # every parsed value was a month without a day ("Jan 2024") -> day 1
    unparsed: int  # non-empty cells that are not a date
    format: str  # short description for messages, e.g. "dd.mm.yyyy hh:mm"


def _month_names() -> dict[str, int]:
    forms = (
        # English, German, Swedish, Spanish, French
        "january jan januar jänner jän januari enero ene janvier janv",
        "february feb februar feber februari febrero février fevrier févr fevr fév fev",
        "march mar märz maerz mär mrz mars marzo",
        "april apr abril abr avril avr",
        "may mai maj mayo",
        "june jun juni junio juin",
        "july jul juli julio juillet juil",
        "august aug augusti agosto ago août aout",
        "september sep sept septiembre setiembre set septembre",
        "october oct oktober okt octubre octobre",
        "november nov noviembre novembre",
        "december dec dezember dez diciembre dic décembre decembre déc",
    )
    polish = (
        "styczeń styczen stycznia styczniu sty",
        "luty lutego lutym lut",
        "marzec marca marcu",
        "kwiecień kwiecien kwietnia kwietniu kwi",
        "maja maju",
        "czerwiec czerwca czerwcu cze",
        "lipiec lipca lipcu lip",
        "sierpień sierpien sierpnia sierpniu sie",
        "wrzesień wrzesien września wrzesnia wrześniu wrzesniu wrz",
        "październik pazdziernik października pazdziernika październiku pazdzierniku paź paz",
        "listopad listopada listopadzie lis",
        "grudzień grudzien grudnia grudniu gru",
    )
    russian = (  # nominative, genitive ("1 марта"), prepositional ("в марте"), abbreviation
        "январь января январе янв",
        "февраль февраля феврале фев",
        "март марта марте мар",
        "апрель апреля апреле апр",
        "май мая мае",
        "июнь июня июне июн",
        "июль июля июле июл",
        "август августа августе авг",
        "сентябрь сентября сентябре сен сент",
        "октябрь октября октябре окт",
        "ноябрь ноября ноябре ноя",
        "декабрь декабря декабре дек",
    )
    numerals = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二")
    chinese = [f"{n}月" for n in numerals]
    names: dict[str, int] = {}
    for group in (forms, polish, russian):
        for month, words in enumerate(group, start=1):
            names.update(dict.fromkeys(words.split(), month))
    names.update({word: month for month, word in enumerate(chinese, start=1)})
    return names


MONTHS: dict[str, int] = _month_names()

# A range "2024-10-01 - 2024-10-30", "01.10.2024–30.10.2024": everything after its start goes.
_RANGE_MARKS = [" - ", "–", "—", "~", " to ", " bis ", " до "]
_RANGE_TAIL = r"(?i)(\S)(?:\s+(?:[-–—~]|to|bis|до)\s+\S.*|\s*[–—~].*)$"
_NUMERIC_RANGE = r"^(\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{4}-\d{1,2}-\d{1,2})-\d.*$"
# A time at the end, after a space or ISO's "T", with am/pm and an offset or zone that is
# dropped (the wall-clock time is kept, not converted). _TIME_TAIL finds it, _TIME reads it.
_TIME_TAIL = (
    r"(?i)(?:\s+|t)\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:\s*[ap]\.?m\.?)?"
    r"\s*(?:z|utc|gmt|[+-]\d{2}(?::?\d{2})?)?$"
)
_TIME = (
    r"(?i)^(?:\s+|t)(?P<hh>\d{1,2}):(?P<mi>\d{2})(?::(?P<ss>\d{2})(?:[.,](?P<frac>\d{1,9}))?)?"
    r"(?:\s*(?P<ampm>[ap])\.?m\.?)?"
)

_ISO = r"^(?P<iy>\d{4})[-/.](?P<im>\d{1,2})[-/.](?P<id>\d{1,2})$"
_DMY = r"^(?P<a>\d{1,2})(?P<sep>[-/.])(?P<b>\d{1,2})(?P<sep2>[-/.])(?P<yr>\d{4}|\d{2})\.?$"
_WORD = r"(?P<mon>[^\W\d_]+)\.?"
_YEAR_SUFFIX = r"(?:\s*(?:г|года|год|r|roku)\.?)?"
# The other forms, tried on what ISO and dd/mm leave: groups y (year; yy / y2: two digits),
# m (month number) or mon (month word), d (day; absent = a month row, day 1).
_PATTERNS: dict[str, str] = {
    "cn": r"^(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月(?:\s*(?P<d>\d{1,2})\s*[日号])?$",
    "cn_month": r"^(?P<m>\d{1,2})\s*月\s*(?P<y>\d{4})\s*年?$",
    "day_month_year": rf"^(?P<d>\d{{1,2}})(?:\.|st|nd|rd|th)?[\s\-/]*{_WORD},?[\s\-/]*"
    rf"(?P<y>\d{{4}}|\d{{2}}){_YEAR_SUFFIX}$",
    "month_day_year": rf"^{_WORD}[\s\-/]*(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s*(?P<y>\d{{4}})$",
    "month_year": rf"^{_WORD},?(?:[\s\-/]*(?P<y>\d{{4}})|\s*['’](?P<yy>\d{{2}})|-(?P<y2>\d{{2}}))"
    rf"{_YEAR_SUFFIX}$",
    "year_month_word": rf"^(?P<y>\d{{4}})[\s\-/.]*{_WORD}$",
    "year_month": r"^(?P<y>\d{4})[-/](?P<m>\d{1,2})$",
    "month_slash_year": r"^(?P<m>\d{1,2})[-/](?P<y>\d{4})$",
}
_MONTH_KINDS = [
    "month_year", "year_month_word", "year_month", "month_slash_year", "cn_year_month", "cn_month"
]  # fmt: skip
_DESCRIPTIONS = {
    "iso": "yyyy-mm-dd",
    "cn": "yyyy年m月d日",
    "cn_year_month": "yyyy年m月",
    "cn_month": "m月 yyyy",
    "day_month_year": "d month yyyy",
    "month_day_year": "month d, yyyy",
    "month_year": "month yyyy",
    "year_month_word": "yyyy month",
    "year_month": "yyyy-mm",
    "month_slash_year": "mm/yyyy",
    "compact": "yyyymmdd",
    "serial": "Excel serial number",
}
_EXCEL_EPOCH_DAYS = 25569  # 1899-12-30 -> 1970-01-01
_SERIAL_RANGE = (20000, 80000)  # 1954-10-03 .. 2119-01-10
_ZERO = pl.lit(0, pl.Int32)


def _int(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.Int32, strict=False)


def _full_year(year: pl.Expr) -> pl.Expr:
    """Two-digit years: < 70 -> 20yy, else 19yy."""
    y = _int(year)
    return pl.when(year.str.len_chars() > 2).then(y).when(y < 70).then(y + 2000).otherwise(y + 1900)


def _day(y: pl.Expr, m: pl.Expr, d: pl.Expr) -> pl.Expr:
    """Midnight of a date from integer parts; null when out of range (31.02, month 13)."""
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    days = (
        pl.when(m == 2)
        .then(28 + leap.cast(pl.Int32))
        .when(m.is_in([4, 6, 9, 11]))
        .then(30)
        .otherwise(31)
    )
    ok = y.is_between(1000, 9999) & m.is_between(1, 12) & d.is_between(1, days)
    return pl.datetime(pl.when(ok).then(y), pl.when(ok).then(m), pl.when(ok).then(d))


def _other_forms(frame: pl.DataFrame) -> pl.DataFrame:
    """Columns y, m, d, kind from `_PATTERNS` (month words, 年月, yyyy-mm ...) for column t."""
    found = []
    for kind, pattern in _PATTERNS.items():
        groups = frame.select(g=pl.col("t").str.extract_groups(pattern)).unnest("g")
        names = set(groups.columns)
        if "mon" in names:
            month = pl.col("mon").replace_strict(MONTHS, default=None, return_dtype=pl.Int32)
        else:
            month = _int(pl.col("m"))
        year = _full_year(pl.coalesce("y", "yy", "y2") if "yy" in names else pl.col("y"))
        day = _int(pl.col("d")) if "d" in names else pl.lit(None, pl.Int32)
        label = pl.lit(kind)
        if kind == "cn":  # "2024年3月" without a day is a month row
            label = pl.when(day.is_null()).then(pl.lit("cn_year_month")).otherwise(label)
        ok = month.is_not_null() & year.is_not_null()
        found.append(
            groups.select(
                y=pl.when(ok).then(year),
                m=pl.when(ok).then(month),
                d=pl.when(ok).then(day.fill_null(1)),
                kind=pl.when(ok).then(label),
            )
        )
    return pl.DataFrame(
        {c: pl.select(pl.coalesce([f[c] for f in found])).to_series() for c in found[0].columns}
    )


def _decide_day_first(frame: pl.DataFrame) -> tuple[bool | None, bool]:
    """(day_first, ambiguous) from the dd/mm-or-mm/dd texts of the column (see `parse_date`)."""
    a, b, n = _int(pl.col("a")), _int(pl.col("b")), pl.col("n")
    dmy = pl.col("dmy")
    votes = frame.select(
        rows=n.filter(dmy).sum(),
        day_first=n.filter(dmy & a.is_between(13, 31) & (b <= 12)).sum(),
        month_first=n.filter(dmy & b.is_between(13, 31) & (a <= 12)).sum(),
        slash=n.filter(dmy & (pl.col("sep") == "/")).sum(),
    ).row(0, named=True)
    if not votes["rows"]:
        return None, False
    by_separator = votes["slash"] * 2 <= votes["rows"]  # mostly "." or "-": day first
    if votes["day_first"] == votes["month_first"]:
        return by_separator, votes["day_first"] == 0
    return votes["day_first"] > votes["month_first"], False


def _read_dates(texts: pl.DataFrame, timed: bool) -> tuple[pl.DataFrame, bool | None, bool]:
    """Parse the distinct date parts (columns `date`, `n` = rows).

    Returns (frame with date, day, kind, empty, sep, yr), day_first, ambiguous."""
    t = pl.col("date").str.replace_all(r"\s{2,}|[^\S ]", " ").str.strip_chars().str.to_lowercase()
    frame = texts.with_columns(t=t.str.replace(_NUMERIC_RANGE, "${1}"))
    frame = frame.with_columns(empty=pl.col("t").is_in(PLACEHOLDERS) | pl.col("t").is_null())
    filled = frame.filter(~pl.col("empty"))
    if not timed and filled.height:
        tf = pl.col("t")
        if filled.select(tf.str.contains(r"^\d{8}$").all()).item():
            parts = [_int(tf.str.slice(0, 4)), _int(tf.str.slice(4, 2)), _int(tf.str.slice(6, 2))]
            compact = frame.with_columns(day=_day(*parts), kind=pl.lit("compact"))
            if compact.filter(~pl.col("empty"))["day"].null_count() == 0:
                return compact, None, False
        if filled.select(tf.str.contains(r"^\d+(?:\.\d+)?$").all()).item():
            days = tf.cast(pl.Float64, strict=False)
            seconds = ((days - _EXCEL_EPOCH_DAYS) * 86_400).round(0)
            day = pl.when(days.is_between(*_SERIAL_RANGE)).then(
                seconds.cast(pl.Int64, strict=False) * 1_000_000)
            serial = frame.with_columns(day=day.cast(pl.Datetime("us")), kind=pl.lit("serial"))
            return serial, None, False

    frame = (
        frame.with_columns(
            iso=pl.col("t").str.extract_groups(_ISO), dmy=pl.col("t").str.extract_groups(_DMY)
        )
        .unnest("iso", "dmy")
        .with_columns(dmy=pl.col("a").is_not_null() & (pl.col("sep") == pl.col("sep2")))
    )
    day_first, ambiguous = _decide_day_first(frame)
    a, b, iso, dmy = _int(pl.col("a")), _int(pl.col("b")), pl.col("iy").is_not_null(), pl.col("dmy")
    frame = frame.with_columns(
        y=pl.when(iso).then(_int(pl.col("iy"))).when(dmy).then(_full_year(pl.col("yr"))),
        m=pl.when(iso).then(_int(pl.col("im"))).when(dmy).then(b if day_first else a),
        d=pl.when(iso).then(_int(pl.col("id"))).when(dmy).then(a if day_first else b),
        kind=pl.when(iso).then(pl.lit("iso")).when(dmy).then(pl.lit("dmy")),
    )
    rest = pl.col("kind").is_null() & ~pl.col("empty")
    if frame.select(rest.any()).item():
        other = _other_forms(frame.select("t"))
        frame = frame.with_columns(
            pl.when(rest).then(other[c]).otherwise(pl.col(c)).alias(c) for c in other.columns
        )
    frame = frame.with_columns(day=_day(pl.col("y"), pl.col("m"), pl.col("d")))
    return frame, day_first, ambiguous


def _read_times(times: pl.Series) -> pl.DataFrame:
    """Time texts -> columns time, us (microseconds into the day; null if invalid), seconds."""
    frame = pl.DataFrame({"time": times})
    text = pl.col("time").str.strip_chars_start(" \t\xa0tT")
    quick = text.str.strptime(pl.Time, "%H:%M:%S%.f", strict=False, cache=False)
    quick = frame.select(
        "time", us=quick.cast(pl.Int64) // 1000, seconds=pl.col("time").is_not_null()
    )
    if quick["us"].null_count() == times.null_count():  # all "hh:mm:ss[.ffffff]": done
        return quick
    frame = frame.with_columns(g=pl.col("time").str.extract_groups(_TIME))
    frame = frame.unnest("g")
    hour, ampm = _int(pl.col("hh")), pl.col("ampm").str.to_lowercase()
    hour = (
        pl.when(ampm.is_null())
        .then(hour)
        .when(~hour.is_between(1, 12))
        .then(pl.lit(None, pl.Int32))  # "13:00 pm" is not a time
        .when(ampm == "p")
        .then(hour % 12 + 12)
        .otherwise(hour % 12)
    )
    minute, second = _int(pl.col("mi")), _int(pl.col("ss")).fill_null(_ZERO)
    micro = _int(pl.col("frac").str.pad_end(6, "0").str.slice(0, 6)).fill_null(_ZERO)
    ok = hour.is_between(0, 23) & minute.is_between(0, 59) & second.is_between(0, 59)
    us = ((hour * 60 + minute) * 60 + second).cast(pl.Int64) * 1_000_000 + micro
    return frame.select("time", us=pl.when(ok).then(us), seconds=pl.col("ss").is_not_null())


def _describe(parsed: pl.DataFrame, day_first: bool | None) -> str:
    """A description such as "dd.mm.yyyy hh:mm", the most frequent form first."""
    if parsed.height == 0:
        return ""
    texts = []
    for kind in parsed["kind"].value_counts(sort=True)["kind"]:
        if kind != "dmy":
            texts.append(_DESCRIPTIONS[kind])
            continue
        rows = parsed.filter(pl.col("kind") == "dmy")
        sep = rows["sep"].mode().sort()[0]
        year = "yy" if (rows["yr"].str.len_chars() == 2).mean() > 0.5 else "yyyy"
        first, second = ("dd", "mm") if day_first else ("mm", "dd")
        texts.append(f"{first}{sep}{second}{sep}{year}")
    text = " / ".join(texts)
    if parsed["time"].is_not_null().any():
        text += " hh:mm:ss" if parsed["seconds"].any() else " hh:mm"
    return text


_ISO_FORMS = (
    (r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$", "%Y-%m-%d %H:%M:%S", "yyyy-mm-dd hh:mm:ss"),
    (r"^\d{4}-\d{2}-\d{2}$", "%Y-%m-%d", "yyyy-mm-dd"),
)


def _iso_fast_path(s: pl.Series) -> DateResult | None:
    """Every non-empty cell in one ISO form (what Excel readers and databases write)."""
    frame = pl.DataFrame({"t": s.cast(pl.String)})
    t = pl.col("t")
    filled = t.is_not_null() & (t.str.len_bytes() > 0)
    n_filled = int(frame.select(filled.sum()).item())
    if n_filled == 0:
        return None
    for _pattern, fmt, text in _ISO_FORMS:
        # strptime is exact: every filled cell read means every cell has this form
        values = frame.select(
            t.str.to_datetime(fmt, time_unit="us", strict=False).alias(s.name)
        ).to_series()
        if len(s) - values.null_count() == n_filled:
            return DateResult(values=values, day_first=None, ambiguous=False, month_rows=False,
                              unparsed=0, format=text)
    return None


def parse_date(s: pl.Series) -> DateResult:
    """Read a column of dates or date-times written as text; see `DateResult`.

    Forms: ISO "2024-01-31", "2024-01-31 13:45:00", "2024-01-31T13:45:00.123456" (an offset or
    zone, "+0200", "Z", "+02:00", is dropped: the local wall-clock time is kept); "31.01.2024",
    "2/24/2003 0:00", "12/1/10 8:26" (two-digit years: < 70 -> 20yy, else 19yy), "1:30 PM";
    "20240131" (only when every value of the column is 8 digits and a valid date); Excel serial
    days "41587", "45000.5" (only when every value is a plain number; 20000-80000, so "2.1" is
    never a date); month words in English, Polish, Russian, Swedish, German, Spanish, French in
    any case and grammatical form ("Jan 2024", "2024 Jan", "marzec 2024", "Февраль 2022 г.",
    "März 2024", "15 stycznia 2024", "Jan 15, 2024", "Jan-24" = January 2024); "2024年3月",
    "2024年3月15日", "3月 2024"; "2024-03", "03/2024"; a range "2024-10-01 - 2024-10-30" or
    "01.10.2024–30.10.2024" gives its start. A month without a day is its first day; a month
    word without a year is not a date; an invalid date (31.02.2024) is null.

    Day and month ("05/03/2024") are decided once for the column: rows whose first part is
    13-31 (second <= 12) vote day-first, rows whose second part is 13-31 vote month-first, the
    larger vote wins. Without votes (or on a tie) the separator decides: day-first for "." and
    "-", month-first for "/" (the most frequent separator of those rows); without any vote
    `ambiguous` is True so the caller can warn. Rows that contradict the decision are null.
    """
    fast = _iso_fast_path(s)
    if fast is not None:
        return fast
    rows = pl.DataFrame({"t": s.cast(pl.String)}).select(pl.col("t").str.strip_chars())
    if rows.select(pl.col("t").str.contains_any(_RANGE_MARKS).any()).item():
        rows = rows.with_columns(pl.col("t").str.replace(_RANGE_TAIL, "${1}"))
    rows = rows.with_columns(time=pl.col("t").str.extract(_TIME_TAIL, 0))
    rows = rows.with_columns(
        date=pl.col("t").str.strip_suffix(pl.col("time").fill_null("")).str.strip_chars()
    )
    texts = rows.group_by("date").len("n").filter(pl.col("date").is_not_null())
    timed = rows["time"].null_count() < rows.height
    dates, day_first, ambiguous = _read_dates(texts, timed)
    keep = ["date", "day", "kind", "empty"] + [c for c in ("sep", "yr") if c in dates.columns]
    rows = rows.join(dates.select(keep), on="date", how="left", maintain_order="left")
    distinct_times = rows.select(pl.col("time").approx_n_unique()).item()
    if distinct_times * 2 < rows.height:  # repeated times ("0:00", minutes): read each once
        times = _read_times(rows["time"].drop_nulls().unique())
        rows = rows.join(times, on="time", how="left", maintain_order="left")
    else:
        rows = pl.concat([rows, _read_times(rows["time"]).drop("time")], how="horizontal")

    value = pl.when(pl.col("time").is_null()).then("day")
    value = value.otherwise(pl.col("day") + pl.duration(microseconds=pl.col("us")))
    filled = (~pl.col("empty") | pl.col("time").is_not_null()).fill_null(False)
    rows = rows.with_columns(value=value, filled=filled)
    parsed = rows.filter(pl.col("value").is_not_null())
    return DateResult(
        values=rows["value"].alias(s.name),
        day_first=day_first,
        ambiguous=ambiguous,
        month_rows=parsed.height > 0 and parsed["kind"].is_in(_MONTH_KINDS).all(),
        unparsed=int(rows["filled"].sum()) - parsed.height,
        format=_describe(parsed, day_first),
    )
