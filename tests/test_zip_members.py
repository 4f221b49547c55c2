"""kpi_engine.ingest.zip_members: the member's bytes exactly as zipfile gives them, and
zipfile's errors for what zipfile refuses."""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib

import pytest

from kpi_engine.ingest.zip_members import member_pieces


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED, level: int | None = None,
         streamed: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method, compresslevel=level) as z:
        for name, body in members.items():
            if streamed:  # sizes in a data descriptor after the data, as a stream writer does
                with z.open(name, "w", force_zip64=False) as fh:
                    fh.write(body)
            else:
                z.writestr(name, body)
    return out.getvalue()


def _read(data: bytes, name: str, size: int) -> bytes:
    z = zipfile.ZipFile(io.BytesIO(data))
    pieces = list(member_pieces(data, z, z.getinfo(name), size))
    assert all(0 < len(p) <= size for p in pieces)
    return b"".join(pieces)


_rng = random.Random(7)
_XML = b"".join(f'<row r="{r}"><c r="A{r}"><v>{r * 3}</v></c></row>'.encode()
                for r in range(1, 40_000))
_NOISE = _rng.randbytes(300_000)  # does not compress
_BOMB = b"\0" * (9 << 20)  # a thousand to one


@pytest.mark.parametrize("method,level", [(zipfile.ZIP_DEFLATED, 1), (zipfile.ZIP_DEFLATED, 9),
                                          (zipfile.ZIP_STORED, None)])
@pytest.mark.parametrize("size", [1, 7, 4096, 1 << 20])
def test_the_bytes_are_zipfiles_bytes(method, level, size):
    cut = None if size >= 4096 else 20_000  # a piece of one byte: not 2 million of them
    members = {"xl/worksheets/sheet1.xml": _XML[:cut], "noise.bin": _NOISE[:cut],
               "empty.xml": b"", "bomb.xml": _BOMB[:cut]}
    data = _zip(members, method, level)
    for name, body in members.items():
        assert _read(data, name, size) == body, name


def test_a_streamed_member_and_an_archive_after_other_bytes():
    """Sizes written after the data (a data descriptor), and a zip with bytes before it (an
    installer stub): zipfile corrects the offsets, so do the pieces."""
    data = _zip({"a.xml": _XML, "b.xml": b"<x/>" * 1000}, streamed=True)
    assert _read(data, "a.xml", 65536) == _XML
    prefixed = b"#!stub\n" * 100 + data
    assert _read(prefixed, "b.xml", 100) == b"<x/>" * 1000


def test_other_methods_go_through_zipfile():
    data = _zip({"a.xml": _XML}, zipfile.ZIP_BZIP2)
    assert _read(data, "a.xml", 1 << 20) == _XML


def _patch(data: bytes, name: bytes, field: int, value: int, local: bool = True,
           central: bool = True) -> bytes:
    """Overwrite a 4-byte field (offset in the local header; the central directory's is
    field + 2) of member `name`."""
    out = bytearray(data)
    for sig, shift, name_at, on in ((b"PK\x03\x04", 0, 30, local), (b"PK\x01\x02", 2, 46, central)):
        pos = out.find(sig)
        while pos >= 0:
            length = struct.unpack_from("<H", out, pos + (26 if shift == 0 else 28))[0]
            if on and out[pos + name_at:pos + name_at + length] == name:
                struct.pack_into("<I", out, pos + field + shift, value)
            pos = out.find(sig, pos + 4)
    return bytes(out)


def _fails_like_zipfile(data: bytes, name: str) -> None:
    z = zipfile.ZipFile(io.BytesIO(data))
    with pytest.raises(zipfile.BadZipFile):
        z.read(name)
    with pytest.raises(zipfile.BadZipFile):
        list(member_pieces(data, z, z.getinfo(name), 1 << 20))


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_a_wrong_crc_is_refused(method):
    data = _zip({"a.xml": _XML}, method)
    z = zipfile.ZipFile(io.BytesIO(data))
    crc = z.getinfo("a.xml").CRC
    _fails_like_zipfile(_patch(data, b"a.xml", 14, crc ^ 1), "a.xml")


@pytest.mark.parametrize("declared", [10, len(_XML) - 1])
def test_a_member_larger_than_declared_is_refused(declared):
    """zipfile stops at the declared size and then finds the CRC wrong; the pieces stop there."""
    for method in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED):
        data = _zip({"a.xml": _XML}, method)
        _fails_like_zipfile(_patch(data, b"a.xml", 22, declared), "a.xml")


def test_a_member_smaller_than_declared_is_read_as_zipfile_reads_it():
    data = _patch(_zip({"a.xml": _XML}), b"a.xml", 22, len(_XML) + 1)
    assert zipfile.ZipFile(io.BytesIO(data)).read("a.xml") == _XML
    assert _read(data, "a.xml", 4096) == _XML


def test_compressed_data_cut_short_is_refused():
    data = _zip({"a.xml": _XML})
    z = zipfile.ZipFile(io.BytesIO(data))
    m = z.getinfo("a.xml")
    _fails_like_zipfile(_patch(data, b"a.xml", 18, m.compress_size // 2), "a.xml")


def test_a_local_header_naming_another_file_is_refused():
    data = _zip({"a.xml": _XML, "b.xml": b"<b/>"})
    swapped = data.replace(b"PK\x03\x04", b"XXXX", 1)  # a.xml's local header destroyed
    _fails_like_zipfile(swapped, "a.xml")
    renamed = bytearray(data)
    at = renamed.find(b"a.xml")  # the local header's name, not the directory's
    renamed[at] = ord("z")
    _fails_like_zipfile(bytes(renamed), "a.xml")


def test_damaged_deflate_data_is_a_bad_zip():
    data = bytearray(_zip({"a.xml": _XML}))
    z = zipfile.ZipFile(io.BytesIO(bytes(data)))
    m = z.getinfo("a.xml")
    start = m.header_offset + 30 + len(b"a.xml")
    data[start + 10:start + 40] = b"\xff" * 30  # an invalid deflate block
    z = zipfile.ZipFile(io.BytesIO(bytes(data)))
    with pytest.raises(zlib.error):  # zipfile lets zlib's error through
        z.read("a.xml")
    with pytest.raises(zipfile.BadZipFile):  # (ISA-L's error is not zlib's: made one)
        list(member_pieces(bytes(data), z, z.getinfo("a.xml"), 1 << 20))


def test_a_stored_member_whose_sizes_differ_is_refused():
    """A reader going by the compressed size would read bytes this one did not (calamine's
    does, and stops at `</sheetData>` before any CRC check)."""
    data = _patch(_zip({"a.xml": _XML}, zipfile.ZIP_STORED), b"a.xml", 22, 0)  # file size 0
    data = _patch(data, b"a.xml", 14, 0)  # and the CRC of nothing
    z = zipfile.ZipFile(io.BytesIO(data))
    with pytest.raises(zipfile.BadZipFile):
        list(member_pieces(data, z, z.getinfo("a.xml"), 1 << 20))
