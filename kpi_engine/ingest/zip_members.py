"""A zip member's bytes as it inflates, in pieces of at most `size` bytes, nothing kept.

zipfile's own reader inflates 4 KB of compressed data at a time and checks the CRC in Python
at every read; over a 70 MB sheet that costs about as much as the inflation itself. Stored and
deflated members (all a workbook holds) are read here straight from the archive's bytes, with
the same checks zipfile makes: the local header's signature and name, the size the archive
declares (never more bytes than that), the end of the deflate stream, the CRC. Anything else (encrypted, other methods) goes through zipfile, which raises
what it always raises. Errors are zipfile's: `zipfile.BadZipFile` for a damaged member.
"""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Iterator

try:  # ISA-L's inflate and CRC: about twice as fast as zlib's, same streams
    from isal.isal_zlib import crc32, decompressobj
    from isal.isal_zlib import error as inflate_error
except ImportError:  # pragma: no cover - isal is in requirements.txt; zlib is the fallback
    from zlib import crc32, decompressobj
    from zlib import error as inflate_error

_LOCAL_HEADER = 30
_IN = 256 * 1024  # compressed bytes given to inflate at a time (its output is bounded apart)
_PLAIN_FLAGS = 0x1 | 0x20 | 0x40  # encrypted, patched data, strong encryption: zipfile's path


def member_pieces(data: bytes, z: zipfile.ZipFile, m: zipfile.ZipInfo,
                  size: int) -> Iterator[bytes]:
    """The inflated bytes of member `m` of the zip `z` read from `data`, piece by piece."""
    if m.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) \
            or m.flag_bits & _PLAIN_FLAGS:
        with z.open(m) as fh:
            yield from iter(lambda: fh.read(size), b"")
        return
    raw = _raw(data, m)
    crc = total = 0
    if m.compress_type == zipfile.ZIP_STORED and len(raw) != m.file_size:
        # (a reader going by the compressed size would read what this one did not)
        raise zipfile.BadZipFile(f"{m.filename}: stored, but its two sizes differ")
    if m.compress_type == zipfile.ZIP_STORED:
        for at in range(0, min(len(raw), m.file_size), size):
            piece = bytes(raw[at:at + min(size, m.file_size - at)])
            crc, total = crc32(piece, crc), total + len(piece)
            yield piece
    else:
        d = decompressobj(-15)
        at = 0
        while not d.eof:
            feed = d.unconsumed_tail
            if not feed and at < len(raw):
                feed, at = raw[at:at + _IN], at + _IN
            # (all given, b"": what inflate still holds, `size` bytes at a time)
            try:
                piece = d.decompress(feed, size)
            except inflate_error as exc:  # a damaged member, as zipfile says it
                raise zipfile.BadZipFile(f"{m.filename}: {exc}") from None
            if not piece and not feed and not d.eof:
                raise zipfile.BadZipFile(f"{m.filename}: the compressed data ends early")
            if piece:
                crc, total = crc32(piece, crc), total + len(piece)
                if total > m.file_size:
                    raise zipfile.BadZipFile(f"{m.filename}: larger than its declared size")
                yield piece
    if crc != m.CRC:  # (fewer bytes than declared: zipfile too reads them)
        raise zipfile.BadZipFile(f"Bad CRC-32 for file {m.filename!r}")


def _raw(data: bytes, m: zipfile.ZipInfo) -> memoryview:
    """The member's compressed bytes, after its local header (checked as zipfile does)."""
    at = m.header_offset
    header = data[at:at + _LOCAL_HEADER] if at >= 0 else b""
    if len(header) != _LOCAL_HEADER or header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"{m.filename}: bad magic number for file header")
    flags, = struct.unpack_from("<H", header, 6)
    name_length, extra_length = struct.unpack_from("<HH", header, 26)
    name = data[at + _LOCAL_HEADER:at + _LOCAL_HEADER + name_length]
    decoded = name.decode("utf-8" if flags & 0x800 else "cp437", "replace")
    if decoded != m.orig_filename:
        raise zipfile.BadZipFile(f"File name in directory {m.orig_filename!r} and header "
                                 f"{decoded!r} differ.")
    start = at + _LOCAL_HEADER + name_length + extra_length
    return memoryview(data)[start:start + m.compress_size]


def rebuild(data: bytes, parts: list[tuple[zipfile.ZipInfo, int]]) -> bytes:
    """A new archive of exactly these members (each with the size it inflated to), their
    compressed bytes copied as they are, with a directory written here.

    calamine's zip reader and Python's need not agree on a crafted archive (two end records,
    an archive inside an archive, a stored member whose sizes lie): whatever calamine reads
    from this one is what was checked, member for member."""
    out: list[bytes | memoryview] = []  # joined once at the end: one copy of the data
    directory: list[bytes] = []
    offset = 0
    for m, size in parts:
        raw = _raw(data, m)
        name = _local_name(data, m)
        flags = m.flag_bits & (0x800 | 0x6)  # UTF-8 name, deflate options; sizes come first
        dos_time, dos_date = _dos_time(m.date_time)
        fields = (flags, m.compress_type, dos_time, dos_date, m.CRC, len(raw), size)
        header = struct.pack("<4s2B4HL2L2H", b"PK\x03\x04", 20, 0, *fields, len(name), 0)
        out += [header, name, raw]
        directory += [struct.pack("<4s4B4HL2L5H2L", b"PK\x01\x02", 20, 3, 20, 0, *fields,
                                  len(name), 0, 0, 0, 0, 0, offset), name]
        offset += len(header) + len(name) + len(raw)
    listing = b"".join(directory)
    if offset + len(listing) >= 1 << 32 or len(parts) >= 1 << 16:
        raise zipfile.BadZipFile("too large to rebuild without zip64")
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(parts), len(parts), len(listing),
                      offset, 0)
    return b"".join([*out, listing, end])


def _local_name(data: bytes, m: zipfile.ZipInfo) -> bytes:
    name_length, = struct.unpack_from("<H", data, m.header_offset + 26)
    start = m.header_offset + _LOCAL_HEADER
    return data[start:start + name_length]


def _dos_time(date_time: tuple[int, int, int, int, int, int]) -> tuple[int, int]:
    year, month, day, hour, minute, second = date_time
    year = min(max(year, 1980), 2107)
    return (hour << 11) | (minute << 5) | (second // 2), ((year - 1980) << 9) | (month << 5) | day
