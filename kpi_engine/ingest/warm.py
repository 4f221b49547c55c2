"""What recognising and cleaning a table need, made ready ahead of need: run in a thread while
a reader that frees the GIL (calamine, Polars' CSV parser) reads the file, so it costs no time.
(Run any earlier, it would compete for the GIL with the Python work of reading.)"""

from __future__ import annotations


def ahead_of_need(headers: list[str] | None = None) -> None:
    from kpi_engine.ingest.synonyms import prepare

    prepare(headers)
    import kpi_engine.ingest.build
    import kpi_engine.ingest.recognise  # noqa: F401
