"""Streaming reader for OpenDocument spreadsheets (.ods), in bounded memory.

Some publishers' ODS files are too big to load: the Home Office's police recorded crime by
Community Safety Partnership table has a content.xml of more than a gigabyte, which
python-calamine (and any DOM or tree) would hold whole. Here content.xml is decompressed from the
zip in 1 MB chunks and pushed through expat, and rows are handed out as they complete, so memory
does not grow with the file. Only the standard library is used.

Sheets not asked for are skipped without parsing them: their start tag is parsed by expat, then a
byte scanner jumps to the matching end tag (stepping over comments, CDATA and processing
instructions), so a sheet that follows a huge one is reached in seconds. Skipped XML is not
checked for well-formedness.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path
from typing import Callable, Collection, Iterator
from xml.parsers import expat

from .errors import InputError

__all__ = ["iter_rows", "sheet_names", "ODS_MIMETYPE", "MAX_COLUMNS"]

ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
CHUNK_SIZE = 1 << 20  # bytes of content.xml decompressed and parsed at a time
MAX_COLUMNS = 1 << 20  # a row wider than this is refused rather than expanded into memory
_MAX_REPEAT = 1 << 31  # repeat counts and text:c beyond this are treated as corrupt
_MAX_SPACES = 1 << 20
_MAX_TAG = 1 << 20  # a table start tag longer than this is not skipped by the byte scanner

_NS_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_NS_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_NS_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_UTF8 = {None, "utf-8", "utf8", "us-ascii", "ascii"}
_TERMS = {b"<!--": b"-->", b"<![CDATA[": b"]]>", b"<?": b"?>"}


def iter_rows(path, sheets: Collection[str] | str | None = None) -> Iterator[tuple[str, int, list]]:
    """Yield ``(sheet_name, row_number, values)`` for every row holding a value, in document order.

    ``row_number`` is the 1-based spreadsheet row (blank and repeated rows advance it). ``values``
    runs from column A to the row's last non-empty cell: ``float`` (float, percentage, currency),
    ``str`` (string; paragraphs joined by "\\n"), ``bool``, ISO ``str`` (date; time as its ISO
    duration), ``None`` (empty or covered). ``table:number-columns-repeated`` and
    ``table:number-rows-repeated`` are expanded; each yielded list is a new list.

    ``sheets``: names of the sheets to read; the others are skipped, reading stops after the last
    one asked for, and a name that is not in the file raises InputError once the file is read.
    """
    path = Path(path)
    wanted = None if sheets is None else frozenset([sheets] if isinstance(sheets, str) else sheets)
    with _Content(path) as content:
        feeder = _Feeder(path, content, wanted)
        out = feeder.out
        try:
            for _ in feeder.run():
                if out:
                    yield from _expand(out)
                    out.clear()
        except _Stop:
            pass
        except InputError:  # rows finished before the damage are still delivered, then the error
            yield from _expand(out)
            raise
        if out:
            yield from _expand(out)
            out.clear()
        feeder.check_end()


def sheet_names(path) -> list[str]:
    """The names of the sheets, in order.

    Every sheet's start tag has to be found, and the last sheet's may sit after a gigabyte of
    rows, so the whole of content.xml is decompressed; but the sheets' contents are skipped by the
    byte scanner rather than parsed (about 3 s per GB of XML), and they are not checked.
    """
    path = Path(path)
    with _Content(path) as content:
        feeder = _Feeder(path, content, frozenset())
        for _ in feeder.run():
            pass
        feeder.check_end()
        return list(feeder.names)


def _expand(out):
    """Rows as yielded: a row repeated n times is yielded n times, each with its own list."""
    for sheet, number, values, times in out:
        yield sheet, number, values
        for k in range(1, times):
            yield sheet, number + k, list(values)


class _Stop(Exception):
    """Raised inside expat once every sheet asked for has been read: nothing after matters."""


def _column_letter(n: int) -> str:
    s = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


class _Content:
    """content.xml of an .ods, opened for streaming, with every way it can be unreadable made an
    InputError that names the file (and the sheet and row reached, via ``where``)."""

    def __init__(self, path: Path):
        self.path = path
        self.zf = None
        self.stream = None
        self.where: Callable[[], tuple] = lambda: (None, None)

    def __enter__(self):
        path = self.path
        try:
            self.zf = zipfile.ZipFile(path)
        except zipfile.BadZipFile:
            raise InputError(self._not_zip(), file=path) from None
        except OSError as e:
            raise InputError(f"cannot open the file: {e.strerror or e}", file=path) from None
        try:
            names = set(self.zf.namelist())
            if "mimetype" in names:
                mimetype = self.zf.read("mimetype").decode("ascii", "replace").strip()
                if not mimetype.startswith(ODS_MIMETYPE):
                    raise InputError(f"not an ODS spreadsheet: its mimetype is '{mimetype}'", file=path)
            if "content.xml" not in names:
                if "[Content_Types].xml" in names:
                    raise InputError("an Office Open XML file (.xlsx), not an ODS spreadsheet", file=path)
                raise InputError("not an ODS spreadsheet: the zip archive has no content.xml", file=path)
            if "META-INF/manifest.xml" in names and b"encryption-data" in self.zf.read("META-INF/manifest.xml"):
                raise InputError("the spreadsheet is password-protected: save an unprotected copy", file=path)
            self.stream = self.zf.open("content.xml")
        except InputError:
            self.close()
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as e:
            self.close()
            raise InputError(f"the ODS zip archive is truncated or corrupt ({e})", file=path) from None
        return self

    def _not_zip(self) -> str:
        try:
            with open(self.path, "rb") as f:
                head = f.read(8)
        except OSError:
            head = b""
        if head.startswith(b"PK"):
            return "the ODS zip archive is truncated or corrupt (its central directory is missing or damaged)"
        if head.startswith(b"\xd0\xcf\x11\xe0"):
            return "an old binary Excel (.xls) file, not an ODS spreadsheet"
        return "not an ODS spreadsheet: the file is not a zip archive"

    def chunks(self) -> Iterator[bytes]:
        """content.xml in CHUNK_SIZE pieces; a damaged member becomes an InputError."""
        read = self.stream.read
        while True:
            try:
                data = read(CHUNK_SIZE)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as e:
                sheet, row = self.where()
                raise InputError(f"content.xml is truncated or corrupt ({e})", file=self.path,
                                 sheet=sheet, row=row) from None
            if not data:
                return
            yield data

    def close(self):
        if self.stream is not None:
            self.stream.close()
        if self.zf is not None:
            self.zf.close()
        self.stream = self.zf = None

    def __exit__(self, *exc):
        self.close()


class _State:
    """What the expat handlers publish to the feeder (the hot per-cell state stays in closures)."""

    def __init__(self):
        self.out: list = []  # (sheet, row, values, times) completed since last drained
        self.names: list[str] = []
        self.where: Callable[[], tuple] = lambda: (None, None)
        self.table_prefix: bytes | None = None  # known once the root element is parsed
        self.table_at = -1  # expat byte index of the last sheet's start tag
        self.skipping = False  # that sheet is not wanted
        self.spreadsheet = False
        self.jumpable = True  # UTF-8 and no DOCTYPE: the byte scanner may skip sheets
        self.remaining: set | None = None


def _make_parser(path: Path, wanted: frozenset | None, st: _State):
    """An expat parser whose handlers append finished rows to ``st.out``.

    Namespace processing is off (it costs ~20%): the prefixes are read from the root element's
    xmlns declarations, which is where every ODS producer puts them.
    """
    p = expat.ParserCreate()
    p.buffer_text = True
    p.buffer_size = 1 << 16

    def refuse_entities(*_):
        raise InputError("content.xml declares XML entities, which an ODS never does; refusing to expand them",
                         file=path)

    def xml_decl(version, encoding, standalone):
        if encoding is not None and encoding.lower() not in _UTF8:
            st.jumpable = False

    def doctype(*_):
        st.jumpable = False

    def root(name, attrs):
        ns = {v: k[6:] for k, v in attrs.items() if k.startswith("xmlns:")}
        office = ns.get(_NS_OFFICE, "office")
        if name not in (office + ":document-content", office + ":document"):
            raise InputError(f"content.xml is not an OpenDocument document (its root element is <{name}>)",
                             file=path)
        _install_handlers(p, path, wanted, st, office, ns.get(_NS_TABLE, "table"), ns.get(_NS_TEXT, "text"))

    p.EntityDeclHandler = refuse_entities
    p.XmlDeclHandler = xml_decl
    p.StartDoctypeDeclHandler = doctype
    p.StartElementHandler = root
    return p


def _install_handlers(p, path, wanted, st: _State, office: str, table: str, text: str):
    """Set the document-level handlers; the row handlers below are the hot path (tens of millions
    of calls for a big file), so they keep their state in closure variables and test the most
    frequent element names first."""
    T, O, X = table + ":", office + ":", text + ":"
    TABLE, ROW, CELL, COVERED = T + "table", T + "table-row", T + "table-cell", T + "covered-table-cell"
    NAME, CREP, RREP = T + "name", T + "number-columns-repeated", T + "number-rows-repeated"
    SPREADSHEET, VT, VALUE, STRV = O + "spreadsheet", O + "value-type", O + "value", O + "string-value"
    BOOLV, DATEV, TIMEV = O + "boolean-value", O + "date-value", O + "time-value"
    P, H, S, TAB, LB, C = X + "p", X + "h", X + "s", X + "tab", X + "line-break", X + "c"
    TRANSPARENT = frozenset(T + n for n in ("table-header-rows", "table-row-group", "table-rows", "table-column",
                                            "table-columns", "table-column-group", "table-header-columns"))
    NUMERIC = frozenset(("float", "percentage", "currency"))
    if p.intern is not None:  # identical objects make expat's names compare by identity
        for n in (TABLE, ROW, CELL, COVERED, NAME, CREP, RREP, SPREADSHEET, VT, VALUE, STRV, BOOLV,
                  DATEV, TIMEV, P, H, S, TAB, LB, C, *TRANSPARENT):
            p.intern[n] = n
    st.table_prefix = table.encode("utf-8")
    names, out_append = st.names, st.out.append
    remaining = st.remaining = None if wanted is None else set(wanted)

    sheet = None  # name of the sheet being read, None between sheets
    rownum = 1  # number of the row being read
    vals: list = []  # values of the row so far, up to its last non-empty cell
    pending = 0  # empty cells seen since the last non-empty one
    rrep = 1  # this row's number-rows-repeated
    cv = None  # the cell's value (from its attributes)
    crep = 1  # the cell's number-columns-repeated
    collect = False  # the cell's value is its text: gather text:p content
    txt = ""  # that text so far (str +=: one piece per cell is the rule, so no list and join)
    npara = 0
    inp = False  # inside a text:p of a collected cell
    depth = 0  # nesting depth while skipping a subtree or a sheet

    def where():
        return sheet, rownum

    st.where = where

    def bad(message, column=True):
        col = _column_letter(len(vals) + pending + 1) if column else None
        return InputError(message, file=path, sheet=sheet, row=rownum, column=col)

    def count(value, what, limit=_MAX_REPEAT, column=True):
        try:
            n = int(value)
        except ValueError:
            n = 0
        if not 0 < n <= limit:
            raise bad(f"invalid {what} '{value}'", column)
        return n

    # -- between sheets ---------------------------------------------------------------------
    def doc_start(name, a):
        nonlocal sheet, rownum, depth
        if name == TABLE and st.spreadsheet:
            sheet, rownum = a.get(NAME, ""), 1
            names.append(sheet)
            st.table_at = p.CurrentByteIndex
            if wanted is None or sheet in wanted:
                st.skipping = False
                p.StartElementHandler, p.EndElementHandler, p.CharacterDataHandler = start, end, data
            else:
                st.skipping = True
                depth = 1
                p.StartElementHandler, p.EndElementHandler = skip_sheet_start, skip_sheet_end
        elif name == SPREADSHEET:
            st.spreadsheet = True

    def doc_end(name):
        pass

    def end_sheet():
        nonlocal sheet
        p.StartElementHandler, p.EndElementHandler, p.CharacterDataHandler = doc_start, doc_end, None
        done, sheet = sheet, None
        if remaining is not None and done in remaining:
            remaining.discard(done)
            if not remaining:
                raise _Stop

    # -- a sheet not asked for (when the byte scanner could not jump over it) ---------------------
    def skip_sheet_start(name, a):
        nonlocal depth
        if name == TABLE:
            depth += 1

    def skip_sheet_end(name):
        nonlocal depth
        if name == TABLE:
            depth -= 1
            if not depth:
                end_sheet()

    # -- a subtree to ignore inside a sheet: annotations, drawings, covered cells, forms ------------
    def skip(n=1):
        nonlocal depth
        depth = n
        p.StartElementHandler, p.EndElementHandler, p.CharacterDataHandler = skip_start, skip_end, None

    def skip_start(name, a):
        nonlocal depth
        depth += 1

    def skip_end(name):
        nonlocal depth
        depth -= 1
        if not depth:
            p.StartElementHandler, p.EndElementHandler, p.CharacterDataHandler = start, end, data

    # -- a sheet being read ------------------------------------------------------------------------
    def start(name, a):
        nonlocal cv, crep, collect, txt, npara, inp, vals, pending, rrep
        if name == CELL:
            r = a.get(CREP)
            crep = 1 if r is None else count(r, "table:number-columns-repeated")
            vt = a.get(VT)
            if vt == "string":
                cv = a.get(STRV)
                if cv is None:
                    cv = txt = ""
                    collect = True
                    npara = 0
            elif vt in NUMERIC:
                v = a.get(VALUE)
                try:
                    cv = float(v)
                except (TypeError, ValueError):
                    raise bad(f"a {vt} cell with an invalid office:value '{v}'") from None
            elif vt is None:
                cv = None
                txt = ""
                collect = True
                npara = 0
            elif vt == "boolean":
                v = a.get(BOOLV)
                if v not in ("true", "false", "1", "0"):
                    raise bad(f"a boolean cell with an invalid office:boolean-value '{v}'")
                cv = v in ("true", "1")
            elif vt == "date" or vt == "time":
                cv = a.get(DATEV if vt == "date" else TIMEV)
                if not cv:
                    raise bad(f"a {vt} cell without its office:{vt}-value")
            else:  # an unknown type: keep the text a person would see
                cv = None
                txt = ""
                collect = True
                npara = 0
        elif name == P:
            if collect:
                if npara:
                    txt += "\n"
                npara += 1
                inp = True
        elif name == ROW:
            r = a.get(RREP)
            rrep = 1 if r is None else count(r, "table:number-rows-repeated", column=False)
            vals, pending = [], 0
        elif inp:
            if name == S:
                c = a.get(C)
                txt += " " if c is None else " " * count(c, "text:c", _MAX_SPACES)
            elif name == TAB:
                txt += "\t"
            elif name == LB:
                txt += "\n"
            elif not name.startswith(X):  # text:span, text:a... carry text; anything else does not
                skip()
        elif name == H and collect:
            if npara:
                txt += "\n"
            npara += 1
            inp = True
        elif name == COVERED:
            r = a.get(CREP)
            pending += 1 if r is None else count(r, "table:number-columns-repeated")
            skip()
        elif name in TRANSPARENT or (collect and name.startswith(X)):  # row groups; text:list
            pass
        else:
            skip()

    def end(name):
        nonlocal collect, inp, pending, rownum
        if name == CELL:
            if collect:  # a string ("" if no text) or an untyped cell (None if no text)
                collect = False
                v = txt or cv
            else:
                v = cv
            if v is None:
                pending += crep
            elif pending or crep > 1:
                if len(vals) + pending + crep > MAX_COLUMNS:
                    raise bad(f"a row wider than {MAX_COLUMNS} columns", column=False)
                if pending:
                    vals.extend([None] * pending)
                    pending = 0
                vals.extend([v] * crep)
            else:
                vals.append(v)
        elif name == P or name == H:
            inp = False
        elif name == ROW:
            if vals:
                out_append((sheet, rownum, vals, rrep))
            rownum += rrep
        elif name == TABLE:
            end_sheet()

    def data(d):
        nonlocal txt
        if inp:
            txt += d

    p.StartElementHandler, p.EndElementHandler = doc_start, doc_end


class _Feeder:
    """Pushes content.xml through expat, jumping over sheets not asked for.

    A jump is made only when expat itself has just parsed the sheet's start tag at the very byte
    the scanner found it (so a look-alike inside a comment can never trigger one), the document is
    UTF-8 and has no DOCTYPE; otherwise the sheet is skipped by cheap expat handlers instead.
    """

    def __init__(self, path: Path, content: _Content, wanted: frozenset | None):
        self.path, self.content, self.wanted = path, content, wanted
        self.st = st = _State()
        self.out, self.names = st.out, st.names
        self.parser = _make_parser(path, wanted, st)
        content.where = self._where
        self.fed = 0  # bytes given to expat
        self.base = 0  # offset in content.xml of buf[0]
        self.skipped = 0  # bytes jumped over
        self.buf = b""
        self.more = iter(())

    def _where(self):
        return self.st.where()

    def parse(self, data, final=False):
        try:
            self.parser.Parse(data, final)
        except expat.ExpatError as e:
            sheet, row = self.st.where()
            at = self.parser.ErrorByteIndex
            pos = f"byte {at + self.skipped}" if self.skipped else f"line {e.lineno}, column {e.offset + 1}"
            raise InputError(f"malformed XML in content.xml at {pos}: {expat.ErrorString(e.code)}",
                             file=self.path, sheet=sheet, row=row) from None
        self.fed += len(data)

    def check_end(self):
        if not self.st.spreadsheet:
            raise InputError("not an ODS spreadsheet: content.xml holds no office:spreadsheet", file=self.path)
        if self.st.remaining:
            missing = ", ".join(f"'{n}'" for n in sorted(self.st.remaining))
            have = ", ".join(f"'{n}'" for n in self.names) or "none"
            raise InputError(f"no sheet named {missing}; the sheets are: {have}", file=self.path)

    def run(self) -> Iterator[None]:
        """Feed everything, yielding after each piece so the caller can drain finished rows."""
        chunks = self.content.chunks()
        st = self.st
        if self.wanted is None:  # every sheet is read: no scanning needed
            for chunk in chunks:
                self.parse(chunk)
                yield
            self.parse(b"", True)
            yield
            return
        self.more = chunks
        for chunk in chunks:  # feed tag by tag until the root element is known, then scan
            k = 0
            while k < len(chunk) and st.table_prefix is None:
                j = chunk.find(b">", k) + 1 or len(chunk)
                self.parse(chunk[k:j])
                k = j
            if st.table_prefix is not None:
                self.buf, self.base = chunk[k:], self.fed
                break
            yield
        if st.table_prefix is None:
            self.parse(b"", True)
            return
        tp = re.escape(st.table_prefix)
        start_re = re.compile(b"<" + tp + rb":table[\s/>]")
        tag_re = re.compile(b"<" + tp + rb""":table(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*/?>""")
        keep = len(st.table_prefix) + 16
        while True:
            buf, i = self.buf, 0
            while True:
                m = start_re.search(buf, i)
                if m is None:
                    cut = max(i, len(buf) - keep)  # a tag may straddle the next chunk
                    break
                t = tag_re.match(buf, m.start())
                if t is None:
                    if len(buf) - m.start() < _MAX_TAG:
                        cut = m.start()
                        break
                    t = m  # not a tag we can read: leave it to expat
                at = self.fed + m.start() - i
                self.parse(buf[i:t.end()])
                i = t.end()
                if (st.skipping and st.table_at == at and st.jumpable
                        and not t.group().endswith(b"/>")):
                    buf, i = self._jump(buf, i)
                    yield
            self.parse(buf[i:cut])
            yield
            nxt = next(chunks, None)
            if nxt is None:
                self.parse(buf[cut:], True)
                yield
                return
            self.base += cut
            self.buf = buf[cut:] + nxt

    def _jump(self, buf: bytes, i: int) -> tuple[bytes, int]:
        """Skip from just after a sheet's start tag to its matching end tag; return the buffer and
        the index of that end tag, which is then fed to expat to close the sheet."""
        tp = re.escape(self.st.table_prefix)
        any_re = re.compile(rb"<(?:!--|!\[CDATA\[|\?|/?" + tp + rb":table[\s/>])")
        tag_re = re.compile(b"<" + tp + rb""":table(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*/?>""")
        keep = len(self.st.table_prefix) + 16
        start_abs = self.base + i
        depth = 1
        base = self.base

        def refill(cut):
            nonlocal buf, base
            nxt = next(self.more, None)
            if nxt is None:
                raise InputError("malformed XML in content.xml: it ends inside a sheet", file=self.path,
                                 sheet=self.st.where()[0])
            base += cut
            buf = buf[cut:] + nxt

        while True:
            m = any_re.search(buf, i)
            if m is None:
                cut = max(i, len(buf) - keep)
                refill(cut)
                i = 0
                continue
            g = m.group()
            term = _TERMS.get(g)
            if term is not None:  # comment, CDATA or processing instruction: find its end
                j = m.end()
                while (k := buf.find(term, j)) < 0:
                    cut = max(j, len(buf) - len(term) + 1)
                    refill(cut)
                    j = 0
                i = k + len(term)
                continue
            if g[1] == 0x2F:  # "/": an end tag
                depth -= 1
                if not depth:
                    self.skipped += base + m.start() - start_abs
                    self.base = base
                    self.buf = buf
                    return buf, m.start()
                i = m.end()
                continue
            t = tag_re.match(buf, m.start())
            if t is None:
                if len(buf) - m.start() >= _MAX_TAG:
                    raise InputError("malformed XML in content.xml: an unreadable sheet start tag",
                                     file=self.path)
                s = m.start()
                refill(s)
                i = 0
                continue
            if not t.group().endswith(b"/>"):
                depth += 1
            i = t.end()
