"""A desk's options as the API and the pages show them: names and reasons in the reader's
language, fill before and after, and the signed list of what was shown."""

from sqlalchemy.orm import Session

from qonaq.db.reads import read_detached
from qonaq.geo.gazetteer import localized_name
from qonaq.geo.settlements_file import SettlementRecord
from qonaq.placement.desk import Recommendation
from qonaq.placement.model import HouseholdRecord
from qonaq.placement.reasons import from_origin, plain_params, render
from qonaq.registry.models import Household
from qonaq.registry.schemas import OptionRead, ReasonRead
from qonaq.settlements.models import Hub, Settlement


def option_read(
    option: Recommendation, settlement: SettlementRecord, household: HouseholdRecord,
    origin: str, rank: int, language: str, shown: str, plan_id: int | None,
) -> OptionRead:  # fmt: skip
    """One ranked option; `settlement` carries the loads the option was ranked against."""
    capacity = max(settlement.cap_persons, 1)
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
            ReasonRead(code=r.code, params=plain_params(r.params), text=render(r, language))
            for r in from_origin(option.reasons, origin)
        ],
        priced_by_plan=plan_id,
        shown=shown,
    )


def origin_name(*, db_session: Session, household: Household, language: str) -> str:
    """Where the household is now, in words: its entry hub or PSC city."""
    if household.origin_hub_id:
        hub = read_detached(db_session, Hub, household.origin_hub_id)
        if hub is not None:
            return localized_name(hub, language)
    settlement = read_detached(db_session, Settlement, household.origin_settlement_id or "")
    if settlement is not None:
        return localized_name(settlement, language)
    return "?"
