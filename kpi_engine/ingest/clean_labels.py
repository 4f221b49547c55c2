"""Closed vocabularies read from free text in many languages: deal status, activity type and
outcome, cancelled order status (vectorised Polars expressions)."""

from __future__ import annotations

import re

import polars as pl

from kpi_engine.ingest.clean_text import apply_expr, key, per_distinct

# Deal status words. A status or stage is compared lower-cased with "_", "-", ":", "/", "|",
# ".", ",", brackets and runs of spaces turned into one space. A word starts at the text's start
# or after a non-word character: "(?:^|\W)" (Unicode "\b" is much slower in Polars' regex).
_WON = "|".join(
    (
        r"^(?:closed|close|deal|opportunity)? ?(?:won|win)(?: |$)",  # Won, Closed Won, closedwon
        r"(?:^|\W)won$",  # Contract won
        r"(?:^|\W)wygran",  # Wygrana, Zamknięta wygrana
        r"(?:^|\W)выигран",
        r"^успешн",  # Успешно реализовано (amoCRM)
        r"(?:^|\W)vunn",  # Vunnen, Vunnet
        r"(?:^|\W)gewonnen",
        r"^(?:cerrad[ao] )?ganad",  # Spanish Salesforce: Cerrada ganada
        r"(?:^|\W)gagn",  # French: Gagné
        r"赢单|成交|赢得",
    )
)
_LOST = "|".join(
    (
        r"^(?:closed|close|deal|opportunity)? ?(?:lost|loss)(?: |$)",  # Lost, Closed Lost, closedlost
        r"(?:^|\W)lost$",
        r"(?:^|\W)przegran",
        r"(?:^|\W)utracon",
        r"(?:^|\W)проигран",
        r"^отказ",
        r"(?:^|\W)не реализован",  # Закрыто и не реализовано (amoCRM)
        r"(?:^|\W)förlora",  # Förlorad, Förlorat
        r"(?:^|\W)verloren",
        r"^(?:cerrad[ao] )?perdid",
        r"(?:^|\W)perdu",
        r"输单|丢单|输了",
    )
)
_OPEN = r"^(?:open|otwart|открыт|öppe|offen|abiert|ouvert|in progress|进行中|跟进中)"


def _words(expr: pl.Expr) -> pl.Expr:
    """Lower-case with separators as single spaces: "Closed_Won - x" -> "closed won x"."""
    return key(expr).str.replace_all(r"[\s_\-–—:/|.,()]+", " ").str.strip_chars()


def _won_or_lost(words: pl.Expr) -> pl.Expr:
    won = pl.when(words.str.contains(_WON)).then(pl.lit("won"))
    return won.when(words.str.contains(_LOST)).then(pl.lit("lost"))


def deal_status(stage: pl.Series, status: pl.Series | None = None) -> pl.Series:
    """Each deal's status, open / won / lost: from its status cell, else from its stage name.

    A status or stage is won when it starts with won / win / closed won / closedwon / deal won
    (or ends with "won"), or has a word starting wygran, выигран, vunn, gewonnen, gagn, or
    starts with успешн, (cerrada) ganad, or contains 赢单 / 成交; lost likewise with lost /
    loss / closed lost, przegran, utracon, проигран, förlora, verloren, perdu, (cerrada)
    perdid, "не реализован", a leading отказ, 输单 / 丢单. So "Closed Won - Contract signed" is
    won and a stage "Lost interest" is lost (it starts with "lost"); an English won/lost in
    the middle of a longer text ("Proposal lost in review") is not searched. A status saying open
    (open, otwarta, открыта, öppen, offen, abierta, 进行中 ...) is open; any other status falls
    back to the stage. A non-empty stage that is neither won nor lost is open; with both
    empty, null; an unrecognised status with an empty stage is open.
    """
    missing = pl.Series([None] * len(stage), dtype=pl.String)
    frame = pl.DataFrame(
        {
            "stage": stage.cast(pl.String),
            "status": missing if status is None else status.cast(pl.String),
        }
    )
    stage_words, status_words = pl.col("stage"), pl.col("status")
    from_status = pl.coalesce(
        _won_or_lost(status_words), pl.when(status_words.str.contains(_OPEN)).then(pl.lit("open"))
    )
    from_stage = pl.when(stage_words != "").then(
        pl.coalesce(_won_or_lost(stage_words), pl.lit("open"))
    )
    unknown_status = pl.when(status_words != "").then(pl.lit("open"))
    result = pl.coalesce(from_status, from_stage, unknown_status).alias(stage.name)

    def compute(rows: pl.DataFrame) -> pl.Series:
        words = rows.select(_words(pl.col("stage")), _words(pl.col("status")))
        return words.select(result).to_series()

    return per_distinct(frame, compute)


# Activity types. Subject words are the catalogue's (activities.subject), searched where a
# word begins; Chinese anywhere. Additions (Spanish, seen in a Salesforce export): llamad,
# llamar -> call; reuni (reunión) -> meeting; seguimiento -> follow_up.
_SUBJECT_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "call": (
        (
            "call", "phone", "telefon", "rozmow", "dzwon", "звон", "позвон", "телефон", "samtal",
            "ring", "anruf", "rückruf", "llamad", "llamar",
        ),
        ("电话", "通话", "致电"),
    ),
    "email": (
        ("e-mail", "email", "mail", "wiadomo", "письм", "почт", "e-post", "mejl"),
        ("邮件", "电邮"),
    ),
    "meeting": (
        (
            "meeting", "spotkan", "встреч", "möte", "termin", "besprechung", "treffen", "reuni",
        ),
        ("会议", "会面", "见面"),
    ),
    "follow_up": (("seguimiento",), ()),
}  # fmt: skip
# In a type cell these win over the subject words (checked first, in this order).
_TYPE_FIRST: dict[str, str] = {
    "follow_up": r"(?:^|\W)(?:follow ?-?up|seguimiento|kontynuacj|повторн|uppfölj|nachfass"
    r"|wiedervorlage)|跟进|回访",
    "demo": r"(?:^|\W)(?:demo|prezentacj|демонстрац)|演示",
    "onboarding": r"(?:^|\W)(?:onboard|wdroż|wdroz|внедрен)",
}


_SUBJECT_PATTERN = (
    r"(?:^|\W)(?:"
    + "|".join(re.escape(word) for words, _ in _SUBJECT_WORDS.values() for word in words)
    + ")|"
    + "|".join(re.escape(word) for _, anywhere in _SUBJECT_WORDS.values() for word in anywhere)
)
_SUBJECT_TYPES = {
    word: kind for kind, groups in _SUBJECT_WORDS.items() for group in groups for word in group
}


def _first_type(text: pl.Expr) -> pl.Expr:
    """The type whose word occurs first in the (lower-case) text, else null."""
    word = text.str.extract(_SUBJECT_PATTERN, 0).str.replace(r"^\W", "")  # the leftmost word
    return word.replace_strict(_SUBJECT_TYPES, default=None, return_dtype=pl.String)


def activity_type(type_: pl.Series | None, subject: pl.Series | None) -> pl.Series:
    """call / email / meeting / demo / onboarding / follow_up / other for each activity.

    From the type cell when it is not empty: follow-up words first (follow-up, seguimiento,
    kontynuacja, повторная, uppföljning, nachfassen, 跟进), then demo (demo, prezentacja,
    демонстрация, 演示), onboarding (onboarding, wdrożenie, внедрение), then the call / email /
    meeting word occurring first (as for subjects); anything else -> other. When the type is
    empty, from the subject exactly as the catalogue says: the type whose word occurs first
    where a word of the subject begins (Chinese anywhere), none -> other; no subject either ->
    null. Added to the catalogue's words: Spanish llamada / llamar (call), reunión (meeting),
    seguimiento (follow_up).
    """
    if type_ is None and subject is None:
        return pl.Series("type", [], dtype=pl.String)
    reference = type_ if type_ is not None else subject
    assert reference is not None
    missing = pl.Series([None] * len(reference), dtype=pl.String)
    frame = pl.DataFrame(
        {
            "type": missing if type_ is None else type_.cast(pl.String),
            "subject": missing if subject is None else subject.cast(pl.String),
        }
    )
    type_text, subject_text = pl.col("type"), pl.col("subject")
    from_type = pl.lit(None, pl.String)
    for kind, pattern in reversed(_TYPE_FIRST.items()):
        from_type = pl.when(type_text.str.contains(pattern)).then(pl.lit(kind)).otherwise(from_type)
    from_type = pl.coalesce(from_type, _first_type(type_text), pl.lit("other"))
    from_subject = pl.coalesce(_first_type(subject_text), pl.lit("other"))
    filled = pl.col("filled_type"), pl.col("filled_subject")
    result = pl.when(filled[0]).then(from_type).when(filled[1]).then(from_subject)

    def compute(rows: pl.DataFrame) -> pl.Series:
        texts = rows.select(
            pl.col("type", "subject").str.to_lowercase().str.replace_all("_", " ", literal=True),
            filled_type=pl.col("type").str.strip_chars() != "",
            filled_subject=pl.col("subject").str.strip_chars() != "",
        )
        return texts.select(result.alias(reference.name)).to_series()

    return per_distinct(frame, compute)


_OUTCOMES: dict[str, tuple[str, ...]] = {
    "completed": (
        "completed", "complete", "done", "held", "attended", "finished", "zakończone",
        "zakonczone", "wykonane", "wykonano", "odbyło się", "odbylo sie", "выполнено",
        "выполнена", "завершено", "завершена", "состоялась", "состоялось", "genomförd",
        "genomfört", "klar", "erledigt", "abgeschlossen", "已完成", "完成",
    ),
    "no_show": (
        "no show", "noshow", "nie przyszedł", "nie przyszedl", "nie przyszła", "nie przyszla",
        "не пришел", "не пришёл", "не пришла", "uteblev", "nicht erschienen",
    ),
    "cancelled": (
        "cancelled", "canceled", "anulowane", "anulowano", "odwołane", "odwolane", "отменено",
        "отменена", "отменён", "отменен", "avbokad", "avbokat", "inställd", "abgesagt",
        "storniert", "已取消", "取消",
    ),
    "scheduled": (
        "scheduled", "planned", "open", "not started", "in progress", "zaplanowane",
        "zaplanowano", "запланировано", "запланирована", "bokad", "bokat", "planerad",
        "geplant", "计划", "已计划",
    ),
    "opened": ("opened", "otwarty", "otwarte", "открыто", "открыт", "öppnad", "öppnat", "geöffnet"),
    "replied": (
        "replied", "answered", "odpowiedział", "odpowiedzial", "odpowiedziano", "ответил",
        "ответила", "отвечено", "besvarad", "besvarat", "beantwortet",
    ),
    "bounced": (
        "bounced", "odbity", "odbite", "недоставлено", "не доставлено", "studsade", "studsat",
        "unzustellbar",
    ),
}  # fmt: skip
_OUTCOME_MAP = {word: outcome for outcome, words in _OUTCOMES.items() for word in words}


def activity_outcome(s: pl.Series) -> pl.Series:
    """completed / no_show / cancelled / scheduled / opened / replied / bounced from free text
    in many languages (Completed, Not Started, In Progress, no-show, Zakończone, Отменено,
    Avbokad, Abgesagt, 已取消 ...); "_" and "-" count as spaces. Any other value is kept
    lower-cased with spaces collapsed ("Waiting on someone else"); empty -> null."""
    text = pl.col("text")
    lookup = text.str.replace_all(r"[\s_\-]+", " ")
    mapped = lookup.replace_strict(_OUTCOME_MAP, default=None, return_dtype=pl.String)
    result = pl.coalesce(mapped, text.replace("", None)).alias(s.name)

    def compute(rows: pl.DataFrame) -> pl.Series:
        return rows.select(text=key(pl.col("s"))).select(result).to_series()

    return per_distinct(pl.DataFrame({"s": s.cast(pl.String)}), compute)


_CANCELLED = (
    "cancelled", "canceled", "refunded", "voided", "void", "returned",
    "anulowane", "anulowany", "anulowana", "anulowano", "zwrócone", "zwrócony", "zwrócona",
    "zwrocone", "zwrocony", "zwrocona", "zwrot",
    "отменен", "отменено", "отменена", "отменены", "возврат", "возвращен", "возвращено",
    "annullerad", "annullerat", "annullerade", "returnerad", "returnerat", "återbetald",
    "återbetalad", "återbetalt",
    "storniert", "erstattet", "zurückerstattet", "retourniert", "zurückgegeben",
    "已取消", "已退款", "退货", "已退货", "取消", "退款",
    "cancelado", "cancelada", "reembolsado", "devuelto", "annulé", "annulée", "remboursé",
    "retourné",
)  # fmt: skip


def is_cancelled_status(s: pl.Series) -> pl.Series:
    """True when the whole status (trimmed, case-folded, ё read as е) is a cancel / refund /
    void / return word in one of the export languages (cancelled, refunded, voided, void,
    returned, Anulowane, Zwrócone, Отменён, Возврат, Annullerad, Returnerad, Storniert,
    Erstattet, 已取消, 已退款 ...); a value only containing one ("Refund pending",
    "partially_refunded") and null are False."""
    text = key(pl.col("s")).str.replace_all("ё", "е", literal=True)
    return apply_expr(s, text.is_in(_CANCELLED).fill_null(False))
