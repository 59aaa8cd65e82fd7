"""Schemathesis over our own OpenAPI schema: no input gives a 500, and every answer
matches the schema it documents (bounded, so the suite stays fast)."""

from __future__ import annotations

from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.app import create_app
from governance.application import Ledger
from governance.users import Users
from support.story import tell_story

EXAMPLES_PER_OPERATION = 15


def test_no_input_gives_a_server_error_or_an_undocumented_answer(sqlite_ledger: Ledger) -> None:
    app = create_app(sqlite_ledger)
    headers = {"Authorization": f"Bearer {Users(sqlite_ledger.log).add('fuzzer', 'admin')}"}
    with TestClient(app) as client:
        tell_story(client, headers)  # so that reads and writes also meet existing subjects
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) > 30
        for operation in operations:
            _fuzz(operation, headers)


def _fuzz(operation: Any, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def check(case: Any) -> None:
        # Valid-looking data is refused for reasons a schema cannot express (a subject
        # that does not exist, a lifecycle rule), so acceptance of positive data is not checked.
        case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

    check()
