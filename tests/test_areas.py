"""Areas as people name them: codes, names, aliases and spellings from every publisher."""

import json

import pytest

from justicegap import areas as A
from justicegap.errors import NotAvailable, NotFound


@pytest.mark.parametrize("text,code", [
    ("Kent", "E23000032"), ("kent", "E23000032"), ("E23000032", "E23000032"), ("Kent Police", "E23000032"),
    ("England and Wales", "K04000001"), ("National", "K04000001"),
    ("Devon & Cornwall", "E23000035"), ("Dyfed Powys", "W15000004"), ("GreaterManchester", "E23000005"),
    ("Metropolitan Police[Note 6]", "E23000001"), ("London, City of", "E23000034"), ("City of London", "E23000034"),
    ("Metropolitan and City", "E23000001+E23000034"), ("CPS South East", "CPS-SE"), ("South East", "CPS-SE"),
    ("Ashford", "E22000137"), ("Dartford and Gravesham", "E22000352"), ("Medway", "E22000143"),
    ("British Transport Police", "BTP"),
])
def test_resolve(text, code):
    assert A.resolve(text).code == code


def test_shepway_is_folkestone_and_hythe():
    a = A.resolve("Shepway")
    assert a.name == "Folkestone and Hythe" and a.level == "csp" and "Shepway" in a.former_names
    assert "renamed on 2018-04-01" in a.resolved_note and "E07000112" in a.resolved_note
    assert A.resolve("shepway", level="lad").code == "E07000112"


def test_unknown_area_lists_closest_matches():
    with pytest.raises(NotFound) as e:
        A.resolve("Kentt")
    assert e.value.suggestions[0].startswith("Kent")


def test_cps_area_sums_its_forces():
    assert set(A.forces(A.resolve("CPS South East"))) == {"E23000032", "E23000031", "E23000033"}
    assert len(A.forces(A.resolve("England and Wales"))) == 44


def test_police_figures_below_force_level_are_not_available():
    with pytest.raises(NotAvailable) as e:
        A.forces(A.resolve("Ashford"))
    assert "police force area only" in str(e.value) and "Kent Police" in str(e.value)
    with pytest.raises(NotAvailable, match="London North and CPS London South"):
        A.forces(A.resolve("London North"))


def test_local_csp():
    assert A.local_csp(A.resolve("Folkestone and Hythe", level="lad")).code == "E22000145"
    with pytest.raises(NotAvailable) as e:
        A.local_csp(A.resolve("Dartford", level="lad"))
    assert "shares one Community Safety Partnership with Gravesham" in str(e.value)
    assert e.value.available == ["Dartford and Gravesham"]
    with pytest.raises(NotAvailable, match="legacy Community Safety Partnerships"):
        A.local_csp(A.get("E06000058"))


def test_every_kent_borough_in_the_request_resolves():
    names = ["Ashford", "Canterbury", "Dartford", "Dover", "Gravesham", "Maidstone", "Sevenoaks", "Shepway",
             "Swale", "Thanet", "Tonbridge and Malling", "Tunbridge Wells", "Medway"]
    for n in names:
        a = A.resolve(n)
        assert a.parent == "E23000032", n


def test_search_and_levels():
    assert [a.code for a in A.all_areas("pfa", "kent")] == ["E23000032"]
    assert len(A.all_areas("pfa")) == 43
    with pytest.raises(NotFound):
        A.all_areas("county")
    assert A.get("E23000032:unassigned").name == "Unassigned Kent"


def test_group_note_reads_cleanly():
    group = A.resolve("Metropolitan and City")
    assert group.level == "pfa_group" and set(group.members) == {A.resolve("Metropolitan Police").code, A.resolve("City of London").code}
    assert group.note.count('"') % 2 == 0
    assert not group.note.rstrip().endswith('").') and "Metropolitan and City" in group.note
    assert group.note.count("(") == group.note.count(")")


@pytest.mark.parametrize("text,name", [
    ("GMP", "Greater Manchester Police"), ("gmp", "Greater Manchester Police"), ("MPS", "Metropolitan Police Service"),
    ("Met", "Metropolitan Police Service"), ("TVP", "Thames Valley Police"), ("WMP", "West Midlands Police"),
    ("WYP", "West Yorkshire Police"), ("SYP", "South Yorkshire Police"),
])
def test_a_forces_common_abbreviation_is_the_force(text, name):
    """The abbreviation resolves to the force whose full name it abbreviates (the full name resolves on its own)."""
    assert A.resolve(text) == A.resolve(name) and A.resolve(text).level == "pfa"
    assert [a.code for a in A.all_areas(None, text)][0] == A.resolve(name).code


def test_the_aliases_keep_their_source_line():
    from importlib.resources import files

    first = (files("justicegap") / "reference" / "area_aliases.csv").read_text().splitlines()[0]
    assert first.startswith("# source:") and "GMP" in first


def test_cli_search_that_finds_nothing_says_so(loaded_home):
    from test_cli import run

    p = run("areas", "--search", "Narnia", home=loaded_home)
    assert p.stdout.split() == ("No area matches 'Narnia' (no name, code or alias holds it). See the list: "
                                "`justicegap areas --level pfa` (police force areas; --level cps_area, csp, lad for others).").split()
    p = run("areas", "--search", "Nrthumbria", home=loaded_home)
    assert "Closest: Northumbria (police force area)" in " ".join(p.stdout.split())
    p = run("areas", "--search", "GMP", home=loaded_home)
    assert "E23000005" in p.stdout and "Greater Manchester" in p.stdout
    p = run("get", "charge_rate_cohort", "--area", "GMP", "--period", "2017/18", "--json", home=loaded_home)
    assert json.loads(p.stdout)["area"]["code"] == "E23000005"
