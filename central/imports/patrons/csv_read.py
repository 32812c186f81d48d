"""Reading a CSV export from a student information system: its encoding, its delimiter, its rows with line numbers.

Excel on Windows saves "CSV" in Windows-1252, PowerSchool and Infinite Campus export UTF-8 (with or
without a byte-order mark), Excel's "Unicode text" is UTF-16 with tabs. The file is read as UTF-8 when
it is valid UTF-8; otherwise as Windows-1252, and the report says so, so the librarian can check the
names with accents. A file that ends inside a quoted value, or whose last line is cut short, was
truncated: the whole file is refused, since the rows after the cut are unknown.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from central.imports.report import ImportStopped
from central.imports.wording import S

MAX_COLUMNS = 200
csv.field_size_limit(1_000_000)


@dataclass
class Table:
    """The rows of a CSV file: the header, the rows with the line they start on, and how it was read."""

    header: list[str]
    rows: list[tuple[int, list[str]]]
    encoding: str          # "UTF-8", "UTF-16" or "Windows-1252"
    delimiter: str


def decode(data: bytes) -> tuple[str, str]:
    """The text of ``data`` and the encoding it was read in."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            raise ImportStopped(S("The file says it is UTF-16 but is not readable as such. Save it again as "
                                  "CSV UTF-8 and try again.")) from None
    if b"\x00" in data[:4096]:
        raise ImportStopped(S("This is not a text file (it has zero bytes in it): save the spreadsheet as CSV "
                              "and try again."))
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        # Five byte values have no Windows-1252 letter; Latin-1 reads them (as control characters).
        return data.decode("latin-1"), "Windows-1252"


def read_table(data: bytes) -> Table:
    """The header and rows of the CSV ``data``; ImportStopped for an empty, truncated or unreadable file."""
    text, encoding = decode(data)
    if not text.strip():
        raise ImportStopped(S("The file is empty."))
    first_line = text.lstrip("\ufeff").splitlines()[0] if text.splitlines() else ""
    delimiter = max(",;\t|", key=first_line.count) if any(d in first_line for d in ",;\t|") else ","
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, list[str]]] = []
    try:
        header = [h.strip() for h in next(reader)]
        line = reader.line_num + 1
        for values in reader:
            if any(v.strip() for v in values):
                rows.append((line, values))
            line = reader.line_num + 1
    except csv.Error:
        raise ImportStopped(S("The file ends inside a quoted value near line {line}: it was cut short, or a quote "
                              "is missing. Nothing was imported; export the file again.",
                              line=reader.line_num)) from None
    if len(header) > MAX_COLUMNS or not any(header):
        raise ImportStopped(S("The first line of the file should name its columns (student ID, first name, ...), "
                              "but it does not."))
    if rows and not text.endswith(("\n", "\r")) and len(rows[-1][1]) < len(header):
        raise ImportStopped(S("The last line of the file (line {line}) stops after {found} of its {columns} "
                              "columns: the file was cut short. Nothing was imported; export the file again.",
                              line=rows[-1][0], found=len(rows[-1][1]), columns=len(header)))
    return Table(header=header, rows=rows, encoding=encoding, delimiter=delimiter)
