"""Waves over many settlements with per-household origins (thousands of villages).

There the pricing origins are few (their budget is origin-settlement pairs: 16 over 7,000
settlements) and a snapped origin is tens of km from a household's own, while the nearest
village is a few km: the relaxation of the snapped wave prices the wrong villages, and its
prices give a bound far below the plan (10,000 persons over 7,000 settlements: the bound
144 % below the LP optimum, the plan 20 % above; docs/placement-model.md §5).

Two remedies, both at the households' own origins:
- a wave whose households make few enough types is not snapped at all: the exact LP
  relaxation over sparse candidates (column generation) prices every household at its own
  origin (`unsnapped`);
- a larger one keeps the snapped relaxation for its plan, and its bound is also taken at
  the prices of the exact LP of a sample of households at their own origins
  (`own_origin_prices`), priced over every household and settlement (`origins.exact_bound`).
"""

from qonaq.placement.household_types import HouseholdTypes, household_types
from qonaq.placement.lp import sample_prices
from qonaq.placement.model import PlacementProblem
from qonaq.placement.options import PlanOptions
from qonaq.placement.origins import PricingOrigins, distinct_origins, exact_bound
from qonaq.placement.pricing import INFINITE, Prices, pricing_context

# from this many settlements on, a wave is "wide": villages a few km apart
WIDE_SETTLEMENTS = 2000
# a wide wave whose own-origin types are at most this many gets the exact LP unsnapped
# (10,000 persons with own origins over 7,000 settlements: 4,125 types, 21 CPU s, gap 2.4 %
# where the snapped flows gave 136 %)
UNSNAPPED_LP_MAX_TYPES = 8000
# households of the sample whose own-origin LP prices the bound of a larger wide wave
BOUND_SAMPLE_HOUSEHOLDS = 3000
# its column-generation rounds
BOUND_SAMPLE_ROUNDS = 4


def is_wide(problem: PlacementProblem) -> bool:
    """Whether the wave is over many settlements."""
    return len(problem.settlement_ids) >= WIDE_SETTLEMENTS


def unsnapped(problem: PlacementProblem, options: PlanOptions) -> bool:
    """Whether a wide wave is planned at its own origins by the exact LP: few enough types
    at its own origins (the options' pricing-origin budget still wins when set)."""
    if not is_wide(problem) or options.pricing_origins is not None:
        return False
    # types are at least the distinct origins: most waves are told apart without typing them
    if distinct_origins(problem) > UNSNAPPED_LP_MAX_TYPES:
        return False
    return len(household_types(problem).count) <= UNSNAPPED_LP_MAX_TYPES


def own_origin_prices(
    problem: PlacementProblem, households: int = BOUND_SAMPLE_HOUSEHOLDS
) -> Prices | None:
    """Prices of the exact LP of a sample of `households` at their own origins (capacities
    scaled by its share of persons), or None when the wave is no larger than the sample."""
    if len(problem.household_ids) <= households:
        return None
    return sample_prices(problem, households, rounds=BOUND_SAMPLE_ROUNDS)


def own_origin_bound(
    priced: PlacementProblem,
    types: HouseholdTypes,
    problem: PlacementProblem,
    origins: PricingOrigins,
    households: int = BOUND_SAMPLE_HOUSEHOLDS,
) -> float:
    """The bound of the own-origin sample's prices over every household at its own origin
    and every settlement (`types` are the snapped wave `priced`'s); -inf without a sample."""
    prices = own_origin_prices(problem, households)
    if prices is None:
        return -INFINITE
    return exact_bound(pricing_context(priced, types), problem, origins, prices)
