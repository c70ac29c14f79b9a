"""The library's errors worded for each skin, as the one JSON shape a program reads."""

from __future__ import annotations

from justicegap.errors import InvalidParameter, JusticegapError, NotAvailable, NotFound
from justicegap.wording import error_json

KEYS = {"code", "message", "parameter", "alternatives", "holder"}


def test_a_parameter_is_named_as_each_skin_names_it():
    e = InvalidParameter("--allow-partial", "not with a whole year")
    cli, api = error_json(e, "cli")["error"], error_json(e, "api")["error"]
    assert (cli["parameter"], api["parameter"]) == ("--allow-partial", "allow_partial")
    assert cli["message"] == "--allow-partial: not with a whole year" and api["message"] == "allow_partial: not with a whole year"
    assert cli["code"] == api["code"] == "invalid_parameter"
    # a command's argument keeps the name its usage line gives it
    assert error_json(InvalidParameter("METRIC", "give a metric"), "cli")["error"]["parameter"] == "METRIC"


def test_every_error_has_the_same_keys():
    found = NotFound("area", "Kentt", ["Kent (police force area)"]).with_actions("search_areas")
    missing = NotAvailable("Not published for a local area.", available=["Kent (the whole force area)"], holder="Kent Police")
    bare = JusticegapError("no data loaded yet").with_actions("load_data")
    docs = [error_json(e, "cli")["error"] for e in (found, missing, bare)]
    assert all(set(d) == KEYS for d in docs)
    assert docs[0]["code"] == "unknown_area" and docs[0]["alternatives"] == ["Kent (police force area)"]
    assert docs[0]["message"].endswith("Try `justicegap areas --search 'Kentt'`.")
    assert docs[1]["holder"] == "Kent Police" and docs[1]["alternatives"] == ["Kent (the whole force area)"]
    assert docs[2] == {"code": None, "message": "no data loaded yet. Load data with `justicegap update` (or `justicegap "
                       "update --source-dir DIR` from local copies).", "parameter": None, "alternatives": [], "holder": None}


def test_no_holder_is_null_not_an_empty_name():
    assert error_json(NotAvailable("Not loaded."), "api")["error"]["holder"] is None
