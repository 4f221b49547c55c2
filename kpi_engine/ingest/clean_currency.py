"""Currencies: symbols, local words and ISO 4217 codes to ISO codes."""

from __future__ import annotations

import re
import unicodedata

import polars as pl

from kpi_engine.ingest.clean_text import apply_expr, key

# Active ISO 4217 codes (a money cell "12 pcs" must not read "PCS" as a currency).
_ISO_TEXT = """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN
    BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP
    GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS
    KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR
    MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF
    SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD
    TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL"""
ISO_CODES: frozenset[str] = frozenset(_ISO_TEXT.split())

# Codes common enough to be recognised in a header whatever their case ("Kwota pln").
_COMMON_TEXT = """USD EUR GBP PLN SEK NOK DKK CHF RUB CNY JPY CZK HUF UAH CAD AUD NZD MXN BRL COP PEN CLP
    ARS INR ZAR TRY RON BGN HKD SGD KRW"""
COMMON_CODES: frozenset[str] = frozenset(_COMMON_TEXT.split())

# Symbols and local words, lower-case, without dots. "kr" is read as SEK and "¥" as CNY (the
# crowns of Norway/Denmark and the Japanese yen need their ISO code, or "円").
CURRENCY_WORDS: dict[str, str] = {
    "$": "USD", "us$": "USD", "usd$": "USD", "dollar": "USD", "dollars": "USD",
    "€": "EUR", "euro": "EUR", "euros": "EUR",
    "£": "GBP",
    "zł": "PLN", "zl": "PLN", "złoty": "PLN", "zloty": "PLN", "złotych": "PLN", "zlotych": "PLN",
    "kr": "SEK", "kronor": "SEK",
    "₽": "RUB", "руб": "RUB", "р": "RUB", "рубль": "RUB", "рублей": "RUB", "рубля": "RUB",
    "¥": "CNY", "￥": "CNY", "元": "CNY", "rmb": "CNY", "人民币": "CNY",
    "円": "JPY",
    "sfr": "CHF",
    "a$": "AUD", "au$": "AUD", "c$": "CAD", "ca$": "CAD", "hk$": "HKD", "nz$": "NZD",
    "s$": "SGD", "mx$": "MXN", "r$": "BRL",
    "₹": "INR", "₩": "KRW", "₺": "TRY", "₴": "UAH", "грн": "UAH", "kč": "CZK", "lei": "RON",
    "лв": "BGN", "₪": "ILS", "฿": "THB", "₫": "VND", "₱": "PHP", "₸": "KZT", "₦": "NGN",
}  # fmt: skip

# Every lower-case string a currency marker may be reduced to, mapped to its ISO code.
MARKERS: dict[str, str] = {**{c.lower(): c for c in ISO_CODES}, **CURRENCY_WORDS}


def currency_expr(marker: pl.Expr) -> pl.Expr:
    """A lower-case marker without dots or spaces ("zł", "us$", "eur") -> ISO code, else null."""
    return marker.replace_strict(MARKERS, default=None, return_dtype=pl.String)


def normalise_currency(s: pl.Series) -> pl.Series:
    """Currency column values to ISO codes.

    "zł", "PLN", "pln" -> PLN; "€", "eur" -> EUR; "$" -> USD; "kr", "SEK" -> SEK; "руб", "₽" ->
    RUB; "¥", "元", "RMB" -> CNY; any other 3-letter alphabetic code upper-cased; anything else
    ("000", digits, empty) -> null.
    """
    marker = key(pl.col("s")).str.replace_all(r"[\s.]", "")
    word = marker.replace_strict(CURRENCY_WORDS, default=None, return_dtype=pl.String)
    code = pl.when(marker.str.contains(r"^[a-z]{3}$")).then(marker.str.to_uppercase())
    return apply_expr(s, pl.coalesce(word, code))


_SYMBOLS = "$€£¥￥₽₹₩₺₴₪฿₫₱₸₦元円"
_TOKEN = re.compile(rf"[^\W\d_]*[{re.escape(_SYMBOLS)}]|[^\W\d_]+")
_BRACKETED = re.compile(r"[(\[{]([^)\]}]*)[)\]}]")


def currency_from_header(header: str) -> str | None:
    """The currency a column header names: "Amount spent (USD)" -> USD, "Kwota (zł)" -> PLN,
    "Belopp [SEK]" -> SEK, "Сумма, руб." -> RUB, "Revenue €" -> EUR; None when none.

    A symbol or local word (zł, руб, kr, €, US$ ...) counts anywhere, as does a common ISO code
    in any case (USD, pln ...); another ISO code only written in capitals inside brackets of a
    header that is not all capitals ("CPC (all)" and "CLICKS (ALL)" are not Albanian lek).
    """
    text = unicodedata.normalize("NFC", str(header))
    inside = " ".join(_BRACKETED.findall(text))
    shouting = text.upper() == text
    for token in _TOKEN.findall(text):
        folded = token.lower()
        if folded in CURRENCY_WORDS:
            return CURRENCY_WORDS[folded]
        code = token.upper()
        if code in COMMON_CODES:
            return code
        if code in ISO_CODES and token == code and not shouting and token in inside.split():
            return code
    return None
