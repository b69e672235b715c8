"""Property-based fuzzing of the whole JSON API from its OpenAPI document: never a 5xx."""

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

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


def test_no_input_makes_the_api_fail(fuzz_site: Site) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", fuzz_site.client.app)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25, deadline=None, derandomize=True, database=None,
            suppress_health_check=list(HealthCheck),
        )  # fmt: skip
        def fuzz(case: Any) -> None:
            # as a coordinator, who may call almost every route, so the inputs reach the handlers
            response = case.call(headers=fuzz_site.auth("coordinator"))
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}")

        fuzz()
    assert failures == []
