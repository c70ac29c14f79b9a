"""Reading the publishers' files, whatever their format: CSV (plain or gzipped), XLSX and ODS.

Files are recognised by their content, never their name: a sheet belongs to a source when one of
its first rows is that source's header row. Each format has its fastest faithful reader:
- CSV: Polars, column-wise (the outcomes files have 450,000 rows);
- XLSX and ODS: fastexcel, which runs the calamine engine and hands back Arrow columns, so no
  Python object is made per cell (python-calamine's per-cell objects cost twice the time);
- ODS over ``STREAM_ODS_BYTES``: the streaming reader in ``ods.py``, in bounded memory (the
  Home Office CSP workbook's XML is over a gigabyte).
Row numbers are always the file's own, so error messages point at the right row.
"""

from __future__ import annotations

import gzip
import io
import re
import zipfile
import zlib
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


def _drop_blank(df, names: list[str]):
    """Rows where every selected cell is empty are not data (spacer and trailing rows)."""
    import polars as pl

    blank = pl.all_horizontal([pl.col(n).str.strip_chars().replace("", None).is_null() for n in names])
    return df.filter(~blank)


class Sheet:
    """One table of a file: a CSV, or one sheet of a workbook."""

    def __init__(self, file: Path, name: str | None):
        self.file, self.name = file, name

    def rows(self) -> Iterator[tuple[int, list]]:
        """(row number, cell values) for every non-empty row."""
        raise NotImplementedError

    def head(self, n: int = HEADER_SCAN_ROWS) -> list[tuple[int, list]]:
        out = []
        for item in self.rows():
            out.append(item)
            if len(out) >= n:
                break
        return out

    def frame(self, columns: dict[str, int], header_row: int):
        """The cells under the header as text, one column per name, plus ``_row`` (file row number)."""
        import polars as pl

        cols: dict[str, list] = {c: [] for c in columns}
        numbers: list[int] = []
        idx = list(columns.items())
        for number, values in self.rows():
            if number <= header_row:
                continue
            picked = [cell_text(values[i]) if i < len(values) else None for _, i in idx]
            if all(v is None for v in picked):
                continue
            numbers.append(number)
            for (c, _), v in zip(idx, picked):
                cols[c].append(v)
        return pl.DataFrame({"_row": pl.Series(numbers, dtype=pl.Int64),
                             **{c: pl.Series(v, dtype=pl.String) for c, v in cols.items()}})


class CsvSheet(Sheet):
    def __init__(self, file: Path, gz: bool):
        super().__init__(file, None)
        self.gz = gz

    def _bytes(self) -> bytes:
        from .limits import expansion, expansion_limit

        packed = self.file.stat().st_size
        limit = expansion_limit(packed) if self.gz else packed
        raw = gzip.open(self.file, "rb") if self.gz else open(self.file, "rb")
        try:
            data = raw.read(limit + 1)  # never more than a plausible expansion in memory
        except (OSError, EOFError, zlib.error) as e:
            raise InputError(f"the file is truncated or corrupt: {e}", file=self.file) from None
        finally:
            raw.close()
        if len(data) > limit:
            expansion(self.file.name, packed, len(data))
        data = data.removeprefix(b"\xef\xbb\xbf")
        if b"\x00" in data[:4096]:
            raise InputError("a binary file, not CSV text", file=self.file)
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            data = data.decode("cp1252").encode("utf-8")
        return data

    def head(self, n: int = HEADER_SCAN_ROWS):
        # Only the first few kilobytes are needed to find a header row.
        import csv

        raw = gzip.open(self.file, "rb") if self.gz else open(self.file, "rb")
        try:
            text = raw.read(256 * 1024)
        except (OSError, EOFError, zlib.error) as e:
            raise InputError(f"the file is truncated or corrupt: {e}", file=self.file) from None
        finally:
            raw.close()
        if b"\x00" in text[:4096]:
            raise InputError("a binary file, not CSV text", file=self.file)
        decoded = text.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="replace")
        reader = csv.reader(io.StringIO(decoded, newline=""))
        out = []
        try:
            for values in reader:
                if any(v.strip() for v in values):
                    out.append((reader.line_num, values))
                if len(out) >= n:
                    break
        except csv.Error:
            pass
        return out

    def frame(self, columns: dict[str, int], header_row: int):
        """Column-wise with Polars. Row numbers assume one line per data record (quoted line
        breaks occur in headers only, as in the ONS tables)."""
        import polars as pl

        names = list(columns)
        try:
            df = pl.read_csv(self._bytes(), has_header=False, skip_lines=header_row, infer_schema=False,
                             truncate_ragged_lines=True, row_index_name="_row", row_index_offset=header_row + 1,
                             raise_if_empty=False)
            df = df.select(pl.col("_row").cast(pl.Int64), *[pl.nth(columns[n] + 1).alias(n) for n in names])
        except pl.exceptions.PolarsError as e:
            raise InputError(f"cannot be read as CSV: {e}", file=self.file) from None
        return _drop_blank(df, names)


class ExcelSheet(Sheet):
    """A sheet of an XLSX or ODS workbook, loaded once through fastexcel as text columns."""

    def __init__(self, file: Path, name: str, book, first_row):
        super().__init__(file, name)
        self._book, self._first_row, self._table = book, first_row, None

    def _load(self):
        import polars as pl

        if self._table is None:
            try:
                df = self._book.load_sheet(self.name, header_row=None, dtypes="string").to_polars()
            except Exception as e:  # fastexcel's CalamineError and friends
                raise InputError(f"cannot read this sheet (truncated or corrupt): {_first_line(e)}",
                                 file=self.file, sheet=self.name) from None
            offset = self._first_row(self.name) if df.height else 1
            self._table = df.with_row_index("_row", offset=offset).with_columns(pl.col("_row").cast(pl.Int64))
        return self._table

    def rows(self):
        df = self._load()
        for values in df.iter_rows():
            if any(v is not None and str(v).strip() for v in values[1:]):
                yield values[0], list(values[1:])

    def frame(self, columns: dict[str, int], header_row: int):
        import polars as pl

        df = self._load()
        names = list(columns)
        width = df.width - 1
        picked = df.filter(pl.col("_row") > header_row).select(
            "_row", *[(pl.nth(columns[n] + 1) if columns[n] < width else pl.lit(None, pl.String)).alias(n) for n in names])
        return _drop_blank(picked, names)


class OdsStreamSheet(Sheet):
    def rows(self):
        from . import ods

        for _sheet, number, values in ods.iter_rows(self.file, sheets={self.name}):
            yield number, values


def _first_line(e: Exception) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


def kind(path: Path) -> str:
    """What a file is, from its first bytes: 'csv', 'csv.gz', 'xlsx', 'ods', 'zip' or 'json'."""
    with open(path, "rb") as f:
        magic = f.read(8)
    if magic[:2] == b"\x1f\x8b":
        return "csv.gz"
    if magic[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(path) as z:
                names = set(z.namelist())
                if "mimetype" in names and b"opendocument.spreadsheet" in z.read("mimetype"):
                    return "ods"
                if "xl/workbook.xml" in names:
                    return "xlsx"
                if any(n.lower().endswith((".csv", ".xlsx", ".ods")) for n in names):
                    return "zip"
        except (zipfile.BadZipFile, OSError, EOFError) as e:
            raise InputError(f"not a readable workbook: the zip container is truncated or corrupt ({e})", file=path) from None
        raise InputError("a zip file that is neither an XLSX nor an ODS workbook", file=path)
    if magic[:4] == b"\xd0\xcf\x11\xe0":
        raise InputError("an old binary Excel (.xls) file: save it as XLSX or CSV first", file=path)
    if magic[:4] == b"%PDF":
        raise InputError("a PDF, not a data table", file=path)
    if magic.lstrip()[:1] in (b"{", b"["):
        return "json"
    if magic.lstrip()[:1] == b"<":
        raise InputError("an HTML or XML page, not a data table (a download that returned a web page?)", file=path)
    return "csv"


_CELL_REF = re.compile(rb'<(?:\w+:)?c [^>]*?r="[A-Z]+(\d+)"')


def _xlsx_first_rows(path: Path):
    """Sheet name -> the row number of its first used cell (fastexcel starts its range there)."""
    from xml.etree import ElementTree as ET

    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
          "p": "http://schemas.openxmlformats.org/package/2006/relationships"}

    def first_row(name: str) -> int:
        with zipfile.ZipFile(path) as z:
            book = ET.fromstring(z.read("xl/workbook.xml"))
            rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
            targets = {r.get("Id"): r.get("Target") for r in rels.findall("p:Relationship", ns)}
            rid = next(s.get(f"{{{ns['r']}}}id") for s in book.find("m:sheets", ns) if s.get("name") == name)
            target = targets[rid].lstrip("/")
            member = target if target.startswith("xl/") else f"xl/{target}"
            with z.open(member) as f:
                buf = b""
                while chunk := f.read(65536):
                    buf += chunk
                    m = _CELL_REF.search(buf)
                    if m:
                        return int(m[1])
                    buf = buf[-200:]
        return 1
    return first_row


def _ods_first_rows(path: Path):
    from . import ods

    def first_row(name: str) -> int:
        for _sheet, number, _values in ods.iter_rows(path, sheets={name}):
            return number
        return 1
    return first_row


def _excel_sheets(path: Path, k: str) -> list[Sheet]:
    import fastexcel

    try:
        book = fastexcel.read_excel(str(path))
        names = book.sheet_names
    except Exception as e:
        raise InputError(f"not a readable workbook (truncated or corrupt): {_first_line(e)}", file=path) from None
    first = _xlsx_first_rows(path) if k == "xlsx" else _ods_first_rows(path)
    return [ExcelSheet(path, name, book, first) for name in names]


def sheets(path: Path) -> list[Sheet]:
    """Every table in a file, lazily: rows are read only when asked for."""
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file", file=path)
    if path.stat().st_size == 0:
        raise InputError("the file is empty", file=path)
    k = kind(path)
    if k in ("csv", "csv.gz"):
        return [CsvSheet(path, k == "csv.gz")]
    if k == "json":
        return []
    if k == "zip":
        raise InputError("a zip archive: unpack it first (justicegap update unpacks the zips it reads)", file=path)
    if k == "ods" and path.stat().st_size > STREAM_ODS_BYTES:
        from . import ods

        return [OdsStreamSheet(path, name) for name in ods.sheet_names(path)]
    return _excel_sheets(path, k)
