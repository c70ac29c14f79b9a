"""Property tests of the API against its own OpenAPI description (schemathesis): whatever the
parameters, no 5xx, and every response (status, content type, body) is one the description declares.

The schema is loaded from the app (``schemathesis.openapi.from_asgi``) inside each test, because the
app needs the store the session fixture loads; each operation's cases come from schemathesis's own
strategy for it, positive (valid by the schema) and negative (violating it), about 50 examples each.
(``schemathesis.pytest.from_fixture`` would do the same, but breaks on pytest 9's node ids.)
"""

from __future__ import annotations

import os

import pytest
import schemathesis

from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (content_type_conformance, not_a_server_error, response_schema_conformance,
                                 status_code_conformance)

API = "/api/v1"
OPERATIONS = ["/areas", "/areas/{code}", "/metrics", "/metrics/{metric_id}", "/figure", "/funnel", "/compare", "/evaluate",
              "/editions", "/sources", "/events", "/boundaries", "/records/aggregates", "/records/offences",
              "/records/reconcile", "/records/survival", "/records/attrition"]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def api_schema(loaded_home):
    from justicegap.server import create_app

    app = create_app(loaded_home / "justicegap.duckdb", warm=False)
    yield schemathesis.openapi.from_asgi("/openapi.json", app)
    app.state.service.close()


def test_every_api_operation_is_tested(api_schema):
    declared = {op.ok().path for op in api_schema.get_all_operations()}
    assert declared == {API + p for p in OPERATIONS}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["positive", "negative"])
@pytest.mark.parametrize("path", OPERATIONS)
def test_api_conforms_to_its_openapi(api_schema, path, mode):
    operation = api_schema[API + path]["GET"]

    # Deterministic in CI (the same examples every run); JUSTICEGAP_SCHEMA_EXAMPLES=500 explores further.
    scale = int(os.environ.get("JUSTICEGAP_SCHEMA_EXAMPLES", "50"))
    explore = "JUSTICEGAP_SCHEMA_EXAMPLES" in os.environ

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=scale if mode == GenerationMode.POSITIVE else max(1, scale // 2), deadline=None,
              suppress_health_check=list(HealthCheck), database=None, derandomize=not explore)
    def run(case):
        response = case.call()
        case.validate_response(response, checks=CHECKS)
        assert "Traceback" not in response.text

    run()


def test_examples_in_the_description_are_answered(api_schema):
    """The documented examples (Kent, charge_rate_cohort, 2017/18) are real answers, checked against the models."""
    for path, query in [("/figure", {"metric": "charge_rate_cohort", "area": "Kent", "period": "2017/18"}),
                        ("/funnel", {"area": "Kent", "period": "2017/18"}),
                        ("/compare", {"metric": "charge_rate_cohort", "period": "2017/18", "level": "cps_area"}),
                        ("/areas/{code}", None)]:
        op = api_schema[API + path]["GET"]
        case = op.Case(query=query) if query else op.Case(path_parameters={"code": "E23000032"})
        response = case.call()
        assert response.status_code == 200
        case.validate_response(response, checks=CHECKS)
