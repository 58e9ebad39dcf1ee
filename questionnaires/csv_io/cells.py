"""Cells and bytes of every CSV: the formula-injection rule (one for the whole app), UTF-8 with an optional BOM,
streamed in chunks, with a row counter for the export log.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


FLUSH_CHARS = 64 * 1024


BOM = "\ufeff"


# --- formula injection ---------------------------------------------------------------------------


def _needs_prefix(text: str) -> bool:
    # Apostrophes already in front of a trigger are escaped too (''=x for '=x), so that csv_unsafe
    # can tell the two apart and every text survives the round trip exactly.
    return text.lstrip("'")[:1] in FORMULA_TRIGGERS and text.lstrip("'") != ""


def csv_safe(text: str) -> str:
    """The text as a spreadsheet must show it: a leading ' before = + - @ tab CR (OWASP CSV injection)."""
    return "'" + text if _needs_prefix(text) else text


def csv_unsafe(text: str) -> str:
    """Reverse `csv_safe` exactly: drop one leading ' when apostrophes are followed by a trigger."""
    if text.startswith("'") and _needs_prefix(text):
        return text[1:]
    return text


# --- bytes out -----------------------------------------------------------------------------------


class RowCounter:
    """Counts the data rows a generator let through (the header excluded) for the export log."""

    def __init__(self) -> None:
        self.rows = -1

    def wrap(self, rows: Iterable[list[str]]) -> Iterator[list[str]]:
        for row in rows:
            self.rows += 1
            yield row


class _Sink:
    """A write-only buffer for csv.writer: a list of strings, joined once per chunk (StringIO's tell()
    would copy its contents on every row)."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0

    def write(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)

    def take(self) -> bytes:
        data = "".join(self.parts).encode("utf-8")
        self.parts.clear()
        self.size = 0
        return data


def csv_bytes(rows: Iterable[list[str]], *, bom: bool = False) -> Iterator[bytes]:
    """RFC 4180 (csv module, CRLF), UTF-8, optional BOM; yields chunks of about 64 KB."""
    sink = _Sink()
    writer = csv.writer(sink, lineterminator="\r\n")
    if bom:
        sink.write(BOM)
    for row in rows:
        writer.writerow(row)
        if sink.size >= FLUSH_CHARS:
            yield sink.take()
    if sink.size:
        yield sink.take()
