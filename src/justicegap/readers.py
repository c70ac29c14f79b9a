"""Reading the publishers' files, whatever their format: CSV (plain or gzipped), XLSX and ODS.

Files are recognised by their content, never their name: a sheet belongs to a source when one of
its first rows is that source's header row. Large ODS files are read streaming (see ``ods.py``);
everything else through python-calamine.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Iterator

from .errors import InputError

HEADER_SCAN_ROWS = 40
STREAM_ODS_BYTES = 20_000_000


def header_key(text) -> str:
    """Normalise header text: case, footnote markers such as [note 6], line breaks, spacing."""
    t = re.sub(r"\[[^\]]*\]", " ", str(text or "")).lower()
    return " ".join(t.replace("\u00a0", " ").split()).strip(" :")


def cell_text(value) -> str | None:
    """A cell as text: integral floats without '.0', dates ISO, empty as None."""
    if value is None:
        return None
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()[:10]
    text = str(value)
    return text if text.strip() else None


@dataclass
class Sheet:
    """One table of a file: a CSV, or one sheet of a workbook. ``rows`` yields (row number, values)."""

    file: Path
    name: str | None
    _open: object
    csv_gz: bool | None = None  # set for CSV files, which are read column-wise by Polars

    def rows(self) -> Iterator[tuple[int, list]]:
        return self._open()

    def frame(self, columns: dict[str, int], header_row: int):
        """The cells under the header as text, one column per name, plus ``_row`` (file row number)."""
        import polars as pl

        if self.csv_gz is not None:
            return _csv_frame(self.file, self.csv_gz, columns, header_row)
        cols: dict[str, list] = {c: [] for c in columns}
        numbers: list[int] = []
        idx = list(columns.items())
        for number, values in self.rows():
            if number <= header_row:
                continue
            picked = [values[i] if i < len(values) else None for _, i in idx]
            picked = [v if type(v) is str else cell_text(v) for v in picked]
            if all(v is None or not v.strip() for v in picked):
                continue
            numbers.append(number)
            for (c, _), v in zip(idx, picked):
                cols[c].append(v)
        return pl.DataFrame({"_row": pl.Series(numbers, dtype=pl.Int64),
                             **{c: pl.Series(v, dtype=pl.String) for c, v in cols.items()}})

    def head(self, n: int = HEADER_SCAN_ROWS) -> list[tuple[int, list]]:
        out = []
        for item in self.rows():
            out.append(item)
            if len(out) >= n:
                break
        return out


def kind(path: Path) -> str:
    """What a file is, from its first bytes: 'csv', 'csv.gz', 'xlsx' or 'ods'."""
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic[:2] == b"\x1f\x8b":
        return "csv.gz"
    if magic == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(path) as z:
                names = set(z.namelist())
                if "mimetype" in names and b"opendocument.spreadsheet" in z.read("mimetype"):
                    return "ods"
                if "xl/workbook.xml" in names:
                    return "xlsx"
                if any(n.lower().endswith((".csv", ".xlsx", ".ods")) for n in names):
                    return "zip"
        except zipfile.BadZipFile as e:
            raise InputError(f"not a readable workbook: the zip container is truncated or corrupt ({e})", file=path) from None
        raise InputError("a zip file that is neither an XLSX nor an ODS workbook", file=path)
    if magic[:4] in (b"\xd0\xcf\x11\xe0",):
        raise InputError("an old binary Excel (.xls) file: save it as XLSX or CSV first", file=path)
    if magic[:4] == b"%PDF":
        raise InputError("a PDF, not a data table", file=path)
    if magic.lstrip()[:1] in (b"{", b"["):
        return "json"
    if magic[:1] == b"<":
        raise InputError("an HTML or XML page, not a data table (a download that returned a web page?)", file=path)
    return "csv"


def _csv_rows(path: Path, gz: bool):
    def rows():
        raw = gzip.open(path, "rb") if gz else open(path, "rb")
        try:
            data = raw.read(4096)
            raw.seek(0)
        except (OSError, EOFError) as e:
            raise InputError(f"cannot read the compressed file: {e}", file=path) from None
        encoding = "utf-8-sig"
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            encoding = "cp1252"
        if b"\x00" in data:
            raise InputError("a binary file, not CSV text", file=path)
        text = io.TextIOWrapper(raw, encoding=encoding, newline="")
        reader = csv.reader(text)
        try:
            for values in reader:
                if any(v.strip() for v in values):
                    yield reader.line_num, values
        except (OSError, EOFError, UnicodeDecodeError, csv.Error) as e:
            raise InputError(f"the file is truncated or corrupt after line {reader.line_num}: {e}", file=path, row=reader.line_num) from None
        finally:
            raw.close()
    return rows


def _csv_frame(path: Path, gz: bool, columns: dict[str, int], header_row: int):
    """A CSV read column-wise by Polars: far faster than row by row for the 450,000-row outcomes
    files. Row numbers assume one line per data record (quoted line breaks occur in headers only)."""
    import polars as pl

    raw = gzip.open(path, "rb") if gz else open(path, "rb")
    try:
        data = raw.read()
    except (OSError, EOFError, zlib.error) as e:
        raise InputError(f"the file is truncated or corrupt: {e}", file=path) from None
    finally:
        raw.close()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        data = data.decode("cp1252").encode("utf-8")
    names = list(columns)
    try:
        df = pl.read_csv(data, has_header=False, skip_lines=header_row, infer_schema=False, truncate_ragged_lines=True,
                         row_index_name="_row", row_index_offset=header_row + 1, raise_if_empty=False)
        df = df.select(pl.col("_row"), *[pl.nth(columns[n] + 1).alias(n) for n in names])
    except pl.exceptions.PolarsError as e:
        raise InputError(f"cannot be read as CSV: {e}", file=path) from None
    stripped = [pl.col(n).str.strip_chars().replace("", None).is_null() for n in names]
    df = df.filter(~pl.all_horizontal(stripped)).with_columns(pl.col("_row").cast(pl.Int64))
    return df.select("_row", *names)


def _calamine_sheets(path: Path) -> list[Sheet]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as e:  # calamine raises its own error types for corrupt files
        raise InputError(f"not a readable workbook (truncated or corrupt): {e}", file=path) from None

    def opener(name):
        def rows():
            try:
                data = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            except Exception as e:
                raise InputError(f"cannot read this sheet (truncated or corrupt): {e}", file=path, sheet=name) from None
            for i, values in enumerate(data, start=1):
                if any(v not in (None, "") for v in values):
                    yield i, values
        return rows

    return [Sheet(path, name, opener(name)) for name in book.sheet_names]


def _ods_stream_sheets(path: Path) -> list[Sheet]:
    from . import ods

    def opener(name):
        def rows():
            for _sheet, number, values in ods.iter_rows(path, sheets={name}):
                yield number, values
        return rows

    return [Sheet(path, name, opener(name)) for name in ods.sheet_names(path)]


def sheets(path: Path) -> list[Sheet]:
    """Every table in a file, lazily: rows are read only when asked for."""
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file", file=path)
    if path.stat().st_size == 0:
        raise InputError("the file is empty", file=path)
    k = kind(path)
    if k in ("csv", "csv.gz"):
        return [Sheet(path, None, _csv_rows(path, k == "csv.gz"), csv_gz=k == "csv.gz")]
    if k == "ods" and path.stat().st_size > STREAM_ODS_BYTES:
        return _ods_stream_sheets(path)
    if k == "json":
        return []
    if k == "zip":
        raise InputError("a zip archive: unpack it first (justicegap update unpacks zips it downloads)", file=path)
    return _calamine_sheets(path)
