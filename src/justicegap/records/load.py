"""``justicegap records load DIR``: validate, pseudonymise and link a folder of record files, in
one transaction.

The folder holds ``offences``, ``cps_cases`` and optionally ``suspects`` (CSV, Parquet or XLSX) and
may hold ``manifest.json`` (``extract_date``, ``synthetic``), which ``justicegap synth`` writes. The
extract date (the day the records were taken from the force's and the CPS's systems) is needed:
every time-to-event measure is censored at it, and no date may be after it.
"""

from __future__ import annotations

import json
import uuid
from datetime import date
from pathlib import Path

from ..errors import InputError, InvalidParameter, JusticegapError
from ..store import sha256_of
from . import link, pseudonymise, schema
from . import store as rstore
from . import validate as V


def manifest(directory: Path) -> dict:
    p = Path(directory) / "manifest.json"
    if not p.exists():
        return {}
    try:
        return json.loads(p.read_text())
    except (ValueError, UnicodeDecodeError) as e:
        raise InputError(f"not valid JSON: {e}", file=p.name) from None


def _extract_date(given: date | None, man: dict, directory: Path) -> date:
    if given:
        return given
    if man.get("extract_date"):
        try:
            return date.fromisoformat(man["extract_date"])
        except ValueError:
            raise InputError(f"extract_date '{man['extract_date']}' is not a date", file="manifest.json", column="extract_date") from None
    raise InvalidParameter("extract_date", f"give the date the records were extracted (no manifest.json in {directory} says it)")


def read_tables(directory: Path, extract_date: date):
    """The typed tables, or an InputError naming every problem (file, row, field)."""
    files = V.find_files(directory)
    problems = V.Problems()
    frames = {t: V.typed(t, V.read_text_frame(p), p, extract_date, problems) for t, p in files.items()}
    V.check_offences(frames["offences"], files["offences"], problems)
    frames["cps_cases"] = V.cps_area_codes(frames["cps_cases"], files["cps_cases"], problems)
    problems.raise_if_any()  # link checks need well-formed ids
    V.check_links(frames.get("suspects"), frames["cps_cases"], frames["offences"], files, problems)
    problems.raise_if_any()
    return files, frames


def load_records(store, directory: Path, *, extract_date: date | None = None, key_file: Path | None = None):
    """Validate, pseudonymise, link and store the records in ``directory``; nothing is stored if
    any file has a problem."""
    import polars as pl

    from ..model.records import LoadResult

    directory = Path(directory)
    V.find_files(directory)  # a missing folder or table is said before anything else
    man = manifest(directory)
    extract = _extract_date(extract_date, man, directory)
    files, frames = read_tables(directory, extract)
    kpath = pseudonymise.key_path(key_file)
    created = not kpath.exists()
    key = pseudonymise.read_key(kpath)
    fp = pseudonymise.fingerprint(key)
    con = store.con
    rstore.ensure(con)
    held = rstore.key_fingerprints(con)
    if held and fp not in held:
        if created:
            kpath.unlink()
        raise JusticegapError(f"the key in {kpath} is not the key the stored records were pseudonymised with: "
                              "give the same key (--key-file or JUSTICEGAP_RECORDS_KEY) so pseudonyms link across loads")

    synthetic = bool(man.get("synthetic")) or any(
        bool(f["synthetic"].fill_null(False).any()) for f in frames.values())
    # Each table's own ids are hashed once; ids that refer to them (validated to exist) are mapped.
    raw_records, raw_cases = frames["offences"]["record_id"], frames["cps_cases"]["case_id"]
    records = pseudonymise.series(key, "record", raw_records)
    case_ids = pseudonymise.series(key, "case", raw_cases)

    def mapped(values, raw, hashed):
        lookup = pl.DataFrame({values.name: raw, "_pseudonym": hashed})
        return values.to_frame().join(lookup, on=values.name, how="left", maintain_order="left")["_pseudonym"].alias(values.name)

    off = frames["offences"].with_columns(records)
    cases = frames["cps_cases"].with_columns(case_ids)
    links = V.case_links(frames["cps_cases"].select(["_row", "case_id", "record_ids"]))
    links = links.select(mapped(links["case_id"], raw_cases, case_ids), mapped(links["record_id"], raw_records, records))
    sus = frames.get("suspects")
    if sus is not None:
        sus = sus.with_columns(mapped(sus["record_id"], raw_records, records),
                               pseudonymise.series(key, "suspect", sus["suspect_id"]))
    anomalies = link.anomalies(off, links, cases)
    forces = sorted(off["force_code"].unique().to_list())
    load_id = f"records-{uuid.uuid4().hex[:12]}"
    before = {d["load_id"] for d in rstore.scope_loads(con, forces)}
    described = [{"table": t, "file": p.name, "sha256": sha256_of(p), "rows": frames[t].height} for t, p in files.items()]
    rstore.save_load(con, load_id=load_id, extract_date=extract, synthetic=synthetic, forces=forces, files=described,
                     key_fingerprint=fp, frames={"rec_offences": off, "rec_suspects": sus, "rec_cps_cases": cases,
                                                 "rec_case_links": links, "rec_linkage": anomalies})
    report = link.report(anomalies.iter_rows(), offences=off.height, cases=cases.height, links=links.height, synthetic=synthetic)
    return LoadResult(synthetic=synthetic, load_id=load_id, extract_date=extract, forces=forces, files=described,
                      offences=off.height, suspects=0 if sus is None else sus.height, cps_cases=cases.height,
                      replaced=sorted(before), key_file=str(kpath), key_created=created, linkage=report)


def linkage_report(store, forces: list[str]):
    """The stored linkage report for the current loads of ``forces``."""
    con = store.con
    rstore.require_records(con)
    scoped = rstore.scope_loads(con, forces)
    if not scoped:
        raise JusticegapError("no case records loaded for this area")
    rows = rstore.linkage(con, forces)
    return link.report(rows, offences=sum(d["offences"] for d in scoped), cases=sum(d["cps_cases"] for d in scoped),
                       links=None, synthetic=any(d["synthetic"] for d in scoped))


__all__ = ["load_records", "linkage_report", "read_tables", "schema"]
