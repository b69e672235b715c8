"""What each job does: a coordinator's preview, the nightly plan, and the re-pricing of the
desks (in the morning and during the day), each solved outside any write transaction."""

import json
import logging
import traceback
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from qonaq.audit.service import record_event
from qonaq.auth.actor import Actor
from qonaq.db.base import utc_now
from qonaq.db.session import transaction
from qonaq.errors import DomainError
from qonaq.i18n import N_
from qonaq.jobs import service
from qonaq.jobs.models import Job, JobKind, JobStatus
from qonaq.placement.desk import arrivals_still_expected, intraday_plan, reprice_due
from qonaq.placement.model import HouseholdRecord
from qonaq.placement.plan import PlacementPlan
from qonaq.registry import placing
from qonaq.registry.models import Household, Plan
from qonaq.registry.replans import prices_json, store_plan
from qonaq.registry.service import occupations_of

logger = logging.getLogger(__name__)
# the window of arrivals an intra-day re-pricing draws the wave still to come from
REPRICE_WINDOW = timedelta(hours=24)
DAY = timedelta(days=1)


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
    midnight = _midnight(utc_now())

    def yesterdays(db_session: Session) -> tuple[list[HouseholdRecord], int]:
        expected = _registered_between(db_session, midnight - DAY, midnight)
        return expected, len(expected)

    # the exact LP where it is fast, as `placement.desk.morning_prices`
    _reprice(engine, job_id, policy_name, actor, yesterdays, method="auto")


def _intra_day(engine: Engine, job_id: int, policy_name: str, actor: Actor) -> None:
    now = utc_now()
    midnight = _midnight(now)

    def still_expected(db_session: Session) -> tuple[list[HouseholdRecord], int]:
        recent = _registered_between(db_session, now - REPRICE_WINDOW, now)
        remaining = arrivals_still_expected(
            yesterday=_count_between(db_session, midnight - DAY, midnight),
            yesterday_by_now=_count_between(db_session, midnight - DAY, now - DAY),
            today_so_far=_count_between(db_session, midnight, now),
        )
        return recent, remaining

    _reprice(engine, job_id, policy_name, actor, still_expected, method="flow")


# the wave a re-pricing prices, read in its transaction: arrivals standing for those still
# expected, and how many are still expected
Wave = Callable[[Session], tuple[list[HouseholdRecord], int]]


def _reprice(
    engine: Engine, job_id: int, policy_name: str, actor: Actor, wave: Wave, *, method: str
) -> None:
    """Prices for the desks: a batch plan of the arrivals still expected, drawn from those
    `wave` reads (`placement.desk.intraday_plan`), against the capacities, loads and
    vacancies of now; stored as an applied plan that places nobody, so every desk process
    reads its prices."""
    policy = placing.policy_named(policy_name)
    with transaction(engine, writes=False) as db_session:
        records = placing.settlement_records(db_session=db_session)
        vacancies = placing.vacancy_records(db_session=db_session)
        expected, remaining = wave(db_session)
        service.report_progress(engine=engine, job_id=job_id, progress=20)
    if remaining <= 0 or not expected:
        # no arrival to draw from, or today has had yesterday's count already: no wave to
        # price, the desks keep their prices
        with transaction(engine) as db_session:
            service.finish(
                db_session=db_session, job_id=job_id, plan_id=None, result={"expected": 0}
            )
        return
    plan = intraday_plan(
        records, vacancies, policy, expected, remaining, method=method, seed=job_id
    )
    service.report_progress(engine=engine, job_id=job_id, progress=90)
    with transaction(engine) as db_session:
        row = _store_prices(db_session, plan, remaining, policy_name, actor)
        service.finish(
            db_session=db_session, job_id=job_id, plan_id=row.id,
            result={"expected": remaining, "objective": plan.objective, "gap": plan.gap},
        )  # fmt: skip


def reprice_is_due(*, engine: Engine, policy_name: str) -> bool:
    """Whether the desks of `policy_name` need new prices: no re-pricing (morning or
    intra-day) done since midnight, or a share of the arrivals the last one expected has
    registered since (`placement.desk.reprice_due`); never after one today found no
    arrivals still expected, since that count only falls during the day."""
    now = utc_now()
    with transaction(engine, writes=False) as db_session:
        last = db_session.execute(
            select(Job.plan_id, Plan.households, Plan.created_at)
            .outerjoin(Plan, Job.plan_id == Plan.id)
            .where(
                Job.kind.in_((JobKind.MORNING, JobKind.REPRICE)),
                Job.policy == policy_name,
                Job.status == JobStatus.DONE,
                Job.finished_at >= _midnight(now),
            )
            .order_by(Job.id.desc())
            .limit(1)
        ).first()
        if last is None:
            return True
        if last.plan_id is None:
            return False
        arrived = _count_between(db_session, last.created_at, now)
    return reprice_due(arrived, last.households)


def _midnight(moment: datetime) -> datetime:
    """The start of the (UTC) day of `moment`."""
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _count_between(db_session: Session, since: datetime, until: datetime) -> int:
    return (
        db_session.scalar(
            select(func.count(Household.id)).where(
                Household.registered_at >= since, Household.registered_at < until
            )
        )
        or 0
    )


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
