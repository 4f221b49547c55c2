"""What kind of file is this, and how is its text encoded and delimited? Decided from the bytes."""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from typing import Literal

FileKind = Literal["csv", "xlsx", "xls", "ods", "html", "ole_encrypted"]

DELIMITERS = (",", ";", "\t", "|")

_NOT_SPREADSHEET: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\x7fELF", "a program"),
    (b"RIFF", "a media file"),
    (b"\x00\x00\x00", "a binary file"),
)


def file_kind(data: bytes) -> FileKind | str:
    """The kind of spreadsheet, or a description of what else it is (for the message)."""
    head = data[:8]
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "xlsx"  # a zip: xlsx/xlsm/ods told apart when it is opened
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        if _is_encrypted_ole(data):
            return "ole_encrypted"
        return "xls"
    if head.startswith((b"\x09\x08", b"\x09\x04", b"\x09\x02")):
        return "xls"  # BIFF2-5 without an OLE container
    for magic, what in _NOT_SPREADSHEET:
        if head.startswith(magic) and not _is_utf16_bom(head):
            return what
    sample = data[:4096].lstrip(b"\xef\xbb\xbf").lstrip().lower()
    if sample.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml")) and b"<table" in (
        data[:200_000].lower()
    ):
        return "html"
    return "csv"


def _is_utf16_bom(head: bytes) -> bool:
    return head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))


def _is_encrypted_ole(data: bytes) -> bool:
    marker = "EncryptionInfo".encode("utf-16-le")
    return marker in data[:65536] or marker in data[-65536:]


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # the codec name reported to the user (utf-8, utf-8-sig, utf-16, cp1250 ...)
    bad_bytes: int  # bytes that could not be decoded (replaced by U+FFFD)
    utf8: bytes | None  # the text as UTF-8 bytes when that came for free (the input itself)
    partial: bool = False  # only the head was decoded (it is UTF-8; the rest is assumed so)


HEAD_BYTES = 1 << 20


def decode_head(data: bytes) -> Decoded:
    """Decode only the first MiB when it is UTF-8: the CSV parser validates the rest itself
    (and the caller falls back to `decode` when it finds a bad byte)."""
    body, name = (data[3:], "utf-8-sig") if data.startswith(codecs.BOM_UTF8) else (data, "utf-8")
    if len(body) <= HEAD_BYTES or data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) \
            or looks_utf16_without_bom(data):
        return decode(data)
    for cut in range(4):  # do not split a character at the end of the head
        try:
            head = body[: HEAD_BYTES - cut].decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < HEAD_BYTES - cut - 4:
                return decode(data)
            continue
        return Decoded(head, name, 0, body, partial=True)
    return decode(data)


def decode(data: bytes) -> Decoded:
    """Detect the encoding (BOM, strict UTF-8, then a detector among the usual legacy codecs)."""
    if data.startswith(codecs.BOM_UTF8):
        return _utf8(data[3:], "utf-8-sig")
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        text = data.decode("utf-16", errors="replace")
        return Decoded(text, "utf-16", text.count("\ufffd"), None)
    if looks_utf16_without_bom(data):
        codec = "utf-16-le" if data[1:2] == b"\x00" else "utf-16-be"
        text = data.decode(codec, errors="replace")
        return Decoded(text, codec, text.count("\ufffd"), None)
    try:
        return Decoded(data.decode("utf-8"), "utf-8", 0, data)
    except UnicodeDecodeError:
        pass
    if _mostly_utf8(data):
        text = data.decode("utf-8", errors="replace")
        return Decoded(text, "utf-8", text.count("\ufffd"), None)
    codec = _legacy_codec(data)
    text = data.decode(codec, errors="replace")
    return Decoded(text, codec, text.count("\ufffd"), None)


def _utf8(body: bytes, name: str) -> Decoded:
    try:
        return Decoded(body.decode("utf-8"), name, 0, body)
    except UnicodeDecodeError:
        text = body.decode("utf-8", errors="replace")
        return Decoded(text, name, text.count("\ufffd"), None)


def looks_utf16_without_bom(data: bytes) -> bool:
    sample = data[:2000]
    if len(sample) < 8:
        return False
    even_zero = sample[0::2].count(0) / max(1, len(sample[0::2]))
    odd_zero = sample[1::2].count(0) / max(1, len(sample[1::2]))
    return max(even_zero, odd_zero) > 0.4 and min(even_zero, odd_zero) < 0.05


_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_HIGH_BYTE = re.compile(rb"[\x80-\xff]")


def _mostly_utf8(data: bytes) -> bool:
    """A UTF-8 file with a few bad bytes (mixed encodings) rather than a legacy single-byte file."""
    valid_sequences = len(_UTF8_MULTIBYTE.findall(data))
    if valid_sequences == 0:
        return False
    valid_bytes = len(b"".join(_UTF8_MULTIBYTE.findall(data)))
    high = len(_HIGH_BYTE.findall(data))
    invalid = high - valid_bytes
    return invalid <= valid_bytes


# bytes that are letters in cp1250 (Ś Ź ś ź Ł Ą Ż ł ą ż) but symbols or controls in cp1252
_CP1250_ONLY = re.compile(rb"[\x8c\x8f\x9c\x9f\xa3\xa5\xaf\xb3\xb9\xbf]")
_HIGH_RUN = re.compile(rb"[\xc0-\xff]{3,}")
_C1 = re.compile(rb"[\x80-\x9f]")


def _legacy_codec(data: bytes) -> str:
    """cp1251 (Cyrillic), cp1250 (Central European) or cp1252 / ISO-8859-1 (Western).

    Told apart by the bytes themselves: Cyrillic words are runs of bytes >= 0xC0; Polish and
    Czech text uses ą ś ł ż, which only cp1250 has at those byte values. General detectors tie
    between these code pages on short business files, so this small rule decides.
    """
    sample = data[:1_000_000]
    high = len(_HIGH_BYTE.findall(sample))
    runs = sum(len(m) for m in _HIGH_RUN.findall(sample))
    if high and runs > 0.5 * high:
        return "cp1251"
    if len(_CP1250_ONLY.findall(sample)) >= max(1, 0.05 * high):
        return "cp1250"
    return "cp1252" if _C1.search(sample) else "iso-8859-1"


def sniff_delimiter(head_lines: list[str]) -> str:
    """The delimiter giving the most rows of one consistent width (> 1) in the first lines."""
    best, best_score = ",", -1.0
    text = "\n".join(head_lines)
    for delim in DELIMITERS:
        if delim not in text:
            continue
        widths = [len(r) for r in csv.reader(io.StringIO(text), delimiter=delim) if any(r)]
        if not widths:
            continue
        counts: dict[int, int] = {}
        for w in widths:
            counts[w] = counts.get(w, 0) + 1
        width, n = max(counts.items(), key=lambda kv: (kv[1] * (kv[0] > 1), kv[0]))
        if width < 2:
            continue
        score = n / len(widths) * min(width, 50) ** 0.5 * (n ** 0.5)
        if score > best_score:
            best, best_score = delim, score
    return best
