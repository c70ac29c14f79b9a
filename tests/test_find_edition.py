"""Finding an edition by what the user typed: close matches only when they are close."""

from __future__ import annotations

import pytest

from justicegap.errors import NotFound


def test_junk_lists_no_unrelated_editions(loaded_store):
    with pytest.raises(NotFound) as e:
        loaded_store.find_edition("junk")
    assert e.value.suggestions == []


def test_a_typo_lists_the_edition_meant(loaded_store):
    eds = loaded_store.editions("ho_outcomes")
    target = next(e for e in eds if "2018-19" in e.file_name)
    typo = target.edition[:-1]  # one character short
    with pytest.raises(NotFound) as e:
        loaded_store.find_edition(typo + "x")
    assert e.value.suggestions[0] == f"{target.edition} ({target.file_name})"
    with pytest.raises(NotFound) as e:
        loaded_store.find_edition(target.file_name.replace("2018-19", "2018-91"))
    assert f"{target.edition} ({target.file_name})" in e.value.suggestions
    assert all(s.startswith("ho_outcomes-") for s in e.value.suggestions)


def test_exact_matches_still_resolve(loaded_store):
    for e in loaded_store.editions("ho_outcomes"):
        assert loaded_store.find_edition(e.edition) == e
        assert loaded_store.find_edition(e.file_name) == e


def test_no_close_match_among_a_few_editions_names_them_as_loaded(loaded_store):
    eds = loaded_store.editions("ho_outcomes")
    with pytest.raises(NotFound) as e:
        loaded_store.find_edition("nope-edition", ["ho_outcomes"])
    assert e.value.suggestions == [] and "closest matches" not in str(e.value)
    assert all(ed.file_name in e.value.hint for ed in eds) and "loaded editions" in e.value.hint
