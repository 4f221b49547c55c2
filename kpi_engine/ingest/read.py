"""Bytes -> raw sheets: a file is recognised by its content, not by its name."""

from __future__ import annotations

from collections.abc import Callable

from kpi_engine.ingest.errors import UnusableFile
from kpi_engine.ingest.raw import RawSheet
from kpi_engine.ingest.sniff import file_kind

MAX_FILE_BYTES = 512 * 1024 * 1024


def read_any(name: str, data: bytes, whole: Callable[[], bytes] | None = None,
             size: int | None = None) -> list[RawSheet]:
    """The sheets of a file from its bytes; or, with `whole` and `size`, from the start of a
    delimited text file (see read_csv.read_delimited), `whole()` giving all its bytes."""
    if not data:
        raise UnusableFile(name, f"{name} is empty: there is nothing to read.")
    if (len(data) if size is None else size) > MAX_FILE_BYTES:
        raise UnusableFile(name, f"{name} is larger than 512 MB: split it into smaller files.")
    if whole is not None:
        from kpi_engine.ingest.read_csv import read_delimited

        return [read_delimited(name, data, whole, size)]
    kind = file_kind(data)
    match kind:
        case "csv":
            from kpi_engine.ingest.read_csv import read_delimited

            return [read_delimited(name, data)]
        case "xlsx" | "xls":
            from kpi_engine.ingest.read_excel import read_workbook

            return read_workbook(name, data)
        case "ole_encrypted":
            raise UnusableFile(
                name, f"{name} is protected with a password: save it without a password and "
                "upload it again.")
        case "html":
            from kpi_engine.ingest.read_html import read_html_table

            return read_html_table(name, data)
        case _:
            raise UnusableFile(
                name, f"{name} is not a spreadsheet (it is {kind}): upload a CSV or Excel file.")
