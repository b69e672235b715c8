"""The day's rhythm: the nightly plan stores its prices, the morning and intra-day re-pricing
replace them for every desk, and the coordinator's plans page shows the last run of each."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update
from typer.testing import CliRunner

from qonaq.auth.actor import Actor
from qonaq.auth.models import User
from qonaq.auth.service import create_user, start_session
from qonaq.cli import app
from qonaq.config import get_settings
from qonaq.db import migrate
from qonaq.db.base import utc_now
from qonaq.db.session import make_engine, transaction
from qonaq.jobs.models import Job
from qonaq.jobs.queue import InProcessWorker
from qonaq.registry import placing
from qonaq.registry.models import Household, Plan
from qonaq.registry.service import register_household
from qonaq.settlements.models import Settlement
from qonaq.web.app import create_app
from qonaq.web.deps import SESSION_COOKIE
from tests.registry.factories import household, seed_tiny_country
from tests.registry.test_replan import _register

runner = CliRunner()


@pytest.fixture
def cli_engine(
    monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path
) -> Iterator[Engine]:
    """The CLI and an engine on one fresh database with the tiny country."""
    monkeypatch.setenv("QONAQ_DATABASE_URL", database_url)
    monkeypatch.setenv("QONAQ_VAR_DIR", str(tmp_path))
    get_settings.cache_clear()
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    seed_tiny_country(engine)
    yield engine
    engine.dispose()
    get_settings.cache_clear()


def _desk(engine: Engine, household_id: int) -> list[tuple[str, float, int | None]]:
    with transaction(engine, writes=False) as db_session:
        found = db_session.get(Household, household_id)
        assert found is not None
        options = placing.desk_options(db_session=db_session, household=found, language="en")
    return [(o.settlement_id, round(o.total, 6), o.priced_by_plan) for o in options]


def _latest_plan(engine: Engine) -> Plan:
    with transaction(engine, writes=False) as db_session:
        return db_session.scalars(select(Plan).order_by(Plan.id.desc()).limit(1)).one()


def test_nightly_plans_and_stores_prices_and_a_reprice_changes_what_desks_read(
    cli_engine: Engine,
) -> None:
    with transaction(cli_engine) as db_session:
        # room for about the day's wave: its prices are scarcity, not zero
        for settlement_id, beds in (("oral", 40), ("aksai", 30)):
            db_session.execute(
                update(Settlement).where(Settlement.id == settlement_id).values(cap_persons=beds)
            )
    _register(cli_engine, 8)
    nightly = runner.invoke(app, ["plan", "nightly"])
    assert nightly.exit_code == 0, nightly.output
    assert "8 households placed" in nightly.output
    planned = _latest_plan(cli_engine)
    assert planned.status == "applied" and planned.applied_households == 8
    with transaction(cli_engine) as db_session:
        walk_in = register_household(
            db_session=db_session, data=household(3), actor=Actor("desk")
        ).id
    before = _desk(cli_engine, walk_in)
    assert {plan for *_, plan in before} == {planned.id}
    _yesterday(cli_engine, _register(cli_engine, 40, size=3))
    _register(cli_engine, 20, size=3)  # with the 9 above, today's 29 of yesterday's 40
    reprice = runner.invoke(app, ["plan", "reprice"])
    assert reprice.exit_code == 0, reprice.output
    repriced = _latest_plan(cli_engine)
    # the 11 still expected, drawn from the last 24 hours' arrivals
    assert f"prices {repriced.id} (default) from 11 expected households" in reprice.output
    assert repriced.status == "applied" and repriced.applied_households == 0
    after = _desk(cli_engine, walk_in)
    assert {plan for *_, plan in after} == {repriced.id}
    assert [total for _, total, _ in after] != [total for _, total, _ in before]


def _yesterday(engine: Engine, household_ids: list[int], *, early: bool = False) -> None:
    """Move these registrations to the last second of yesterday (UTC): within the last 24
    hours at any time of today but a second before midnight; `early`: to the first second
    of yesterday, before this time of day yesterday whatever the time now."""
    midnight = utc_now().replace(hour=0, minute=0, second=0, microsecond=0)
    moment = midnight - timedelta(days=1) if early else midnight - timedelta(seconds=1)
    with transaction(engine) as db_session:
        db_session.execute(
            update(Household).where(Household.id.in_(household_ids)).values(registered_at=moment)
        )


def test_a_day_ahead_of_yesterday_expects_its_growth_to_go_on(cli_engine: Engine) -> None:
    _yesterday(cli_engine, _register(cli_engine, 10), early=True)
    _yesterday(cli_engine, _register(cli_engine, 30))
    _register(cli_engine, 20)  # twice yesterday's 10 by this time: 80 expected, 60 to come
    reprice = runner.invoke(app, ["plan", "reprice"])
    assert reprice.exit_code == 0 and "from 60 expected households" in reprice.output


def test_re_pricing_when_due_follows_the_arrivals_the_last_prices_expected(
    cli_engine: Engine,
) -> None:
    _yesterday(cli_engine, _register(cli_engine, 40, size=2))
    first = runner.invoke(app, ["plan", "reprice", "--if-due"])
    assert first.exit_code == 0 and "from 40 expected households" in first.output
    plans = _latest_plan(cli_engine).id
    fresh = runner.invoke(app, ["plan", "reprice", "--if-due"])
    assert fresh.exit_code == 0 and "no re-pricing due" in fresh.output
    _register(cli_engine, 9)  # a quarter of the 40 expected is 10
    assert "no re-pricing due" in runner.invoke(app, ["plan", "reprice", "--if-due"]).output
    assert _latest_plan(cli_engine).id == plans
    _register(cli_engine, 1)
    due = runner.invoke(app, ["plan", "reprice", "--if-due"])
    assert due.exit_code == 0 and "from 30 expected households" in due.output
    assert _latest_plan(cli_engine).id > plans
    _register(cli_engine, 30)  # today has had yesterday's 40: nothing more is expected
    late = runner.invoke(app, ["plan", "reprice", "--if-due"])
    assert late.exit_code == 0 and "no arrivals still expected today" in late.output
    # and, that count only falling during the day, no re-pricing is due again today
    _register(cli_engine, 10)
    assert "no re-pricing due" in runner.invoke(app, ["plan", "reprice", "--if-due"]).output


def test_morning_prices_come_from_yesterdays_arrivals(cli_engine: Engine) -> None:
    nothing = runner.invoke(app, ["plan", "morning"])
    assert nothing.exit_code == 0 and "no arrivals still expected today" in nothing.output
    yesterday = _register(cli_engine, 6, size=2)
    _register(cli_engine, 4)  # today's: not yesterday's wave
    with transaction(cli_engine) as db_session:
        db_session.execute(
            update(Household)
            .where(Household.id.in_(yesterday))
            .values(registered_at=utc_now() - timedelta(days=1))
        )
    morning = runner.invoke(app, ["plan", "morning"])
    assert morning.exit_code == 0, morning.output
    plan = _latest_plan(cli_engine)
    assert plan.households == 6 and plan.status == "applied" and plan.prices != "{}"
    unknown = runner.invoke(app, ["plan", "reprice", "--policy", "nope"])
    assert unknown.exit_code == 2 and "unknown policy nope" in unknown.output


def _coordinator(engine: Engine) -> tuple[TestClient, str]:
    """A browser signed in as a coordinator who reads Russian, and its CSRF token."""
    with transaction(engine) as db_session:
        create_user(
            db_session=db_session, username="coord", password="correct horse battery",
            role="coordinator", actor=Actor("test"), language="ru",
        )  # fmt: skip
        user = db_session.scalars(select(User).where(User.username == "coord")).one()
        token, csrf = start_session(db_session=db_session, user=user)
    app = create_app(engine, letter_secret=b"t")
    return TestClient(app, cookies={SESSION_COOKIE: token}), csrf


def test_the_plans_page_shows_the_last_run_of_each_job(cli_engine: Engine) -> None:
    _register(cli_engine, 5)
    assert runner.invoke(app, ["plan", "nightly"]).exit_code == 0
    assert runner.invoke(app, ["plan", "morning"]).exit_code == 0
    _yesterday(cli_engine, _register(cli_engine, 10))  # 5 of them still expected today
    assert runner.invoke(app, ["plan", "reprice"]).exit_code == 0
    client, _csrf = _coordinator(cli_engine)
    page = client.get("/coordinator/plans?lang=ru").text
    rows = page.split('<tr data-kind="')[1:]
    by_kind = {row.split('"', 1)[0]: row.split("</tr>", 1)[0] for row in rows}
    assert "ещё не запускалось" in by_kind["preview"]
    assert "nightly plan" in by_kind["nightly"] and "Готово" in by_kind["nightly"]
    assert "сегодня прибывших больше не ожидается" in by_kind["morning"]
    assert "intra-day re-pricing" in by_kind["reprice"]
    assert f"{_latest_plan(cli_engine).id}</td>" in by_kind["reprice"]


def test_a_queued_reprice_is_run_by_the_worker(cli_engine: Engine) -> None:
    _yesterday(cli_engine, _register(cli_engine, 4))
    queued = runner.invoke(app, ["plan", "reprice", "--queue"])
    assert queued.exit_code == 0 and "queued for `qonaq worker`" in queued.output
    with transaction(cli_engine, writes=False) as db_session:
        job = db_session.scalars(select(Job)).one()
        assert (job.kind, job.status, job.plan_id) == ("reprice", "queued", None)
    InProcessWorker(cli_engine).run_queued()
    with transaction(cli_engine, writes=False) as db_session:
        job = db_session.scalars(select(Job)).one()
        assert job.status == "done" and job.plan_id == _latest_plan(cli_engine).id


def test_a_coordinator_reprices_from_the_plans_page(cli_engine: Engine) -> None:
    _yesterday(cli_engine, _register(cli_engine, 4))
    client, csrf = _coordinator(cli_engine)
    stale = client.post("/coordinator/plans/reprice", data={"csrf_token": "x"})
    assert stale.status_code == 403
    queued = client.post(
        "/coordinator/plans/reprice", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert queued.status_code == 303 and queued.headers["location"] == "/coordinator/plans"
    InProcessWorker(cli_engine).run_queued()
    page = client.get("/coordinator/plans?lang=ru").text
    row = page.split('<tr data-kind="reprice">')[1].split("</tr>")[0]
    assert "coord" in row and "Готово" in row and f"{_latest_plan(cli_engine).id}</td>" in row
