"""Property-based fuzzing of the whole JSON API from its OpenAPI document: never a 5xx."""

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from tests.web.conftest import Site, make_site


@pytest.fixture(scope="module")
def fuzz_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """One app on one SQLite database for all generated cases."""
    from qonaq.db import migrate
    from qonaq.db.session import make_engine

    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'qonaq.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    yield make_site(engine)
    engine.dispose()


# cases per operation and mode; QONAQ_FUZZ_EXAMPLES=100 for the README's run
EXAMPLES = int(os.environ.get("QONAQ_FUZZ_EXAMPLES", "20"))


def test_no_input_makes_the_api_fail_and_the_spec_tells_the_truth(fuzz_site: Site) -> None:
    """Valid and invalid inputs for every operation: never a 5xx, and every answer is one the
    spec documents, with the body it documents (schemathesis' checks).

    Two checks are left out. That schema-valid input is accepted: some rules cannot be
    written in JSON Schema (exactly one origin, an IIN's check digit and birth date), so
    valid-looking input may get a documented 422. And that schema-invalid input is refused:
    the audit filters read a plain date or a Unix time as a moment, more than `date-time`.
    """
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", fuzz_site.client.app)
    failures: list[str] = []
    cases = [0]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck),
            )  # fmt: skip
            def fuzz(case: Any) -> None:
                # as a coordinator, who may call almost every route, so inputs reach the handlers
                cases[0] += 1
                try:
                    case.call_and_validate(
                        headers=fuzz_site.auth("coordinator"),
                        excluded_checks=[positive_data_acceptance, negative_data_rejection],
                    )
                except BaseException as exc:  # schemathesis reports a group of failures
                    failures.append(f"{case.method} {case.formatted_path}: {exc}"[:400])

            try:
                fuzz()
            except Unsatisfiable:  # nothing to make invalid (no parameters, no body)
                assert mode is GenerationMode.NEGATIVE
    print(f"schemathesis: {cases[0]} cases over {len(operations)} operations")
    assert failures == [], "\n".join(failures[:10])
