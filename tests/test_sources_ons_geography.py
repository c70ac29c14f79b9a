"""ONS Open Geography Portal lookups and boundaries: the real files in ../shared/data/ons."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from justicegap import sources, update
from justicegap.errors import InputError, NotAvailable
from justicegap.sources import ons_geography
from storecheck import counts

ONS = Path(__file__).resolve().parents[2] / "shared" / "data" / "ons"
LOOKUP = ONS / "lookup-lad24-csp24-pfa24.csv"
LAD22 = ONS / "lookup-lad22-lad23.csv"
PFA_GEO = ONS / "boundaries-pfa-dec2020-buc.geojson"
LAD_GEO = ONS / "boundaries-lad-may2024-buc.geojson"




GEO_TABLES = ("facts", "editions", "geo_lookup", "boundaries")


def test_lookup_becomes_geo_lookup_without_facts(store):
    res = update.load_file(store, LOOKUP)
    assert [(r.status, r.dataset, r.rows) for r in res] == [("loaded", "ons_geography", 0)]
    assert store.con.execute("select count(*) from facts").fetchone()[0] == 0
    rows = store.con.execute("select lad_code, lad_name, csp_code, csp_name, pfa_code, pfa_name from geo_lookup").fetchall()
    assert len(rows) == 332
    by_lad = {}
    for r in rows:
        by_lad.setdefault(r[0], []).append(r)
    assert len(by_lad) == 318
    # Dartford and Gravesham share one partnership; Cumberland spans three legacy ones
    assert by_lad["E07000107"][0][2] == by_lad["E07000109"][0][2]
    assert len(by_lad["E06000063"]) == 3 and {r[4] for r in by_lad["E06000063"]} == {"E23000002"}
    assert by_lad["E07000112"][0][1] == "Folkestone and Hythe" and by_lad["E07000112"][0][4] == "E23000032"


def _reference_pairs():
    """The package's reference table read as a plain CSV, not through the loader."""
    import csv

    path = Path(ons_geography.__file__).resolve().parents[1] / "reference" / "lad_csp_pfa.csv"
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    return {(r["lad_code"], r["csp_code"], r["pfa_code"]) for r in csv.DictReader(lines)}


def test_lookup_checked_against_the_reference(store):
    import csv

    with open(LOOKUP, encoding="utf-8-sig") as f:
        published = {(r["ltla24_code"], r["csp24_code"], r["pfa24_code"]) for r in csv.DictReader(f)}
    assert published == _reference_pairs()  # the reference was written from this lookup
    res = update.load_file(store, LOOKUP)
    assert res[0].message == ""
    lineage = [detail for _, _, detail, _ in store.lineage(res[0].edition)]
    assert any(f"agrees with justicegap's reference table lad_csp_pfa.csv for all {len({p[0] for p in published})} districts" in d
               for d in lineage)


def test_lookup_that_differs_from_the_reference_is_a_warning(store, tmp_path):
    lines = LOOKUP.read_text(encoding="utf-8-sig").splitlines()
    header, rows = lines[0], lines[1:]
    # Ashford placed in Sussex, and Boston left out
    moved = [r.replace("E07000105,Ashford,E22000137,Ashford,E23000032,Kent", "E07000105,Ashford,E22000137,Ashford,E23000033,Sussex")
             for r in rows if not r.startswith("E07000136,")]
    assert len(moved) == len(rows) - 1 and any("E07000105,Ashford" in r and "E23000033" in r for r in moved)
    path = tmp_path / "lookup-changed.csv"
    path.write_text("\n".join([header, *moved]) + "\n")
    before = counts(store, GEO_TABLES)
    res = update.load_file(store, path)
    assert res[0].status == "loaded"
    msg = res[0].message
    assert "differs from justicegap's reference table lad_csp_pfa.csv" in msg
    assert "1 reference districts not in this lookup (E07000136)" in msg
    assert "1 districts placed in another partnership or force (E07000105)" in msg
    assert counts(store, GEO_TABLES)[2] == before[2] + len(moved)  # geo_lookup: kept, with the warning


def test_older_vintage_lookup_placed_through_reference(store):
    update.load_file(store, LAD22)
    got = dict((r[0], r[1:]) for r in store.con.execute(
        "select lad_code, csp_code, pfa_code, pfa_name from geo_lookup").fetchall())
    assert len(got) == 331  # England and Wales districts of 2022; Scotland and Northern Ireland skipped
    assert got["E07000026"][1:] == ("E23000002", "Cumbria")  # Allerdale, merged into Cumberland in 2023
    assert got["E07000107"][0] is not None and got["E07000107"][1] == "E23000032"
    assert got["E07000164"][1] == "E23000009"


def test_region_lookup_is_not_read(tmp_path):
    found, near = sources.identify(ONS / "lookup-lad24-region24.csv")
    assert found == [] and near == []


def test_column_names_of_other_vintages(store, tmp_path):
    text = LOOKUP.read_text(encoding="utf-8-sig").splitlines()
    text[0] = "LAD23CD,LAD23NM,CSP23CD,CSP23NM,PFA23CD,PFA23NM"
    path = tmp_path / "lookup-2023.csv"
    path.write_text("\n".join(text) + "\n")
    res = update.load_file(store, path)
    assert res[0].status == "loaded"
    assert store.con.execute("select count(*) from geo_lookup").fetchone()[0] == 332


def test_boundaries_and_feature_collection(store):
    update.load_file(store, PFA_GEO)
    update.load_file(store, LAD_GEO)
    pfa = ons_geography.boundaries(store, "pfa")
    assert pfa["type"] == "FeatureCollection" and len(pfa["features"]) == 43
    kent = next(f for f in pfa["features"] if f["properties"]["code"] == "E23000032")
    assert kent["properties"]["name"] == "Kent" and kent["geometry"]["type"] in ("Polygon", "MultiPolygon")
    lad = ons_geography.boundaries(store, "lad")
    codes = {f["properties"]["code"] for f in lad["features"]}
    assert len(codes) == 318 and all(c[0] in "EW" for c in codes)
    with pytest.raises(NotAvailable):
        ons_geography.boundaries(store, "csp")


def test_newest_boundary_edition_is_used(store, tmp_path):
    update.load_file(store, PFA_GEO)
    data = json.loads(PFA_GEO.read_text())
    data["features"] = data["features"][:3]
    smaller = tmp_path / "pfa-2025.geojson"
    smaller.write_text(json.dumps(data))
    update.load_file(store, smaller)
    fc = ons_geography.boundaries(store, "pfa")
    assert len(fc["features"]) == 3 and fc["edition"].startswith("ons_geography-")


def test_unknown_force_code_in_lookup(store, tmp_path):
    lines = LOOKUP.read_text(encoding="utf-8-sig").splitlines()
    lines[5] = lines[5].replace("E23000", "E99000", 1)
    path = tmp_path / "lookup.csv"
    path.write_text("\n".join(lines) + "\n")
    before = counts(store, GEO_TABLES)
    with pytest.raises(InputError) as e:
        update.load_file(store, path)
    assert (e.value.file, e.value.row, e.value.column) == ("lookup.csv", 6, "pfa24_code")
    assert "unknown police force area code" in str(e.value)
    assert counts(store, GEO_TABLES) == before


def test_renamed_force_column(store, tmp_path):
    lines = LOOKUP.read_text(encoding="utf-8-sig").splitlines()
    lines[0] = lines[0].replace("pfa24_code", "force_code")
    path = tmp_path / "lookup.csv"
    path.write_text("\n".join(lines) + "\n")
    before = counts(store, GEO_TABLES)
    with pytest.raises(InputError) as e:
        update.load_file(store, path)
    assert e.value.column == "pfa_code" and "renamed" in str(e.value)
    assert counts(store, GEO_TABLES) == before


def test_unknown_older_district(store, tmp_path):
    lines = LAD22.read_text(encoding="utf-8-sig").splitlines()
    lines[3] = "E07999999,Nowhere,E07999999,Nowhere"
    path = tmp_path / "lad22.csv"
    path.write_text("\n".join(lines) + "\n")
    before = counts(store, GEO_TABLES)
    with pytest.raises(InputError) as e:
        update.load_file(store, path)
    assert e.value.row == 4 and e.value.column == "ltla22_code" and "E07999999" in str(e.value)
    assert counts(store, GEO_TABLES) == before


def test_truncated_geojson(store, tmp_path):
    data = PFA_GEO.read_bytes()
    path = tmp_path / "pfa.geojson"
    path.write_bytes(data[: len(data) // 2])
    update.load_file(store, LOOKUP)
    before = counts(store, GEO_TABLES)
    with pytest.raises(InputError) as e:
        update.load_file(store, path)
    assert e.value.file == "pfa.geojson" and "truncated or corrupt" in str(e.value)
    assert counts(store, GEO_TABLES) == before


def test_geojson_without_codes(store, tmp_path):
    data = json.loads(PFA_GEO.read_text())
    del data["features"][4]["properties"]["pfa20_code"]
    path = tmp_path / "pfa.geojson"
    path.write_text(json.dumps(data))
    before = counts(store, GEO_TABLES)
    with pytest.raises(InputError) as e:
        update.load_file(store, path)
    assert e.value.row == 5 and "code" in str(e.value)
    assert counts(store, GEO_TABLES) == before


def test_same_file_twice_is_one_edition(store, tmp_path):
    update.load_file(store, LAD_GEO)
    copy = tmp_path / "copy.geojson"
    shutil.copy(LAD_GEO, copy)
    assert [r.status for r in update.load_file(store, copy)] == ["already loaded"]
    assert store.con.execute("select count(distinct edition) from boundaries").fetchone()[0] == 1
