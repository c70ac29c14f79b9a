"""The streaming ODS reader (justicegap.ods), checked against python-calamine on the same files.

Files are made with tests/odsfile.py; hand-written content.xml covers what that writer does not
emit (covered cells, annotations, spans, row groups...). Every read is repeated with tiny chunk
sizes so tags, comments and sheet boundaries fall across chunk edges.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from justicegap import ods
from justicegap.errors import InputError
from odsfile import content_xml, write_ods, write_ods_stream, write_ods_xml

CHUNK_SIZES = [1 << 20, 61, 7]


@pytest.fixture(params=CHUNK_SIZES, ids=lambda n: f"chunk{n}")
def chunk(request, monkeypatch):
    monkeypatch.setattr(ods, "CHUNK_SIZE", request.param)
    return request.param


def rows_of(path, sheets=None):
    return list(ods.iter_rows(path, sheets))


def _norm(v):
    """Put both readers' values in one form: calamine cannot tell '' from empty, and gives
    dates as datetime objects."""
    if v == "" or v is None:
        return None
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    return v


def calamine_rows(path, sheet):
    """(row number, values) of every non-empty row, trimmed after the last non-empty cell."""
    data = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    out = []
    for i, values in enumerate(data, start=1):
        values = [_norm(v) for v in values]
        while values and values[-1] is None:
            values.pop()
        if values:
            out.append((i, values))
    return out


def ours(path, sheet):
    out = []
    for name, number, values in ods.iter_rows(path, {sheet}):
        assert name == sheet
        values = [_norm(v) for v in values]
        while values and values[-1] is None:
            values.pop()
        if values:
            out.append((number, values))
    return out


def assert_same_as_calamine(path):
    book = CalamineWorkbook.from_path(str(path))
    assert ods.sheet_names(path) == book.sheet_names
    for sheet in book.sheet_names:
        assert ours(path, sheet) == calamine_rows(path, sheet)


TYPES = [
    ["text", "two  spaces", " leading", "trailing ", "a & b < c > d \"q\" 'a'", "line one\nline two", "ünï©ødé €"],
    [1, -2.5, 0.1, 1e-300, 12345678901234.0, 0, float("inf")],
    [True, False, None, None, dt.date(2021, 3, 31), dt.datetime(2020, 1, 2, 3, 4, 5)],
]


def test_cell_types(tmp_path, chunk):
    p = write_ods(tmp_path / "t.ods", {"Data": TYPES})
    assert rows_of(p) == [
        ("Data", 1, TYPES[0]),
        ("Data", 2, [1.0, -2.5, 0.1, 1e-300, 12345678901234.0, 0.0, float("inf")]),
        ("Data", 3, [True, False, None, None, "2021-03-31", "2020-01-02T03:04:05"]),
    ]
    assert all(type(v) is float for v in rows_of(p)[1][2])
    assert_same_as_calamine(p)


def test_tabs_and_carriage_returns(tmp_path, chunk):
    p = write_ods(tmp_path / "t.ods", {"S": [["a\tb", "c\r\nd", "\n", ""]]})
    assert rows_of(p) == [("S", 1, ["a\tb", "c\r\nd", "\n", ""])]


@pytest.mark.parametrize("repeat", [False, True])
@pytest.mark.parametrize("pad", [False, True])
def test_repeated_cells_and_rows(tmp_path, chunk, repeat, pad):
    rows = [
        ["h1", "h2", "h3"],
        [],
        [],
        [None, None, 7, 7, 7, None, "x"],
        ["same", 1, None],
        ["same", 1, None],
        ["same", 1, None],
        [None, None, None],
        [True, True, 1, 1.0],
    ]
    p = write_ods(tmp_path / "r.ods", {"R": rows}, repeat=repeat, pad=pad)
    if repeat:
        xml = zipfile.ZipFile(p).read("content.xml").decode()
        assert 'table:number-columns-repeated="3"' in xml and 'table:number-rows-repeated="3"' in xml
    got = rows_of(p)
    assert got == [
        ("R", 1, ["h1", "h2", "h3"]),
        ("R", 4, [None, None, 7.0, 7.0, 7.0, None, "x"]),
        ("R", 5, ["same", 1.0]),
        ("R", 6, ["same", 1.0]),
        ("R", 7, ["same", 1.0]),
        ("R", 9, [True, True, 1.0, 1.0]),
    ]
    assert len({id(values) for _, _, values in got}) == len(got)  # repeated rows are copies
    assert_same_as_calamine(p)


def test_sheets_filter_and_order(tmp_path, chunk):
    sheets = {
        "Cover": [["Police recorded crime"], [None], ["Source: Home Office"]],
        "Big": [[i, f"row {i}"] for i in range(300)],
        "Empty": [],
        "Notes": [["note 1"], ["note 2"]],
    }
    p = write_ods(tmp_path / "m.ods", sheets, repeat=True, pad=True)
    assert ods.sheet_names(p) == ["Cover", "Big", "Empty", "Notes"]
    every = rows_of(p)
    assert [s for s, _, _ in every] == ["Cover"] * 2 + ["Big"] * 300 + ["Notes"] * 2
    assert every[:2] == [("Cover", 1, ["Police recorded crime"]), ("Cover", 3, ["Source: Home Office"])]
    assert rows_of(p, {"Notes"}) == [("Notes", 1, ["note 1"]), ("Notes", 2, ["note 2"])]
    assert rows_of(p, "Notes") == rows_of(p, ["Notes"])  # a single name need not be wrapped
    assert rows_of(p, {"Notes", "Cover"}) == every[:2] + every[-2:]
    assert rows_of(p, {"Empty"}) == []
    big = rows_of(p, {"Big"})
    assert big[0] == ("Big", 1, [0.0, "row 0"]) and big[-1] == ("Big", 300, [299.0, "row 299"])
    assert_same_as_calamine(p)


def test_missing_sheet_is_an_input_error(tmp_path):
    p = write_ods(tmp_path / "m.ods", {"A": [[1]], "B": [[2]]})
    with pytest.raises(InputError) as e:
        rows_of(p, {"A", "Nope"})
    assert "no sheet named 'Nope'" in str(e.value) and "'A', 'B'" in str(e.value) and str(p) in str(e.value)


def test_reading_stops_after_the_last_sheet_asked_for(tmp_path):
    # the XML after sheet A is broken: asking only for A must not reach it
    body = ('<table:table table:name="A"><table:table-row><table:table-cell office:value-type="float" '
            'office:value="1"/></table:table-row></table:table><table:table table:name="B"><oops>')
    p = write_ods_xml(tmp_path / "s.ods", content_xml(body))
    assert rows_of(p, {"A"}) == [("A", 1, [1.0])]
    with pytest.raises(InputError, match="malformed XML"):
        rows_of(p)


def test_hand_written_features(tmp_path, chunk):
    body = """<table:table table:name="F">
      <table:table-column table:number-columns-repeated="4"/>
      <table:table-header-rows>
        <table:table-row>
          <table:table-cell office:value-type="string"><text:p>Head <text:span text:style-name="b">bold</text:span><text:s text:c="3"/>end</text:p></table:table-cell>
          <table:table-cell table:number-columns-spanned="2" office:value-type="string"><text:p>merged</text:p></table:table-cell>
          <table:covered-table-cell office:value-type="string"><text:p>hidden</text:p></table:covered-table-cell>
          <table:table-cell office:value-type="percentage" office:value="0.25"><text:p>25%</text:p></table:table-cell>
        </table:table-row>
      </table:table-header-rows>
      <table:table-row table:number-rows-repeated="5"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>
      <table:table-row-group>
        <table:table-row>
          <table:table-cell office:value-type="currency" office:currency="GBP" office:value="-3.5"><text:p>-£3.50</text:p></table:table-cell>
          <table:table-cell office:value-type="string">
            <office:annotation><dc:creator>someone</dc:creator><text:p>a comment, not data</text:p></office:annotation>
            <text:p>first<text:line-break/>second</text:p>
            <text:p><text:a xlink:href="http://example.org" xmlns:xlink="http://www.w3.org/1999/xlink">link</text:a><text:tab/>x</text:p>
          </table:table-cell>
          <table:table-cell office:value-type="time" office:time-value="PT12H30M00S"><text:p>12:30</text:p></table:table-cell>
          <table:table-cell office:value-type="string" office:string-value="from the attribute"><text:p>shown</text:p></table:table-cell>
          <table:table-cell><text:p>untyped text</text:p></table:table-cell>
          <table:table-cell table:number-columns-repeated="3"><text:p></text:p></table:table-cell>
          <table:table-cell><draw:frame draw:name="pic"><draw:text-box><text:p>in a shape</text:p></draw:text-box></draw:frame></table:table-cell>
        </table:table-row>
      </table:table-row-group>
      <table:table-row table:number-rows-repeated="2">
        <table:covered-table-cell table:number-columns-repeated="2"/>
        <table:table-cell office:value-type="boolean" office:boolean-value="true"><text:p>TRUE</text:p></table:table-cell>
      </table:table-row>
      <table:table-row table:number-rows-repeated="1048567"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>
    </table:table>"""
    p = write_ods_xml(tmp_path / "h.ods", content_xml(body))
    assert rows_of(p) == [
        ("F", 1, ["Head bold   end", "merged", None, 0.25]),
        ("F", 7, [-3.5, "first\nsecond\nlink\tx", "PT12H30M00S", "from the attribute", "untyped text"]),
        ("F", 8, [None, None, True]),
        ("F", 9, [None, None, True]),
    ]
    assert ods.sheet_names(p) == ["F"]


def test_prefixes_come_from_the_document(tmp_path, chunk):
    xml = ('<?xml version="1.0" encoding="UTF-8"?>'
           '<o:document-content xmlns:o="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
           'xmlns:t="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
           'xmlns:x="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><o:body><o:spreadsheet>'
           '<t:table t:name="One"><t:table-row><t:table-cell o:value-type="string"><x:p>a<x:s/>b</x:p>'
           '</t:table-cell></t:table-row></t:table><t:table t:name="Two"><t:table-row>'
           '<t:table-cell o:value-type="float" o:value="2"/></t:table-row></t:table>'
           '</o:spreadsheet></o:body></o:document-content>')
    p = write_ods_xml(tmp_path / "p.ods", xml)
    assert rows_of(p) == [("One", 1, ["a b"]), ("Two", 1, [2.0])]
    assert rows_of(p, {"Two"}) == [("Two", 1, [2.0])]
    assert ods.sheet_names(p) == ["One", "Two"]


SKIPPY = """<table:table table:name="First">
  <table:table-row><table:table-cell office:value-type="string"><text:p>one</text:p></table:table-cell></table:table-row>
  <!-- a comment holding <table:table table:name="Fake"> and </table:table> -->
  <table:table-row><table:table-cell office:value-type="string"><text:p><![CDATA[</table:table>]]></text:p></table:table-cell></table:table-row>
  <?some-pi </table:table> ?>
  <table:table-row><table:table-cell><draw:frame><table:table table:name="Nested"><table:table-row><table:table-cell/></table:table-row></table:table><table:table table:name="Empty nested"/></draw:frame></table:table-cell>
  <table:table-cell office:value-type="float" office:value="3"/></table:table-row>
</table:table
><table:table table:name="Second" ><table:table-row><table:table-cell office:value-type="string"><text:p>&lt;table:table table:name="x"&gt;</text:p></table:table-cell></table:table-row></table:table>
<table:table table:name="Third"/>
<table:table table:name="Fourth"><table:table-row><table:table-cell office:value-type="float" office:value="4"/></table:table-row></table:table>
<table:named-expressions/>"""


@pytest.mark.parametrize("doctype", [False, True])
def test_skipping_sheets_steps_over_look_alikes(tmp_path, chunk, doctype, monkeypatch):
    jumps = []
    real_jump = ods._Feeder._jump

    def counting_jump(self, buf, i):
        jumps.append(self.names[-1])
        return real_jump(self, buf, i)

    monkeypatch.setattr(ods._Feeder, "_jump", counting_jump)
    xml = content_xml(SKIPPY)
    if doctype:  # a DOCTYPE turns the byte scanner off: expat skips instead, with the same result
        xml = xml.replace("?>\n", "?>\n<!DOCTYPE office:document-content>\n", 1)
    p = write_ods_xml(tmp_path / "k.ods", xml)
    first = [("First", 1, ["one"]), ("First", 2, ["</table:table>"]), ("First", 3, [None, 3.0])]
    second = [("Second", 1, ['<table:table table:name="x">'])]
    fourth = [("Fourth", 1, [4.0])]
    assert ods.sheet_names(p) == ["First", "Second", "Third", "Fourth"]
    assert rows_of(p) == first + second + fourth
    assert rows_of(p, {"Fourth"}) == fourth
    assert rows_of(p, {"Second", "Fourth"}) == second + fourth
    assert rows_of(p, {"First", "Fourth"}) == first + fourth
    assert rows_of(p, {"Third"}) == []
    # the byte scanner jumped over unwanted sheets, unless the DOCTYPE turned it off
    assert jumps == ([] if doctype else ["First", "Second", "Fourth"] + ["First", "Second"] + ["First"]
                     + ["Second"] + ["First", "Second"])


def test_stream_writer(tmp_path, chunk):
    header = ["Financial Year", "Force Name", "Number of Offences"]
    rows = ([f"20{i % 10 + 10}/{i % 10 + 11}", "Kent", float(i)] for i in range(2000))
    p = tmp_path / "big.ods"
    size = write_ods_stream(p, "Data", header, rows)
    with zipfile.ZipFile(p) as zf:
        first = zf.infolist()[0]
        assert (first.filename, first.compress_type) == ("mimetype", zipfile.ZIP_STORED)
        assert zf.getinfo("content.xml").file_size == size
    got = rows_of(p)
    assert len(got) == 2001 and got[0] == ("Data", 1, header)
    assert got[-1] == ("Data", 2001, ["2019/20", "Kent", 1999.0])
    if chunk == CHUNK_SIZES[0]:
        assert_same_as_calamine(p)


def test_early_break_closes_the_file(tmp_path):
    p = write_ods(tmp_path / "e.ods", {"S": [[i] for i in range(100)]})
    it = ods.iter_rows(p)
    assert next(it) == ("S", 1, [0.0])
    it.close()
    p.unlink()  # nothing keeps it open


# -- bad input ---------------------------------------------------------------------------------

def _good(tmp_path) -> Path:
    return write_ods(tmp_path / "good.ods", {"S": [[f"value {i}", i] for i in range(2000)]})


def _expect_error(path, *fragments, names_too=True):
    calls = [lambda: rows_of(path)] + ([lambda: ods.sheet_names(path)] if names_too else [])
    for call in calls:
        with pytest.raises(InputError) as e:
            call()
        msg = str(e.value)
        assert str(path) in msg and e.value.file == path
        for f in fragments:
            assert f in msg, msg
    return e.value


def test_text_file_renamed(tmp_path):
    p = tmp_path / "notes.ods"
    p.write_text("Financial Year,Force Name\n2023/24,Kent\n")
    _expect_error(p, "not a zip archive")


def test_missing_file(tmp_path):
    _expect_error(tmp_path / "absent.ods", "cannot open")


def test_zip_without_content(tmp_path):
    p = tmp_path / "empty.ods"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("mimetype", ods.ODS_MIMETYPE)
    _expect_error(p, "no content.xml")


def test_xlsx_renamed(tmp_path):
    p = tmp_path / "book.ods"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
    _expect_error(p, ".xlsx")


def test_text_document(tmp_path):
    p = write_ods_xml(tmp_path / "doc.ods", content_xml(""), mimetype="application/vnd.oasis.opendocument.text")
    _expect_error(p, "mimetype is 'application/vnd.oasis.opendocument.text'")


def test_no_spreadsheet_body(tmp_path):
    xml = content_xml("").replace("<office:spreadsheet></office:spreadsheet>", "<office:text/>")
    _expect_error(write_ods_xml(tmp_path / "d.ods", xml, mimetype=None), "no office:spreadsheet")


def test_truncated_file(tmp_path):
    good = _good(tmp_path)
    p = tmp_path / "half.ods"
    p.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    _expect_error(p, "truncated or corrupt")


def test_corrupt_member(tmp_path):
    good = _good(tmp_path)
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as zf:
        info = zf.getinfo("content.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for k in range(start + info.compress_size // 2, start + info.compress_size // 2 + 16):
        data[k] ^= 0x5A
    p = tmp_path / "corrupt.ods"
    p.write_bytes(bytes(data))
    _expect_error(p, "content.xml is truncated or corrupt")


def test_malformed_xml_names_sheet_and_row(tmp_path, chunk):
    body = ('<table:table table:name="Data"><table:table-row><table:table-cell office:value-type="float" '
            'office:value="1"/></table:table-row><table:table-row table:number-rows-repeated="3"/>'
            '<table:table-row><table:table-cell office:value-type="string"><text:p>ok</text:p>'
            '</table:table-cell></table:table-row><table:table-row><table:table-cell office:value-type="string">'
            '<text:p>broken</text:table-cell></table:table-row></table:table>')
    p = write_ods_xml(tmp_path / "bad.ods", content_xml(body))
    err = _expect_error(p, "malformed XML in content.xml", "mismatched tag", "sheet 'Data'", "row 6",
                        names_too=False)
    assert (err.sheet, err.row) == ("Data", 6)
    it = ods.iter_rows(p)
    assert next(it) == ("Data", 1, [1.0])  # rows before the break are still delivered


def test_xml_cut_short(tmp_path):
    xml = content_xml('<table:table table:name="Data"><table:table-row><table:table-cell/>')
    _expect_error(write_ods_xml(tmp_path / "cut.ods", xml[:-40]), "malformed XML")


def test_bad_numbers_name_the_cell(tmp_path):
    body = ('<table:table table:name="N"><table:table-row><table:table-cell table:number-columns-repeated="2"/>'
            '<table:table-cell office:value-type="float" office:value="1,234"/></table:table-row></table:table>')
    err = _expect_error(write_ods_xml(tmp_path / "n.ods", content_xml(body)), "invalid office:value '1,234'",
                        names_too=False)
    assert (err.sheet, err.row, err.column) == ("N", 1, "C")


def test_entities_are_refused(tmp_path):
    xml = content_xml("").replace("?>\n", '?>\n<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>\n', 1)
    _expect_error(write_ods_xml(tmp_path / "lol.ods", xml), "entities")


# -- property: whatever write_ods writes, iter_rows reads back ---------------------------------

_text = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff")
                | st.sampled_from(" \n\t\r&<>\"'"), max_size=12)
_value = st.one_of(
    st.none(), st.none(),
    st.floats(allow_nan=False), st.integers(-10**15, 10**15), st.booleans(),
    st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1)), _text,
)
_sheet = st.lists(st.lists(_value, max_size=7), max_size=8)
_book = st.dictionaries(st.text("ABCxyz 0123&'", min_size=1, max_size=6), _sheet, min_size=1, max_size=3)


def _expected(book):
    out = []
    for name, rows in book.items():
        for i, row in enumerate(rows, start=1):
            values = [float(v) if isinstance(v, (int, float)) and not isinstance(v, bool)
                      else v.isoformat() if isinstance(v, dt.date) else v for v in row]
            while values and values[-1] is None:
                values.pop()
            if values:
                out.append((name, i, values))
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(book=_book, repeat=st.booleans(), pad=st.booleans(), chunk=st.sampled_from(CHUNK_SIZES))
def test_round_trip(book, repeat, pad, chunk):
    saved = ods.CHUNK_SIZE
    ods.CHUNK_SIZE = chunk
    try:
        with tempfile.TemporaryDirectory() as d:
            p = write_ods(Path(d) / "h.ods", book, repeat=repeat, pad=pad)
            assert rows_of(p) == _expected(book)
            assert ods.sheet_names(p) == list(book)
            last = list(book)[-1]
            assert rows_of(p, {last}) == [r for r in _expected(book) if r[0] == last]
            if not any("\t" in v for rows in book.values() for row in rows for v in row if isinstance(v, str)):
                assert_same_as_calamine(p)  # calamine drops text:tab, so only without tabs
    finally:
        ods.CHUNK_SIZE = saved
