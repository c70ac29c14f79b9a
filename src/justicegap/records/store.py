"""All SQL for case records: the tables, one transaction per load, and the queries measures use.

Records live in the same DuckDB file as the publications (so reconciliation can read both), in
tables prefixed ``rec_``. The ``meta`` row ``record_level`` says the store holds record-level data;
``serve`` reads it to refuse serving such a store without access control. A load replaces every
earlier load that covers any of the same forces (the newest extract is the one analysed); the
``rec_loads`` table keeps the history of loads, not their records.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

from ..errors import NotAvailable

SCHEMA = """
create table if not exists rec_loads (
    load_id varchar primary key, loaded_at timestamp not null, extract_date date not null,
    synthetic boolean not null, forces varchar not null, files varchar not null, key_fingerprint varchar not null,
    offences bigint not null, suspects bigint not null, cps_cases bigint not null, replaced_by varchar);
create table if not exists rec_offences (
    load_id varchar not null, record_id varchar not null, force_code varchar not null, lad_code varchar,
    offence_code varchar not null, date_reported date, date_recorded date not null, date_offence date,
    date_offence_approximate boolean, victim_sex varchar, victim_age_band varchar, status varchar not null,
    status_reason varchar, status_date date, outcome_type varchar, outcome_date date, suspect_identified boolean,
    support_withdrawn_date date, synthetic_earlier boolean);
alter table rec_offences add column if not exists synthetic_earlier boolean;
create table if not exists rec_suspects (
    load_id varchar not null, record_id varchar not null, suspect_id varchar not null, arrest_date date,
    interview_date date, cps_referral_date date);
create table if not exists rec_cps_cases (
    load_id varchar not null, case_id varchar not null, cps_area varchar not null, referral_date date not null,
    charging_decision varchar, decision_date date, charge_offence_code varchar, first_hearing_date date,
    completion_date date, completion_result varchar, rape_flag boolean, defendant_sex varchar, defendant_age_band varchar);
create table if not exists rec_case_links (load_id varchar not null, case_id varchar not null, record_id varchar not null);
create table if not exists rec_linkage (load_id varchar not null, rule varchar not null, side varchar, id varchar);
create table if not exists rec_tokens (token_hash varchar primary key, user_name varchar not null, role varchar not null,
    created_at timestamp not null);
"""
COLUMNS = {
    "rec_offences": ("record_id", "force_code", "lad_code", "offence_code", "date_reported", "date_recorded",
                     "date_offence", "date_offence_approximate", "victim_sex", "victim_age_band", "status",
                     "status_reason", "status_date", "outcome_type", "outcome_date", "suspect_identified",
                     "support_withdrawn_date", "synthetic_earlier"),
    "rec_suspects": ("record_id", "suspect_id", "arrest_date", "interview_date", "cps_referral_date"),
    "rec_cps_cases": ("case_id", "cps_area", "referral_date", "charging_decision", "decision_date",
                      "charge_offence_code", "first_hearing_date", "completion_date", "completion_result",
                      "rape_flag", "defendant_sex", "defendant_age_band"),
    "rec_case_links": ("case_id", "record_id"),
    "rec_linkage": ("rule", "side", "id"),
}


def _frame(cursor):
    import warnings

    import polars as pl

    with warnings.catch_warnings():  # parameters need execute(); the extra Arrow copy is small
        warnings.simplefilter("ignore", UserWarning)
        return pl.from_arrow(cursor.to_arrow_table())


def ensure(con) -> None:
    con.execute(SCHEMA)


def has_records(con) -> bool:
    """True when the store holds record-level data (read from meta; works on a read-only store)."""
    try:
        rows = con.execute("select value from meta where key = 'record_level'").fetchall()
    except Exception:  # a store made before meta existed
        return False
    return bool(rows) and rows[0][0] == "true"


def key_fingerprints(con) -> set[str]:
    return {r[0] for r in con.execute("select distinct key_fingerprint from rec_loads where replaced_by is null").fetchall()}


def save_load(con, *, load_id: str, extract_date: date, synthetic: bool, forces: list[str], files: list[dict],
              key_fingerprint: str, frames: dict) -> None:
    """One transaction: replace earlier loads of the same forces, insert every table, mark the store."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    _quiet(con)
    try:
        con.begin()
        old = [r[0] for r in con.execute(
            "select load_id from rec_loads where replaced_by is null and list_has_any(string_split(forces, ','), ?)",
            [forces]).fetchall()]
        for table in COLUMNS:
            con.execute(f"delete from {table} where load_id in (select unnest(?::varchar[]))", [old])
        con.execute("update rec_loads set replaced_by = ? where load_id in (select unnest(?::varchar[]))", [load_id, old])
        for table, cols in COLUMNS.items():
            frame = frames.get(table)
            if frame is None or frame.height == 0:
                continue
            con.register("incoming", frame.select(list(cols)))
            con.execute(f"insert into {table} ({', '.join(('load_id', *cols))}) select ?, {', '.join(cols)} from incoming", [load_id])
            con.unregister("incoming")
        con.execute("insert into rec_loads values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, null)",
                    [load_id, now, extract_date, synthetic, ",".join(forces), json.dumps(files), key_fingerprint,
                     frames["rec_offences"].height, 0 if frames.get("rec_suspects") is None else frames["rec_suspects"].height,
                     frames["rec_cps_cases"].height])
        con.execute("insert or replace into meta values ('record_level', 'true')")
        con.commit()
    except BaseException:
        con.rollback()
        raise


def loads(con) -> list[dict]:
    cur = con.execute("select load_id, loaded_at, extract_date, synthetic, forces, files, offences, suspects, cps_cases"
                      " from rec_loads where replaced_by is null order by loaded_at")
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def scope_loads(con, forces: list[str]) -> list[dict]:
    """The current loads holding any of ``forces``."""
    return [d for d in loads(con) if set(d["forces"].split(",")) & set(forces)]


def offences(con, forces: list[str], start: date | None = None, end: date | None = None):
    """Crime records of ``forces`` recorded between ``start`` and ``end``, with the linked CPS
    cases' dates folded in (earliest charge decision, latest completion) and the load's extract date.
    Synthetic records of earlier offences (``synthetic_earlier``) are left out: they exist only to
    carry outcomes assigned in the synthetic period and belong to no period's crimes."""
    _quiet(con)
    return _frame(con.execute("""
        with o as (
            select o.*, ld.extract_date, ld.synthetic from rec_offences o join rec_loads ld using (load_id)
            where ld.replaced_by is null and o.force_code in (select unnest(?::varchar[])) {earlier}
              and (?::date is null or o.date_recorded >= ?::date) and (?::date is null or o.date_recorded <= ?::date)),
        cases as (
            select l.record_id, l.load_id,
                   min(c.decision_date) filter (where c.charging_decision = 'charge') as cps_charge_date,
                   min(c.referral_date) as cps_referral_date,
                   max(c.completion_date) as completion_date,
                   bool_or(c.completion_result in ('guilty_plea', 'convicted_after_trial', 'convicted_in_absence')) as convicted,
                   bool_or(c.completion_date is not null) as completed,
                   count(*) as cases
            from rec_case_links l semi join o using (load_id, record_id)
            join rec_cps_cases c using (load_id, case_id) group by all),
        susp as (
            select s.record_id, s.load_id, min(s.arrest_date) as arrest_date, min(s.cps_referral_date) as police_referral_date
            from rec_suspects s semi join o using (load_id, record_id) group by all)
        select o.*, cases.cps_charge_date, cases.completion_date,
               coalesce(cases.convicted, false) as convicted, coalesce(cases.completed, false) as completed,
               coalesce(cases.cases, 0) as cases, least(cases.cps_referral_date, susp.police_referral_date) as referral_date,
               susp.arrest_date
        from o left join cases using (load_id, record_id) left join susp using (load_id, record_id)
        order by o.record_id""".format(earlier="and not coalesce(o.synthetic_earlier, false)" if _flagged(con) else ""),
        [forces, start, start, end, end]))


def _flagged(con) -> bool:
    """True when rec_offences has the synthetic_earlier column (a store loaded before it was added,
    and opened read-only, has not)."""
    return bool(con.execute("select count(*) from information_schema.columns where table_name = 'rec_offences' "
                            "and column_name = 'synthetic_earlier'").fetchone()[0])


def _quiet(con) -> None:
    """No progress bar on the terminal from a long query (answers are printed, not bars)."""
    con.execute("set enable_progress_bar = false")


def cases(con, forces: list[str]):
    """CPS cases of the current loads of ``forces`` with the records they are linked to."""
    return _frame(con.execute("""
        select c.*, list(l.record_id order by l.record_id) filter (where l.record_id is not null) as record_ids
        from rec_cps_cases c join rec_loads ld using (load_id) left join rec_case_links l using (load_id, case_id)
        where ld.replaced_by is null and list_has_any(string_split(ld.forces, ','), ?)
        group by all order by c.case_id""", [forces]))


def linkage(con, forces: list[str]):
    return con.execute("""
        select k.rule, k.side, k.id from rec_linkage k join rec_loads ld using (load_id)
        where ld.replaced_by is null and list_has_any(string_split(ld.forces, ','), ?) order by k.rule, k.id""",
                       [forces]).fetchall()


def published_cohort(con, force_codes: list[str], start: date, end: date, codes: list[str], edition: str | None,
                     measure: str = "outcomes_cohort"):
    """The Home Office outcomes counts for the forces and offence codes, from one edition: the one
    given, or the newest holding the period. ``outcomes_cohort``: offences recorded in each quarter,
    by the outcome type reached at the edition's extract; ``outcomes_closed``: outcomes assigned in
    each quarter, whenever the offence was recorded. Returns (edition id, file name, rows of
    (quarter start, force, offence code, outcome type, count))."""
    eds = con.execute("""
        select edition, file_name from editions where dataset = 'ho_outcomes'
          and period_start <= ? and period_end >= ? and (? is null or edition = ?)
        order by coalesce(published, cast(loaded_at as date)) desc, loaded_at desc limit 1""",
                      [start, end, edition, edition]).fetchall()
    if not eds:
        return None, None, []
    ed, name = eds[0]
    rows = con.execute("""
        select period_start, area, offence, outcome, sum(value)::bigint from facts
        where dataset = 'ho_outcomes' and edition = ? and measure = ?
          and area in (select unnest(?::varchar[])) and period_start >= ? and period_end <= ?
          and offence in (select unnest(?::varchar[]))
        group by all order by all""", [ed, measure, force_codes, start, end, codes]).fetchall()
    return ed, name, rows


def outcomes_assigned(con, forces: list[str], start: date, end: date, codes: list[str]):
    """Crime records (kept as crimes) of the current loads of ``forces`` whose outcome was assigned
    between ``start`` and ``end``, whenever they were recorded: (outcome date, offence code,
    outcome type, count) rows, the records' side of the Home Office "outcomes recorded in quarter"."""
    return con.execute("""
        select o.outcome_date, o.offence_code, o.outcome_type, count(*)::bigint from rec_offences o join rec_loads ld using (load_id)
        where ld.replaced_by is null and o.force_code in (select unnest(?::varchar[])) and o.status = 'recorded'
          and o.outcome_date between ? and ? and o.outcome_type is not null and o.outcome_type <> '0'
          and o.offence_code in (select unnest(?::varchar[]))
        group by all order by all""", [forces, start, end, codes]).fetchall()


def status_changes(con, forces: list[str], start: date, end: date, codes: list[str]):
    """Records cancelled or transferred with a status date between ``start`` and ``end``:
    (status date, offence code, count) rows."""
    return con.execute("""
        select o.status_date, o.offence_code, count(*)::bigint from rec_offences o join rec_loads ld using (load_id)
        where ld.replaced_by is null and o.force_code in (select unnest(?::varchar[])) and o.status <> 'recorded'
          and o.status_date between ? and ? and o.offence_code in (select unnest(?::varchar[]))
        group by all order by all""", [forces, start, end, codes]).fetchall()


def published_values(con, dataset: str, measure: str, offence: str, area: str | None = None):
    """Published (edition, period_start, period_end, area, value) rows of one measure, newest edition first."""
    return con.execute("""
        select f.edition, f.period_start, f.period_end, f.area, f.value from facts f join editions e using (edition)
        where f.dataset = ? and f.measure = ? and f.offence = ? and (? is null or f.area = ?) and f.value is not null
        order by coalesce(e.published, cast(e.loaded_at as date)) desc, e.loaded_at desc, f.edition, f.period_start, f.value""",
                       [dataset, measure, offence, area, area]).fetchall()


def edition_published(con, edition: str):
    return con.execute("select published, period_end from editions where edition = ?", [edition]).fetchone()


# access ----------------------------------------------------------------------------------

def add_token(con, token_hash: str, user: str, role: str) -> None:
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    con.execute("insert into rec_tokens values (?, ?, ?, ?)", [token_hash, user, role, now])


def token_user(con, token_hash: str):
    row = con.execute("select user_name, role from rec_tokens where token_hash = ?", [token_hash]).fetchone()
    return row


def token_count(con) -> int:
    try:
        return con.execute("select count(*) from rec_tokens").fetchone()[0]
    except Exception:
        return 0


def revoke_tokens(con, user: str) -> int:
    n = con.execute("select count(*) from rec_tokens where user_name = ?", [user]).fetchone()[0]
    con.execute("delete from rec_tokens where user_name = ?", [user])
    return n


def require_records(con) -> None:
    if not has_records(con):
        raise NotAvailable("No case records are loaded in this store.",
                           holder="the police force and the CPS Area (their own case records)").with_actions("load_records")


def recorded_span(con, forces: list[str]):
    """(first, last) recording dates of the current loads' crime records of ``forces`` (None, None when
    none); synthetic records of earlier offences are left out, as ``offences`` leaves them out."""
    return con.execute("""
        select min(o.date_recorded), max(o.date_recorded) from rec_offences o join rec_loads ld using (load_id)
        where ld.replaced_by is null and o.force_code in (select unnest(?::varchar[])) {earlier}""".format(
        earlier="and not coalesce(o.synthetic_earlier, false)" if _flagged(con) else ""), [forces]).fetchone()
