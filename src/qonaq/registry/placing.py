"""Placing registered households with the placement engine: desk options and batch re-plans.

Orchestration only: the engine's records come from registry.engine_records, the desk's index
from registry.desk_cache, stored prices from registry.prices, the read shapes from
registry.schemas, the reasons' words from placement.reasons, audited writes from
registry.service and registry.replans. The names below stay importable from here.
"""

from collections.abc import Sequence

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from qonaq.auth.actor import Actor
from qonaq.db.session import transaction
from qonaq.errors import NotFound
from qonaq.geo.gazetteer import localized_name
from qonaq.geo.settlements_file import SettlementRecord
from qonaq.i18n import N_, gettext
from qonaq.placement.desk import recommend
from qonaq.placement.plan import PlacementPlan, plan_placement
from qonaq.placement.policy import POLICY_DIR, Policy, policy_named, policy_names
from qonaq.placement.reasons import WISH_WORDS, why_not
from qonaq.registry.desk_cache import DeskView, desk_view
from qonaq.registry.engine_records import (
    RECORD_FIELDS,
    household_record,
    load_changes,
    pending_households,
    pending_problem,
    settlement_records,
    vacancy_records,
)
from qonaq.registry.models import Household, Placement
from qonaq.registry.option_reads import option_read, origin_name
from qonaq.registry.prices import desk_prices, prices_for
from qonaq.registry.replans import Applied, apply_stored_plan, store_plan, stored_policy_name
from qonaq.registry.schemas import LoadChangeRead, OptionRead, ReasonRead, ReplanRead
from qonaq.registry.service import confirm_placement, household_preferences
from qonaq.registry.shown import shown_settlements, shown_token

__all__ = [
    "POLICY_DIR",
    "RECORD_FIELDS",
    "Applied",
    "DeskView",
    "LoadChangeRead",
    "OptionRead",
    "ReasonRead",
    "ReplanRead",
    "apply",
    "confirm_choice",
    "desk_options",
    "desk_prices",
    "desk_view",
    "household_record",
    "load_changes",
    "origin_name",
    "pending_households",
    "pending_problem",
    "plan_and_apply",
    "policy_named",
    "policy_names",
    "preview",
    "prices_for",
    "replan",
    "replan_read",
    "settlement_records",
    "shown_settlements",
    "shown_token",
    "vacancy_records",
    "wishes_not_shown",
]  # fmt: skip


def replan(
    *, db_session: Session, policy: Policy, limit: int | None = None
) -> tuple[PlacementPlan, list[Household]]:
    """A batch plan of the pending households, oldest first (nothing is written)."""
    problem, households = pending_problem(db_session=db_session, policy=policy, limit=limit)
    return plan_placement(problem), households


def replan_read(
    plan_id: int, policy: str, plan: PlacementPlan, records: list[SettlementRecord]
) -> ReplanRead:
    return ReplanRead(
        plan_id=plan_id,
        policy=policy,
        placed_households=plan.placed_households,
        unplaced_households=plan.unplaced_households,
        objective=plan.objective,
        lower_bound=plan.lower_bound,
        gap=plan.gap,
        changes=load_changes(plan, records),
    )


def preview(
    *, db_session: Session, policy_name: str, actor: Actor, limit: int | None = None
) -> ReplanRead:
    """A batch plan of the pending households, stored as previewed; nothing is placed yet."""
    policy = policy_named(policy_name)
    records = settlement_records(db_session=db_session)
    plan, households = replan(db_session=db_session, policy=policy, limit=limit)
    row = store_plan(
        db_session=db_session, plan=plan, household_ids=[h.id for h in households],
        policy=policy_name, actor=actor,
    )  # fmt: skip
    return replan_read(row.id, policy_name, plan, records)


def plan_and_apply(
    *, engine: Engine, policy_name: str, actor: Actor, limit: int | None = None
) -> tuple[ReplanRead, Applied]:
    """The night's batch plan: solved in a read transaction (desks keep confirming), then
    stored and applied exactly in one short write transaction; desks then use its prices."""
    policy = policy_named(policy_name)
    with transaction(engine, writes=False) as db_session:
        records = settlement_records(db_session=db_session)
        plan, households = replan(db_session=db_session, policy=policy, limit=limit)
    with transaction(engine) as db_session:
        row = store_plan(
            db_session=db_session, plan=plan, household_ids=[h.id for h in households],
            policy=policy_name, actor=actor,
        )  # fmt: skip
        applied = apply_stored_plan(
            db_session=db_session, plan_id=row.id, actor=actor, circuity=policy.circuity
        )
    return replan_read(row.id, policy_name, plan, records), applied


def apply(*, db_session: Session, plan_id: int, actor: Actor) -> Applied:
    """Place exactly the households of a previewed plan that are still pending and still fit;
    their expected arrivals use the circuity of the shipped policy the plan was made under."""
    policy_name = stored_policy_name(db_session=db_session, plan_id=plan_id)
    circuity = policy_named(policy_name).circuity
    return apply_stored_plan(db_session=db_session, plan_id=plan_id, actor=actor, circuity=circuity)


def desk_options(
    *, db_session: Session, household: Household, language: str, policy_name: str = "default"
) -> list[OptionRead]:
    """The best three settlements for one household against the current loads, with reasons."""
    view = desk_view(db_session=db_session, policy_name=policy_name)
    record = household_record(db_session=db_session, household=household)
    origin = origin_name(db_session=db_session, household=household, language=language)
    options = recommend(view.index, record)
    shown = shown_token(household.id, [o.settlement_id for o in options])
    here = [view.with_loads(o.settlement_id) for o in options]
    return [
        option_read(option, settlement, record, origin, rank, language, shown, view.plan_id)
        for rank, (option, settlement) in enumerate(zip(options, here, strict=True), start=1)
    ]


def confirm_choice(
    *, db_session: Session, household_id: int, settlement_id: str, actor: Actor,
    shown: str | None, override_reason: str | None, policy_name: str = "default",
) -> Placement:  # fmt: skip
    """Confirm a settlement for a household: it counts as recommended when it was among the
    options the desk was shown (`shown`, signed), not those of this later moment's loads.

    A caller that sends no `shown` (an API client that never asked) is judged against the
    options of now.
    """
    if shown:
        recommended = shown_settlements(household_id, shown)
    else:
        household = db_session.get(Household, household_id)
        if household is None:
            raise NotFound(N_("no household %(id)s"), id=household_id)
        options = desk_options(
            db_session=db_session, household=household, language="en", policy_name=policy_name
        )
        recommended = [o.settlement_id for o in options]
    return confirm_placement(
        db_session=db_session, household_id=household_id, settlement_id=settlement_id,
        actor=actor, recommended=recommended, override_reason=override_reason,
        policy_name=policy_name,
    )  # fmt: skip


def wishes_not_shown(
    *, db_session: Session, household: Household, shown: Sequence[str], language: str,
    policy_name: str = "default",
) -> list[str]:  # fmt: skip
    """Why each of the household's wishes is not among the options shown, in `language`."""
    policy = policy_named(policy_name)
    view = desk_view(db_session=db_session, policy_name=policy_name)
    words = []
    for wish in household_preferences(household):
        if wish in shown or wish not in view.records:
            continue
        record = view.with_loads(wish)
        why = why_not(record, household.size, household.children, household.medical, policy)
        words.append(
            gettext(language, WISH_WORDS[why]) % {"name": localized_name(record, language)}
        )
    return words
