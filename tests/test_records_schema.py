"""The record schema: valid Frictionless Table Schemas, shipped with the package, agreeing with the reference tables."""

from __future__ import annotations

from justicegap import reference
from justicegap.records import schema


def test_schemas_are_valid_frictionless_table_schemas():
    from frictionless import Schema

    for t in schema.TABLES:
        report = Schema.validate_descriptor(schema.descriptor(t))
        assert report.valid, [e.message for e in report.errors]
        assert Schema.from_descriptor(schema.descriptor(t)).field_names == list(schema.field_names(t))


def test_outcome_types_in_the_schema_are_the_home_office_types():
    f = next(x for x in schema.fields("offences") if x.name == "outcome_type")
    assert set(f.enum) == set(reference.outcomes())


def test_identifiers_are_the_fields_pseudonymised_and_every_table_says_synthetic():
    assert schema.identifiers("offences") == ("record_id",)
    assert schema.identifiers("suspects") == ("record_id", "suspect_id")
    assert schema.identifiers("cps_cases") == ("case_id", "record_ids")
    for t in schema.TABLES:
        assert "synthetic" in schema.field_names(t)
        assert all(f.description for f in schema.fields(t))


def test_schemas_are_package_data():
    import tomllib
    from pathlib import Path

    cfg = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    assert "records/schemas/*.json" in cfg["tool"]["setuptools"]["package-data"]["justicegap"]
