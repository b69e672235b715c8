"""What each job does: a coordinator's preview, the nightly plan, and the re-pricing of the
desks (in the morning and during the day), each solved outside any write transaction."""

import json
import logging
import traceback
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from qonaq.audit.service import record_event
from qonaq.auth.actor import Actor
from qonaq.db.base import utc_now
from qonaq.db.session import transaction
from qonaq.errors import DomainError
from qonaq.i18n import N_
from qonaq.jobs import service
from qonaq.jobs.models import JobKind
from qonaq.placement.model import HouseholdRecord, build_problem
from qonaq.placement.plan import PlacementPlan, plan_placement
from qonaq.registry import placing
from qonaq.registry.models import Household, Plan
from qonaq.registry.replans import prices_json, store_plan
from qonaq.registry.service import occupations_of

logger = logging.getLogger(__name__)
# the window of arrivals an intra-day re-pricing takes as the wave still to come
REPRICE_WINDOW = timedelta(hours=24)


def run_job(*, engine: Engine, job_id: int) -> bool:
    """Run a queued job once: False when another worker has it already. A failure is kept
    on the row with its reason (no input values), never lost."""
    if not service.claim(engine=engine, job_id=job_id):
        return False
    with transaction(engine, writes=False) as db_session:
        job = service.get_job(db_session=db_session, job_id=job_id)
        kind, policy = JobKind(job.kind), job.policy
        actor = Actor(label=job.requested_label, user_id=job.requested_by)
    try:
        with service.heartbeat(engine=engine, job_id=job_id):
            RUNS[kind](engine, job_id, policy, actor)
    except DomainError as exc:
        service.fail(engine=engine, job_id=job_id, reason=exc)
    except Exception as exc:  # a worker must survive any job and say why it failed
        # where it failed, without the exception's words: they may quote input values
        where = "".join(traceback.format_tb(exc.__traceback__))
        logger.error("job %s (%s) failed: %s\n%s", job_id, kind, _reason(exc), where)
        internal = DomainError(
            N_("an internal error stopped it (%(reason)s); the server's log says where"),
            reason=_reason(exc),
        )
        service.fail(engine=engine, job_id=job_id, reason=internal)
    return True


def _reason(exc: Exception) -> str:
    # the class and the database's own code, never the message: it may quote input values
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return f"{type(exc).__name__}" + (f" SQLSTATE {code}" if code else "")


def _preview(engine: Engine, job_id: int, policy_name: str, actor: Actor) -> None:
    policy = placing.policy_named(policy_name)
    with transaction(engine, writes=False) as db_session:
        records = placing.settlement_records(db_session=db_session)
        service.report_progress(engine=engine, job_id=job_id, progress=20)
        plan, households = placing.replan(db_session=db_session, policy=policy)
    service.report_progress(engine=engine, job_id=job_id, progress=90)
    with transaction(engine) as db_session:
        row = store_plan(
            db_session=db_session, plan=plan, household_ids=[h.id for h in households],
            policy=policy_name, actor=actor,
        )  # fmt: skip
        preview = placing.replan_read(row.id, policy_name, plan, records)
        service.finish(
            db_session=db_session, job_id=job_id, plan_id=row.id,
            result=preview.model_dump(mode="json"),
        )  # fmt: skip


def _nightly(engine: Engine, job_id: int, policy_name: str, actor: Actor) -> None:
    summary, applied = placing.plan_and_apply(engine=engine, policy_name=policy_name, actor=actor)
    with transaction(engine) as db_session:
        service.finish(
            db_session=db_session, job_id=job_id, plan_id=summary.plan_id,
            result={
                "placed": applied.placed, "unplaced": summary.unplaced_households,
                "skipped": applied.not_pending + applied.no_room, "gap": summary.gap,
            },
        )  # fmt: skip


def _morning(engine: Engine, job_id: int, policy_name: str, actor: Actor) -> None:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    _reprice(engine, job_id, policy_name, actor, since=today - timedelta(days=1), until=today)


def _intra_day(engine: Engine, job_id: int, policy_name: str, actor: Actor) -> None:
    now = utc_now()
    _reprice(engine, job_id, policy_name, actor, since=now - REPRICE_WINDOW, until=now)


def _reprice(
    engine: Engine, job_id: int, policy_name: str, actor: Actor, *,
    since: datetime, until: datetime,
) -> None:  # fmt: skip
    """Prices for the desks: a batch plan of the arrivals registered in [since, until) taken
    as the wave still to come, against the capacities, loads and vacancies of now (what
    `placement.desk.morning_prices` computes); stored as an applied plan that places nobody,
    so every desk process reads its prices."""
    policy = placing.policy_named(policy_name)
    with transaction(engine, writes=False) as db_session:
        records = placing.settlement_records(db_session=db_session)
        vacancies = placing.vacancy_records(db_session=db_session)
        expected = _registered_between(db_session, since, until)
        service.report_progress(engine=engine, job_id=job_id, progress=20)
    if not expected:
        # nobody arrived in the window: there is no wave to price, the desks keep their prices
        with transaction(engine) as db_session:
            service.finish(
                db_session=db_session, job_id=job_id, plan_id=None, result={"expected": 0}
            )
        return
    plan = plan_placement(build_problem(records, expected, vacancies, policy))
    service.report_progress(engine=engine, job_id=job_id, progress=90)
    with transaction(engine) as db_session:
        row = _store_prices(db_session, plan, len(expected), policy_name, actor)
        service.finish(
            db_session=db_session, job_id=job_id, plan_id=row.id,
            result={"expected": len(expected), "objective": plan.objective, "gap": plan.gap},
        )  # fmt: skip


def _registered_between(
    db_session: Session, since: datetime, until: datetime
) -> list[HouseholdRecord]:
    households = list(
        db_session.scalars(
            select(Household)
            .where(Household.registered_at >= since, Household.registered_at < until)
            .order_by(Household.id)
        )
    )
    groups = occupations_of(db_session=db_session, household_ids=[h.id for h in households])
    return [
        placing.household_record(
            db_session=db_session, household=h, occupations=groups.get(h.id, ())
        )
        for h in households
    ]


def _store_prices(
    db_session: Session, plan: PlacementPlan, expected: int, policy: str, actor: Actor
) -> Plan:
    parts = plan.parts
    now = utc_now()
    row = Plan(
        policy=policy, status="applied", households=expected,
        placed_households=plan.placed_households, objective=plan.objective,
        lower_bound=plan.lower_bound, gap=plan.gap,
        parts=json.dumps({
            "travel": parts.travel, "congestion": parts.congestion,
            "employment": parts.employment, "preference": parts.preference,
            "unplaced": parts.unplaced,
        }),
        prices=json.dumps(prices_json(plan)), created_by=actor.user_id, applied_at=now,
        applied_by=actor.user_id, applied_households=0, skipped_households=0,
    )  # fmt: skip
    db_session.add(row)
    db_session.flush()
    record_event(
        db_session=db_session, actor_label=actor.label, actor_id=actor.user_id,
        action="prices.reprice", object_type="plan", object_id=str(row.id),
        after={"policy": policy, "expected": expected, "gap": plan.gap},
    )  # fmt: skip
    return row


RUNS = {
    JobKind.PREVIEW: _preview,
    JobKind.NIGHTLY: _nightly,
    JobKind.MORNING: _morning,
    JobKind.REPRICE: _intra_day,
}
