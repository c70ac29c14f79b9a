"""Every registered writer writes the same table: same columns, same cells, counts as integers."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from justicegap.errors import InvalidParameter
from justicegap.render import WRITERS, write
from justicegap.render.table import Field, Table

TABLE = Table("t", "A test table", [Field("area", "string"), Field("offences", "integer", unit="offences"),
                                    Field("share", "number"), Field("available", "boolean"), Field("start", "date")],
              [["Kent", 880.0, 0.0166, True, "2017-04-01"], ["Surrey", None, None, False, None]], notes=["a note"])


def test_the_registry_holds_each_format():
    assert set(WRITERS) == {"csv", "xlsx", "parquet", "json", "text"}
    with pytest.raises(InvalidParameter, match="'ods': use one of csv, json, text, xlsx, parquet"):
        write(TABLE, "ods")


def test_csv():
    rows = list(csv.reader(io.StringIO(write(TABLE, "csv").decode("utf-8"))))
    assert rows == [["area", "offences", "share", "available", "start"], ["Kent", "880", "0.0166", "true", "2017-04-01"],
                    ["Surrey", "", "", "false", ""]]


def test_json():
    assert json.loads(write(TABLE, "json")) == [
        {"area": "Kent", "offences": 880, "share": 0.0166, "available": True, "start": "2017-04-01"},
        {"area": "Surrey", "offences": None, "share": None, "available": False, "start": None}]
    assert '"offences": 880,' in write(TABLE, "json").decode()


def test_text():
    lines = write(TABLE, "text").decode().splitlines()
    assert lines[0].split() == ["area", "offences", "share", "available", "start"]
    assert lines[1].split() == ["Kent", "880", "0.0166", "true", "2017-04-01"]
    assert lines[1].index("880") + 3 == lines[0].index("offences") + len("offences")  # numbers aligned right


def test_xlsx():
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(write(TABLE, "xlsx", sheet="figures")))
    rows = list(wb["figures"].iter_rows(values_only=True))
    assert rows[0] == ("area", "offences", "share", "available", "start")
    assert rows[1][:4] == ("Kent", 880, 0.0166, True) and rows[1][4].date() == date(2017, 4, 1)
    assert rows[2] == ("Surrey", None, None, False, None)
    assert [c.value for c in wb["notes"]["A"]] == ["a note"]


def test_parquet():
    import pyarrow.parquet as pq

    t = pq.read_table(io.BytesIO(write(TABLE, "parquet")))
    assert [str(x) for x in t.schema.types] == ["string", "int64", "double", "bool", "date32[day]"]
    assert t.to_pylist()[0] == {"area": "Kent", "offences": 880, "share": 0.0166, "available": True, "start": date(2017, 4, 1)}
    assert t.to_pylist()[1]["offences"] is None
