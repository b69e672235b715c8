"""Placing registered households with the placement engine: desk options and batch re-plans."""

import hmac
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from qonaq.auth.actor import Actor
from qonaq.db.crypto import current_keyring
from qonaq.db.session import transaction
from qonaq.errors import InputFileError, Invalid, NotFound
from qonaq.geo.gazetteer import localized_name
from qonaq.geo.settlements_file import SettlementRecord
from qonaq.i18n import N_, gettext
from qonaq.placement.desk import Recommendation, desk_index, recommend
from qonaq.placement.model import (
    HouseholdRecord,
    PlacementProblem,
    VacancyRecord,
    build_problem,
    effective_persons_capacity,
    is_eligible,
)
from qonaq.placement.plan import PlacementPlan, plan_placement
from qonaq.placement.policy import Policy, load_policy
from qonaq.placement.reasons import Reason, render
from qonaq.placement.solve import Prices
from qonaq.registry.models import Household, Placement, Plan
from qonaq.registry.replans import Applied, apply_stored_plan, store_plan
from qonaq.registry.service import (
    confirm_placement,
    household_occupations,
    household_preferences,
    occupations_of,
)
from qonaq.settlements.models import Hub, Region, Settlement, Vacancy

RECORD_FIELDS = (
    "id", "name", "name_ru", "name_kk", "region_id", "lat", "lon", "population", "kind", "open",
    "cap_persons", "cap_children", "cap_medical", "load_persons", "load_children",
    "load_medical", "capacity_source",
)  # fmt: skip


def settlement_records(*, db_session: Session) -> list[SettlementRecord]:
    """Every settlement with its current capacity and load, as the placement engine reads them."""
    rows = db_session.execute(
        select(Settlement, Region.name).join(Region).order_by(Settlement.id)
    ).all()
    return [
        SettlementRecord.model_validate(
            {**{c: getattr(s, c) for c in RECORD_FIELDS}, "region": region}
        )
        for s, region in rows
    ]


def vacancy_records(*, db_session: Session) -> list[VacancyRecord]:
    """Every settlement's open jobs per occupation group."""
    return [
        VacancyRecord(settlement_id=v.settlement_id, occupation=v.occupation, vacancies=v.vacancies)
        for v in db_session.scalars(select(Vacancy))
    ]


def household_record(
    *, db_session: Session, household: Household, occupations: tuple[str, ...] | None = None
) -> HouseholdRecord:
    """A registered household as the placement engine reads it."""
    if occupations is None:
        occupations = household_occupations(db_session=db_session, household=household)
    return HouseholdRecord(
        id=str(household.id),
        size=household.size,
        children=household.children,
        medical=household.medical,
        origin_lat=household.origin_lat,
        origin_lon=household.origin_lon,
        occupations=occupations,
        preferences=tuple(household_preferences(household)),
    )


def pending_households(*, db_session: Session, limit: int | None = None) -> list[Household]:
    """Registered households that have no placement yet, oldest first (at most `limit`)."""
    query = select(Household).where(Household.status == "pending").order_by(Household.id)
    return list(db_session.scalars(query.limit(limit)))


def pending_problem(
    *, db_session: Session, policy: Policy, limit: int | None = None
) -> tuple[PlacementProblem, list[Household]]:
    """The placement problem of the pending households against the current loads."""
    households = pending_households(db_session=db_session, limit=limit)
    # members' occupations in bulk: one query per thousand households, not one per household
    groups = occupations_of(db_session=db_session, household_ids=[h.id for h in households])
    records = [
        household_record(db_session=db_session, household=h, occupations=groups.get(h.id, ()))
        for h in households
    ]
    problem = build_problem(
        settlement_records(db_session=db_session), records,
        vacancy_records(db_session=db_session), policy,
    )  # fmt: skip
    return problem, households


@dataclass(frozen=True)
class LoadChange:
    """A settlement's persons load before and after a re-plan."""

    settlement_id: str
    name: str
    region: str
    capacity: int
    before: int
    after: int


def replan(
    *, db_session: Session, policy: Policy, limit: int | None = None
) -> tuple[PlacementPlan, list[Household]]:
    """A batch plan of the pending households, oldest first (nothing is written)."""
    problem, households = pending_problem(db_session=db_session, policy=policy, limit=limit)
    return plan_placement(problem), households


def load_changes(plan: PlacementPlan, records: list[SettlementRecord]) -> list[LoadChange]:
    """Settlements whose persons load the plan changes, biggest change first."""
    added: dict[int, int] = {}
    for h, where in enumerate(plan.assignment.tolist()):
        if where >= 0:
            added[where] = added.get(where, 0) + int(plan.problem.demand[h, 0])
    by_id = {r.id: r for r in records}
    changes = []
    for s, persons in added.items():
        record = by_id[plan.problem.settlement_ids[s]]
        changes.append(
            LoadChange(
                record.id, record.name, record.region, record.cap_persons,
                record.load_persons, record.load_persons + persons,
            )
        )  # fmt: skip
    return sorted(changes, key=lambda c: c.after - c.before, reverse=True)


POLICY_DIR = Path(__file__).parents[1] / "placement" / "policies"


def policy_names() -> list[str]:
    """The shipped policies a coordinator can choose, 'default' first."""
    return sorted((p.stem for p in POLICY_DIR.glob("*.toml")), key=lambda n: (n != "default", n))


@lru_cache(maxsize=16)
def policy_named(name: str) -> Policy:
    """A shipped policy by name, read once per process; NotFound for an unknown name."""
    if name not in policy_names():
        raise NotFound(
            N_("unknown policy %(name)s; known: %(known)s"),
            name=name,
            known=", ".join(policy_names()),
        )
    try:
        return load_policy(POLICY_DIR / f"{name}.toml")
    except InputFileError as exc:
        # a shipped file edited by hand: the re-plan says which key, it does not fail with a 500
        raise Invalid(
            N_("policy %(name)s cannot be used: %(reason)s"),
            name=name,
            reason="; ".join(map(str, exc.errors[:20])),
        ) from exc


def desk_prices(*, db_session: Session, policy_name: str) -> dict[str, object] | None:
    """The prices of the last applied batch plan of `policy_name`, read once per process.

    Every server process and every restart steers its desks by the same plan.
    """
    plan_id = db_session.scalars(
        select(Plan.id)
        .where(Plan.policy == policy_name, Plan.status == "applied")
        .order_by(Plan.applied_at.desc(), Plan.id.desc())
        .limit(1)
    ).first()
    if plan_id is None:
        return None
    with _PRICES_LOCK:
        cached = _PRICES.get(plan_id)
    if cached is None:
        cached = json.loads(db_session.scalars(select(Plan.prices).where(Plan.id == plan_id)).one())
        cached["plan_id"] = plan_id
        with _PRICES_LOCK:
            _PRICES[plan_id] = cached
    return cached


_PRICES: dict[int, dict[str, object]] = {}
_PRICES_LOCK = threading.Lock()


def prices_for(
    stored: dict[str, object], records: list[SettlementRecord], vacancies: list[VacancyRecord]
) -> Prices:
    """A stored plan's prices in the order the desk reads settlements and hiring groups."""
    groups: list[str] = stored["groups"]  # type: ignore[assignment]
    by_id: dict[str, list[Any]] = stored["settlements"]  # type: ignore[assignment]
    hiring = sorted({v.occupation for v in vacancies if v.vacancies > 0})
    column = {g: groups.index(g) for g in hiring if g in groups}
    rows = [by_id.get(r.id, [0.0, 0.0, 0.0, []]) for r in records]
    workers = np.zeros((len(records), len(hiring)))
    for s, row in enumerate(rows):
        for g, name in enumerate(hiring):
            if name in column and row[3]:
                workers[s, g] = row[3][column[name]]
    return Prices(
        persons=np.array([r[0] for r in rows], dtype=np.float64),
        children=np.array([r[1] for r in rows], dtype=np.float64),
        medical=np.array([r[2] for r in rows], dtype=np.float64),
        workers=workers,
    )


class LoadChangeRead(BaseModel):
    """A settlement's persons load before and after a re-plan."""

    settlement_id: str
    name: str
    region: str
    capacity: int
    before: int
    after: int


class ReplanRead(BaseModel):
    """What a batch re-plan does: households placed, its objective and gap, load changes."""

    plan_id: int
    policy: str
    placed_households: int
    unplaced_households: int
    objective: float
    lower_bound: float
    gap: float
    changes: list[LoadChangeRead]


def _replan_read(
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
        changes=[LoadChangeRead(**vars(c)) for c in load_changes(plan, records)],
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
    return _replan_read(row.id, policy_name, plan, records)


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
        applied = apply_stored_plan(db_session=db_session, plan_id=row.id, actor=actor)
    return _replan_read(row.id, policy_name, plan, records), applied


def apply(*, db_session: Session, plan_id: int, actor: Actor) -> Applied:
    """Place exactly the households of a previewed plan that are still pending and still fit."""
    return apply_stored_plan(db_session=db_session, plan_id=plan_id, actor=actor)


class ReasonRead(BaseModel):
    """One reason for an option: a code, its values, and the words in the reader's language."""

    code: str
    params: dict[str, float | int | str]
    text: str


class OptionRead(BaseModel):
    """One recommended settlement with every term of its marginal cost and its reasons."""

    rank: int
    settlement_id: str
    settlement_name: str
    region_name: str
    total: float
    travel: float
    congestion: float
    employment: float
    preference: float
    fill_before: float
    fill_after: float
    reasons: list[ReasonRead]
    # the batch plan whose prices ranked the options (none before the first plan is applied)
    priced_by_plan: int | None = None
    # the options shown, signed: send it back with the confirmation (`PlacementConfirm.shown`)
    shown: str


def desk_options(
    *, db_session: Session, household: Household, language: str, policy_name: str = "default"
) -> list[OptionRead]:
    """The best three settlements for one household against the current loads, with reasons."""
    policy = policy_named(policy_name)
    records = settlement_records(db_session=db_session)
    vacancies = vacancy_records(db_session=db_session)
    stored = desk_prices(db_session=db_session, policy_name=policy_name)
    prices = prices_for(stored, records, vacancies) if stored is not None else None
    desk = desk_index(records, vacancies, policy, prices=prices)
    record = household_record(db_session=db_session, household=household)
    origin = origin_name(db_session=db_session, household=household, language=language)
    by_id = {r.id: r for r in records}
    options = recommend(desk, record)
    shown = shown_token(household.id, [o.settlement_id for o in options])
    plan_id = stored.get("plan_id") if stored is not None else None
    return [
        _option_read(
            option, by_id[option.settlement_id], record, origin, rank, language, shown
        ).model_copy(update={"priced_by_plan": plan_id})
        for rank, option in enumerate(options, start=1)
    ]


def shown_token(household_id: int, settlement_ids: Sequence[str]) -> str:
    """The options shown to a desk for one household, signed with the hashing key."""
    ids = ",".join(settlement_ids)
    return f"{ids}|{current_keyring().digest('shown-options', f'{household_id}|{ids}')}"


def shown_settlements(household_id: int, token: str) -> list[str]:
    """The settlements of a token from `shown_token`; Invalid when it was not made for this
    household by this server."""
    ids, _, signature = token.rpartition("|")
    expected = current_keyring().digest("shown-options", f"{household_id}|{ids}")
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        raise Invalid(N_("the options shown cannot be checked: open the household's page again"))
    return ids.split(",") if ids else []


def confirm_choice(
    *, db_session: Session, household_id: int, settlement_id: str, actor: Actor,
    shown: str | None, override_reason: str | None,
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
        options = desk_options(db_session=db_session, household=household, language="en")
        recommended = [o.settlement_id for o in options]
    return confirm_placement(
        db_session=db_session, household_id=household_id, settlement_id=settlement_id,
        actor=actor, recommended=recommended, override_reason=override_reason,
    )  # fmt: skip


def _option_read(
    option: Recommendation, settlement: SettlementRecord, household: HouseholdRecord,
    origin: str, rank: int, language: str, shown: str,
) -> OptionRead:  # fmt: skip
    capacity = max(settlement.cap_persons, 1)
    reasons = [
        Reason(r.code, {**r.params, "origin": origin}) if r.code == "distance" else r
        for r in option.reasons
    ]
    return OptionRead(
        rank=rank,
        settlement_id=settlement.id,
        settlement_name=localized_name(settlement, language),
        region_name=settlement.region,
        total=option.marginal_cost,
        travel=option.travel,
        congestion=option.congestion,
        employment=option.employment,
        preference=option.preference,
        fill_before=settlement.load_persons / capacity,
        fill_after=(settlement.load_persons + household.size) / capacity,
        reasons=[
            ReasonRead(code=r.code, params=_plain(r.params), text=render(r, language))
            for r in reasons
        ],
        shown=shown,
    )


def _plain(params: dict[str, object]) -> dict[str, float | int | str]:
    return {k: v if isinstance(v, int | float | str) else str(v) for k, v in params.items()}


def origin_name(*, db_session: Session, household: Household, language: str) -> str:
    """Where the household is now, in words: its entry hub or PSC city."""
    if household.origin_hub_id:
        hub = db_session.get(Hub, household.origin_hub_id)
        if hub is not None:
            return localized_name(hub, language)
    settlement = db_session.get(Settlement, household.origin_settlement_id or "")
    if settlement is not None:
        return localized_name(settlement, language)
    return "?"


# why a wished settlement is not among the options, checked in this order
WISH_WORDS = {
    "closed": N_("%(name)s: closed to new placements"),
    "ineligible": N_("%(name)s: not eligible under the placement policy"),
    "policy_cap": N_("%(name)s: beyond the policy's cap for a place of its size"),
    "full": N_("%(name)s: full"),
    "full_children": N_("%(name)s: full for children"),
    "full_medical": N_("%(name)s: no places left for medical care"),
    "ranked_lower": N_("%(name)s: has room, but three settlements ranked better"),
}


def wishes_not_shown(
    *, db_session: Session, household: Household, shown: Sequence[str], language: str,
    policy_name: str = "default",
) -> list[str]:  # fmt: skip
    """Why each of the household's wishes is not among the options shown, in `language`."""
    policy = policy_named(policy_name)
    missing = [w for w in household_preferences(household) if w not in shown]
    records = {r.id: r for r in settlement_records(db_session=db_session) if r.id in missing}
    words = []
    for wish in missing:
        record = records.get(wish)
        if record is not None:
            words.append(
                gettext(language, WISH_WORDS[_why_not(record, household, policy)])
                % {"name": localized_name(record, language)}
            )
    return words


def _why_not(record: SettlementRecord, household: Household, policy: Policy) -> str:
    if not record.open:
        return "closed"
    if not is_eligible(record, policy):
        return "ineligible"
    persons_after = record.load_persons + household.size
    if persons_after > record.cap_persons:
        return "full"
    if persons_after > effective_persons_capacity(record, policy):
        return "policy_cap"
    if household.children and record.load_children + household.children > record.cap_children:
        return "full_children"
    if household.medical and record.load_medical + household.medical > record.cap_medical:
        return "full_medical"
    return "ranked_lower"
