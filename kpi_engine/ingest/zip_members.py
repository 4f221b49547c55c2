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
except ImportError:  # pragma: no cover - isal is in requirements.txt; zlib is the fallback
    from zlib import crc32, decompressobj

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
            piece = d.decompress(feed, size)
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
    header = data[at:at + _LOCAL_HEADER]
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
