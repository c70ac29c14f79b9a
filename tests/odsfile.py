"""Write small, valid .ods files from Python data, for tests and benchmarks.

Tests need spreadsheets in the official layouts without checking binary fixtures into the
repository, and the streaming reader needs files that use the ODF run-length features
(``table:number-columns-repeated`` / ``table:number-rows-repeated``) that real producers such as
LibreOffice emit.  ``write_ods_stream`` writes content.xml into the zip incrementally, so a
benchmark can make a file whose XML is larger than memory.

Cell values: ``None`` -> empty cell; ``bool`` -> boolean; ``int``/``float`` -> float (``office:value``);
``datetime.date``/``datetime.datetime`` -> date (``office:date-value``, ISO format); ``str`` -> string
(``"\\n"`` splits paragraphs, runs of spaces use ``text:s``, tabs ``text:tab``).
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import zipfile
from pathlib import Path
from typing import Iterable

MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"

_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" '
    'office:version="1.2"'
)
_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
         f"<office:document-content {_NS}><office:body><office:spreadsheet>")
_TAIL = "</office:spreadsheet></office:body></office:document-content>"

_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
    'manifest:version="1.2">'
    f'<manifest:file-entry manifest:full-path="/" manifest:version="1.2" manifest:media-type="{MIMETYPE}"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)

# Characters XML 1.0 cannot carry at all (other C0 controls, surrogates, U+FFFE/U+FFFF).
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SPACES = re.compile(" {2,}|^ ")


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _para(line: str) -> str:
    """One ``text:p`` body: escaped, with ODF white-space elements so no reader collapses it."""
    out = _esc(line).replace("\r", "&#13;").replace("\t", "<text:tab/>")

    def spaces(m: re.Match) -> str:
        run = len(m.group())
        if m.start() == 0:  # a leading space is not significant in ODF unless written as text:s
            return "<text:s/>" if run == 1 else f'<text:s text:c="{run}"/>'
        return " " + ("<text:s/>" if run == 2 else f'<text:s text:c="{run - 1}"/>')

    return _SPACES.sub(spaces, out)


def _number(v: float) -> str:
    if isinstance(v, int):
        return str(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "INF" if v > 0 else "-INF"
    return repr(v)


def cell_xml(value, repeat: int = 1) -> str:
    """The XML of one ``table:table-cell`` holding ``value`` (see the module docstring)."""
    rep = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    if value is None:
        return f"<table:table-cell{rep}/>"
    if isinstance(value, bool):
        v = "true" if value else "false"
        return (f'<table:table-cell{rep} office:value-type="boolean" office:boolean-value="{v}" '
                f'calcext:value-type="boolean"><text:p>{v.upper()}</text:p></table:table-cell>')
    if isinstance(value, (int, float)):
        v = _number(value)
        return (f'<table:table-cell{rep} office:value-type="float" office:value="{v}" '
                f'calcext:value-type="float"><text:p>{v}</text:p></table:table-cell>')
    if isinstance(value, (_dt.date, _dt.datetime)):
        v = value.isoformat()
        return (f'<table:table-cell{rep} office:value-type="date" office:date-value="{v}" '
                f'calcext:value-type="date"><text:p>{v}</text:p></table:table-cell>')
    if isinstance(value, str):
        if _BAD_XML.search(value):
            raise ValueError(f"string cannot be stored in XML 1.0: {value!r}")
        paras = "".join(f"<text:p>{_para(line)}</text:p>" if line else "<text:p/>"
                        for line in value.split("\n"))
        return (f'<table:table-cell{rep} office:value-type="string" calcext:value-type="string">'
                f"{paras}</table:table-cell>")
    raise TypeError(f"cannot write a {type(value).__name__} to an ODS cell: {value!r}")


def _key(value):
    """Equality that tells 1, 1.0 and True apart, for run-length compression."""
    return (type(value), value)


def row_xml(row: list, *, repeat: bool = False, times: int = 1, pad: int = 0) -> str:
    """The XML of one ``table:table-row``; ``repeat`` merges runs of equal cells,
    ``times`` writes ``table:number-rows-repeated``, ``pad`` appends that many trailing empty
    cells as one repeated cell (as LibreOffice does up to its last styled column)."""
    parts = ['<table:table-row table:style-name="ro1"'
             + (f' table:number-rows-repeated="{times}">' if times > 1 else ">")]
    if repeat:
        i = 0
        while i < len(row):
            j = i + 1
            while j < len(row) and _key(row[j]) == _key(row[i]):
                j += 1
            parts.append(cell_xml(row[i], j - i))
            i = j
    else:
        parts.extend(cell_xml(v) for v in row)
    if pad > 0:
        parts.append(cell_xml(None, pad))
    if len(parts) == 1:  # a row must hold at least one cell
        parts.append("<table:table-cell/>")
    parts.append("</table:table-row>")
    return "".join(parts)


def _table_xml(name: str, rows: list[list], *, repeat: bool, pad: bool) -> Iterable[str]:
    width = max((len(r) for r in rows), default=0)
    yield f'<table:table table:name="{_esc(name)}">'
    ncols = width + (3 if pad else 0)
    yield (f'<table:table-column table:number-columns-repeated="{ncols}"/>' if ncols > 1
           else "<table:table-column/>")
    i = 0
    while i < len(rows):
        j = i + 1
        if repeat:
            key = [_key(v) for v in rows[i]]
            while j < len(rows) and [_key(v) for v in rows[j]] == key:
                j += 1
        yield row_xml(rows[i], repeat=repeat, times=j - i, pad=3 if pad else 0)
        i = j
    if pad:  # LibreOffice writes the sheet out to its last row as one huge repeated empty row
        yield row_xml([], times=max(2, 1048576 - len(rows)), pad=ncols)
    elif not rows:
        yield row_xml([])
    yield "</table:table>"


def _start_zip(path) -> zipfile.ZipFile:
    zf = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED)
    # The mimetype member must come first, stored, so tools can sniff the type at offset 38.
    zf.writestr(zipfile.ZipInfo("mimetype"), MIMETYPE, compress_type=zipfile.ZIP_STORED)
    zf.writestr("META-INF/manifest.xml", _MANIFEST)
    return zf


def write_ods(path, sheets: dict[str, list[list]], *, repeat: bool = False,
              pad: bool = False) -> Path:
    """Write ``sheets`` ({name: rows}) to a minimal valid .ods at ``path``.

    ``repeat=True`` run-length compresses equal adjacent cells and rows with
    ``table:number-columns-repeated`` / ``table:number-rows-repeated``; ``pad=True`` adds the
    trailing repeated empty cells and rows LibreOffice writes. Both leave the data unchanged.
    """
    path = Path(path)
    body = [_HEAD]
    for name, rows in sheets.items():
        body.extend(_table_xml(name, [list(r) for r in rows], repeat=repeat, pad=pad))
    body.append(_TAIL)
    with _start_zip(path) as zf:
        zf.writestr("content.xml", "".join(body))
    return path


def content_xml(body: str) -> str:
    """A whole content.xml around ``body`` (the ``table:table`` elements), with the usual
    namespace prefixes declared: for tests that need XML ``write_ods`` would not produce."""
    return _HEAD + body + _TAIL


def write_ods_xml(path, content: str | bytes, *, mimetype: str | None = MIMETYPE) -> Path:
    """Write an .ods whose content.xml is exactly ``content`` (see ``content_xml``); ``mimetype``
    None leaves the mimetype member out."""
    path = Path(path)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        if mimetype is not None:
            zf.writestr(zipfile.ZipInfo("mimetype"), mimetype, compress_type=zipfile.ZIP_STORED)
        zf.writestr("META-INF/manifest.xml", _MANIFEST)
        zf.writestr("content.xml", content)
    return path


def write_ods_stream(path, sheet_name: str, header: list, rows: Iterable[list], *,
                     compresslevel: int | None = None, chunk_chars: int = 1 << 20) -> int:
    """Write one sheet (``header`` then ``rows``) without holding it in memory.

    content.xml is streamed into the zip (zip64, so it may exceed 4 GB). Returns the exact
    uncompressed size of content.xml in bytes. ``compresslevel`` is zlib's (1 is fastest).
    """
    path = Path(path)
    size = 0
    with _start_zip(path) as zf:
        info = zipfile.ZipInfo("content.xml")
        info.compress_type = zipfile.ZIP_DEFLATED
        if compresslevel is not None:
            info._compresslevel = compresslevel  # no public setter before 3.13; still works there
        with zf.open(info, "w", force_zip64=True) as out:
            buf: list[str] = []
            pending = 0

            def flush():
                nonlocal size, pending
                data = "".join(buf).encode("utf-8")
                out.write(data)
                size += len(data)
                buf.clear()
                pending = 0

            buf.append(_HEAD)
            buf.append(f'<table:table table:name="{_esc(sheet_name)}">')
            buf.append(f'<table:table-column table:number-columns-repeated="{max(2, len(header))}"/>')
            buf.append(row_xml(list(header)))
            for row in rows:
                x = row_xml(list(row))
                buf.append(x)
                pending += len(x)
                if pending >= chunk_chars:
                    flush()
            buf.append("</table:table>")
            buf.append(_TAIL)
            flush()
    return size
