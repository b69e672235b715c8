"""The crash test, short: SIGKILL of the server and a PostgreSQL restart mid-run lose no
acknowledged registration, duplicate none, and leave the database consistent."""

from bench.crash import crash_test
from tests.conftest import unavailable
from tests.support.postgres import find_pg_bin


def test_a_killed_server_and_a_restarted_database_lose_nothing_acknowledged() -> None:
    try:
        find_pg_bin()
    except RuntimeError as exc:
        unavailable(str(exc))
    report = crash_test(seconds=9, desks=3)
    assert report.acknowledged > 0 and report.unavailable > 0  # it did go down, and came back
    assert (report.missing, report.duplicated, report.problems) == ([], [], [])
    assert report.server_errors == 0
