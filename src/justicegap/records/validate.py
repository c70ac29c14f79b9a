"""Reading record files (CSV, Parquet, XLSX) and checking them against the schema.

Every problem is named with its file, row and field. Row numbers are the file's own: for CSV and
XLSX the header is row 1, so the first record is row 2; for Parquet (no header row) the first
record is row 1. A file with any problem is rejected whole, so nothing is stored from it.
Columns outside the schema are refused, because free text must never reach the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .. import areas, reference
from ..errors import InputError
from . import schema

SUFFIXES = (".csv", ".parquet", ".xlsx")
MAX_LISTED = 10


@dataclass
class Problem:
    file: Path
    row: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        return str(InputError(self.message, file=self.file.name, row=self.row, column=self.field))


@dataclass
class Problems:
    items: list[Problem] = field(default_factory=list)

    def add(self, file, row, fld, message):
        self.items.append(Problem(Path(file), row, fld, message))

    def raise_if_any(self):
        if not self.items:
            return
        first, rest = self.items[0], self.items[1:]
        msg = first.message
        if rest:
            shown = "; ".join(str(p) for p in rest[:MAX_LISTED])
            more = f" (and {len(rest) - MAX_LISTED} more)" if len(rest) > MAX_LISTED else ""
            msg += f". {len(rest)} more problem(s): {shown}{more}"
        raise InputError(msg + ". Nothing was stored from this load.", file=first.file.name, row=first.row, column=first.field)


def find_files(directory: Path) -> dict[str, Path]:
    """The table files in ``directory``: offences.*, suspects.* (optional), cps_cases.*."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError("not a folder of record files (offences, suspects, cps_cases)", file=directory)
    found: dict[str, Path] = {}
    for p in sorted(directory.iterdir()):
        stem, suffix = p.name.split(".", 1)[0], p.suffix.lower()
        if stem in schema.TABLES and suffix in SUFFIXES:
            if stem in found:
                raise InputError(f"two files for the {stem} table ({found[stem].name} and {p.name}): keep one", file=directory)
            found[stem] = p
    for t in schema.REQUIRED_TABLES:
        if t not in found:
            raise InputError(f"no {t} file ({t}.csv, {t}.parquet or {t}.xlsx)", file=directory)
    return found


def read_text_frame(path: Path):
    """Every column as text (empty cells as null) and ``_row``, the file's own row number."""
    import polars as pl

    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            df = pl.read_csv(path, infer_schema=False)
            first = 2
        elif suffix == ".parquet":
            df = pl.read_parquet(path)
            df = df.with_columns([pl.col(c).cast(pl.String) for c in df.columns])
            first = 1
        else:
            import fastexcel

            sheet = fastexcel.read_excel(str(path)).load_sheet(0, dtypes="string")
            df = pl.from_arrow(sheet.to_arrow())
            first = 2
    except InputError:
        raise
    except Exception as e:  # the readers' own message, on one line
        raise InputError(f"cannot be read as {suffix[1:].upper()}: {str(e).splitlines()[0]}", file=path.name) from None
    df = df.rename({c: c.strip().lower() for c in df.columns})
    df = df.with_columns([pl.col(c).str.strip_chars().replace("", None) for c in df.columns])
    return df.with_row_index("_row", offset=first).with_columns(pl.col("_row").cast(pl.Int64))


def _dates(df, name, path, problems):
    import polars as pl

    raw = df.get_column(name)
    parsed = raw.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    if (raw.is_not_null() & parsed.is_null()).any():  # a spreadsheet's midnight timestamps, rarely
        text = raw.str.replace(r"^(\d{4}-\d{2}-\d{2})(?:[ T]00:00:00(?:\.0+)?)?$", "$1")
        parsed = text.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    bad = df.filter(raw.is_not_null() & parsed.is_null())
    for r, v in zip(bad["_row"].head(MAX_LISTED + 1), bad[name].head(MAX_LISTED + 1)):
        problems.add(path, r, name, f"'{v}' is not a date (YYYY-MM-DD)")
    return parsed


def _booleans(df, name, path, problems):
    import polars as pl

    low = df.get_column(name).str.to_lowercase()
    t, f = schema.true_values(), schema.false_values()
    bad = df.filter(low.is_not_null() & ~low.is_in(list(t | f)))
    for r, v in zip(bad["_row"].head(MAX_LISTED + 1), bad[name].head(MAX_LISTED + 1)):
        problems.add(path, r, name, f"'{v}' is not true or false")
    return pl.when(low.is_in(list(t))).then(True).when(low.is_in(list(f))).then(False).otherwise(None)


def _flag(df, mask, path, problems, fld, message):
    """Add a problem for each row where ``mask`` holds; ``message`` may use {value}."""
    bad = df.filter(mask)
    for r, v in zip(bad["_row"].head(MAX_LISTED + 1), (bad[fld] if fld in bad.columns else bad["_row"]).head(MAX_LISTED + 1)):
        problems.add(path, r, fld, message.format(value=v))


def typed(table: str, df, path: Path, extract_date: date, problems: Problems):
    """Check one table's columns, required cells, enumerations and types; return it typed."""
    import polars as pl

    names = schema.field_names(table)
    extra = [c for c in df.columns if c != "_row" and c not in names]
    if extra:
        problems.add(path, None, extra[0], f"column not in the {table} schema (free text is never stored; "
                                           f"the schema's columns are {', '.join(names)})")
    for f in schema.fields(table):
        if f.name not in df.columns:
            if f.required:
                problems.add(path, None, f.name, f"required column missing from the {table} file")
            df = df.with_columns(pl.lit(None, dtype=pl.String).alias(f.name))
    df = df.select(["_row", *names])
    out = {"_row": df["_row"]}
    for f in schema.fields(table):
        col = df.get_column(f.name)
        if f.required:
            _flag(df, col.is_null(), path, problems, f.name, "required value is empty")
        if f.enum:
            _flag(df, col.is_not_null() & ~col.is_in(list(f.enum)), path, problems, f.name,
                  "'{value}' is not one of " + ", ".join(f.enum))
        if f.type == "date":
            out[f.name] = _dates(df, f.name, path, problems)
            late = out[f.name] > pl.lit(extract_date)
            _flag(df, late.fill_null(False), path, problems, f.name,
                  "'{value}' is after the extract date " + extract_date.isoformat())
        elif f.type == "boolean":
            out[f.name] = df.select(_booleans(df, f.name, path, problems).alias(f.name))[f.name]
        else:
            out[f.name] = col
    return pl.DataFrame(out)


def check_offences(df, path: Path, problems: Problems):
    import polars as pl

    known = set(reference.offences())
    _flag(df, df["offence_code"].is_not_null() & ~df["offence_code"].is_in(list(known)), path, problems,
          "offence_code", "unknown Home Office offence code '{value}'")
    forces = {a.code for lvl in ("pfa", "btp") for a in areas.all_areas(lvl)}
    _flag(df, df["force_code"].is_not_null() & ~df["force_code"].is_in(list(forces)), path, problems,
          "force_code", "unknown police force area code '{value}' (give the ONS code, e.g. E23000032)")
    lads = {r["lad_code"] for r in reference.table("lad_csp_pfa")} | {a.code for a in areas.all_areas("lad")}
    _flag(df, df["lad_code"].is_not_null() & ~df["lad_code"].is_in(list(lads)), path, problems,
          "lad_code", "unknown local authority district code '{value}'")
    dup = df["record_id"].is_duplicated() & df["record_id"].is_not_null()
    if dup.any():
        first = df.filter(dup).group_by("record_id").agg(pl.col("_row").min().alias("first"))
        d = df.filter(dup).join(first, on="record_id").filter(pl.col("_row") > pl.col("first"))
        for r, first_row in zip(d["_row"].head(MAX_LISTED + 1), d["first"].head(MAX_LISTED + 1)):
            problems.add(path, r, "record_id", f"duplicate record id (also on row {first_row})")
    closed = df["outcome_type"].is_not_null() & (df["outcome_type"] != "0")
    _flag(df, closed & df["outcome_date"].is_null(), path, problems, "outcome_date",
          "an outcome type is given without its date")
    _flag(df, (df["outcome_date"] < df["date_recorded"]).fill_null(False), path, problems, "outcome_date",
          "'{value}' is before the date the crime was recorded")
    _flag(df, df["status"].is_in(["cancelled", "transferred"]) & df["status_reason"].is_null(), path, problems,
          "status_reason", "a cancelled or transferred record needs its Counting Rules reason")


def check_links(suspects, cases, offences, files: dict[str, Path], problems: Problems):
    """Suspects and CPS cases must refer to records in the offences file (by their own ids)."""
    import polars as pl

    ids = offences.select("record_id")
    if suspects is not None:
        missing = suspects.join(ids, on="record_id", how="anti")
        _flag(missing, pl.lit(True), files["suspects"], problems, "record_id",
              "no crime record with this id in the offences file")
        dup = suspects.select(["record_id", "suspect_id"]).is_duplicated()
        _flag(suspects, dup, files["suspects"], problems, "suspect_id", "the same suspect is listed twice for one record")
    links = case_links(cases)
    missing = links.join(ids, on="record_id", how="anti")
    for r, rid in zip(missing["_row"].head(MAX_LISTED + 1), missing["record_id"].head(MAX_LISTED + 1)):
        problems.add(files["cps_cases"], r, "record_ids", "linked to a crime record that does not exist in the offences file")
    dup = cases["case_id"].is_duplicated() & cases["case_id"].is_not_null()
    _flag(cases, dup, files["cps_cases"], problems, "case_id", "duplicate case id")
    _flag(cases, cases["charge_offence_code"].is_not_null() & ~cases["charge_offence_code"].is_in(list(reference.offences())),
          files["cps_cases"], problems, "charge_offence_code", "unknown Home Office offence code '{value}'")


def case_links(cases):
    """One row per (case, linked record id), from the ';'-separated ``record_ids``."""
    import polars as pl

    return (cases.select(["_row", "case_id", pl.col("record_ids").str.split(";").alias("record_id")])
            .explode("record_id").with_columns(pl.col("record_id").str.strip_chars())
            .filter(pl.col("record_id").is_not_null() & (pl.col("record_id") != "")))


def cps_area_codes(cases, path: Path, problems: Problems):
    """CPS Areas given by code or name -> justicegap's codes."""
    import polars as pl

    pool = {a.code: a.code for a in areas.all_areas("cps_area")}
    pool.update({areas.key(a.name): a.code for a in areas.all_areas("cps_area")})
    values = cases["cps_area"].unique().drop_nulls().to_list()
    mapping = {v: pool.get(v, pool.get(areas.key(v))) for v in values}
    bad = [v for v, c in mapping.items() if c is None]
    if bad:
        _flag(cases, cases["cps_area"].is_in(bad), path, problems, "cps_area", "unknown CPS Area '{value}'")
    return cases.with_columns(pl.col("cps_area").replace_strict(mapping, default=None))
