"""The store: editions kept side by side, archived by SHA-256, never overwritten; lineage recorded."""

import hashlib
from datetime import date

from justicegap import update
from justicegap.store import Store
from officialfiles import real_rows, write_csv


def _pfa_file(shared_data, path, bump=0):
    header, rows = real_rows(shared_data / "homeoffice" / "prc-pfa-2017-18.csv.gz", lambda r: r["Force Name"] == "Kent")
    rows = [[*r[:7], str(int(r[7]) + bump)] for r in rows]
    return write_csv(path, [header, *rows])


def test_editions_are_kept_and_archived(home, tmp_path, shared_data):
    first = _pfa_file(shared_data, tmp_path / "pfa.csv")
    with Store() as s:
        [a] = update.load_file(s, first, published=date(2018, 7, 19))
        again = update.load_file(s, first)
        assert again[0].status == "already loaded" and again[0].edition == a.edition
        second = _pfa_file(shared_data, tmp_path / "pfa-revised.csv", bump=1)
        [b] = update.load_file(s, second, published=date(2019, 7, 18))
        eds = s.editions("ho_pfa")
        assert [e.edition for e in eds] == [a.edition, b.edition]
        for e, f in zip(eds, (first, second)):
            archived = home / "archive" / "ho_pfa" / e.sha256 / e.file_name
            assert archived.read_bytes() == f.read_bytes()
            assert e.sha256 == hashlib.sha256(f.read_bytes()).hexdigest()
        steps = [step[1] for step in s.lineage(a.edition)]
        assert steps[0] == "retrieved" and steps[-1] == "loaded" and "identified" in steps
        assert s.edition(eds[0].sha256[:10]).edition == a.edition
        assert s.edition("2019-07-18").edition == b.edition
        assert s.edition("pfa-revised.csv").edition == b.edition


def test_newest_edition_answers_by_default(home, tmp_path, shared_data):
    from justicegap import metrics

    with Store() as s:
        update.load_file(s, _pfa_file(shared_data, tmp_path / "old.csv"), published=date(2018, 7, 19))
        update.load_file(s, _pfa_file(shared_data, tmp_path / "new.csv", bump=1), published=date(2019, 7, 18))
    newest = metrics.measure("recorded", area="Kent", period="2017/18", offence="rape")
    older = metrics.measure("recorded", area="Kent", period="2017/18", offence="rape", edition="old.csv")
    assert newest.value - older.value == 24  # 6 rape codes x 4 quarters, one more each
    assert newest.editions[0].file_name == "new.csv"


def test_schema_has_dimensions(loaded_store):
    tables = {r[0] for r in loaded_store.con.execute("select table_name from information_schema.tables").fetchall()}
    assert {"facts", "editions", "coverage", "lineage", "areas", "offences", "offence_families", "outcome_types"} <= tables
    n = loaded_store.con.execute("select count(*) from areas where level = 'pfa'").fetchall()[0][0]
    assert n == 43


def test_publication_date_from_the_file_name_orders_editions(home, tmp_path, shared_data):
    from justicegap import metrics

    older = _pfa_file(shared_data, tmp_path / "prc-pfa-mar2013-onwards-tables-250424.csv")
    newer = _pfa_file(shared_data, tmp_path / "prc-pfa-mar2013-onwards-tables-010725.csv", bump=1)
    with Store() as s:
        # loaded newest first: the file names' dates, not the order of loading, decide
        update.load_file(s, newer)
        update.load_file(s, older)
        dated = {e.file_name: e.published for e in s.editions("ho_pfa")}
        assert dated == {newer.name: date(2025, 7, 1), older.name: date(2024, 4, 25)}
        steps = dict((a, d) for _, a, d, _ in s.lineage(s.edition(newer.name).edition))
        assert "taken from the file name" in steps["dated"]
    fig = metrics.measure("recorded", area="Kent", period="2017/18", offence="rape")
    assert fig.editions[0].file_name == newer.name


def test_undated_editions_of_the_same_period_are_warned_about(home, tmp_path, shared_data):
    with Store() as s:
        update.load_file(s, _pfa_file(shared_data, tmp_path / "a.csv"))
        [r] = update.load_file(s, _pfa_file(shared_data, tmp_path / "b.csv", bump=1))
    assert r.status == "loaded" and "--published" in r.message


def test_a_file_loaded_before_is_not_read_again(home, tmp_path, shared_data, monkeypatch):
    path = _pfa_file(shared_data, tmp_path / "pfa.csv")
    with Store() as s:
        [first] = update.load_file(s, path)

        def unread(*a, **k):
            raise AssertionError("the file was parsed again")
        monkeypatch.setattr(update, "_parse_file", unread)
        [again] = update.load_file(s, path)
    assert (again.status, again.edition) == ("already loaded", first.edition)


def test_dimensions_follow_the_reference_tables(home, monkeypatch):
    from justicegap import reference

    with Store() as s:
        assert s.con.execute("select name from areas where code = 'E23000032'").fetchall() == [("Kent",)]
    real = reference._text

    def renamed(name):
        text = real(name)
        return text.replace("E23000032,Kent,pfa", "E23000032,Kent (renamed),pfa") if name == "areas" else text
    monkeypatch.setattr(reference, "_text", renamed)
    for cached in (reference.table, reference.family_codes):
        cached.cache_clear()
    from justicegap import areas
    areas._index.cache_clear()
    try:
        with Store() as s:
            assert s.con.execute("select name from areas where code = 'E23000032'").fetchall() == [("Kent (renamed)",)]
    finally:
        monkeypatch.undo()
        for cached in (reference.table, reference.family_codes):
            cached.cache_clear()
        areas._index.cache_clear()


def test_an_editions_count_is_of_the_facts_it_stored(loaded_store, shared_data):
    """What `update` and `sources` show beside an edition ("facts stored") is the number of facts
    in the store from it, which is not the file's row count (a fresh-user pass read it as rows)."""
    import gzip

    for e in loaded_store.editions():
        stored = loaded_store.con.execute("select count(*) from facts where edition = ?", [e.edition]).fetchone()[0]
        assert e.rows == stored, e.edition
    e = next(e for e in loaded_store.editions() if e.file_name == "prc-outcomes-2017-18.csv.gz")
    with gzip.open(shared_data / "homeoffice" / e.file_name, "rt", encoding="utf-8-sig") as f:
        file_rows = sum(1 for _ in f) - 1
    assert e.rows != file_rows and file_rows > 0
