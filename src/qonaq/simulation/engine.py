"""The two calls the `qonaq` policy makes into the placement engine: desk and nightly batch."""

import dataclasses

import numpy as np

from qonaq.placement.desk import DeskIndex, confirm, desk_index, recommend
from qonaq.placement.model import (
    UNPLACED,
    FloatArray,
    HouseholdRecord,
    IntArray,
    PlacementProblem,
    build_problem,
)
from qonaq.placement.plan import PlacementPlan, plan_placement
from qonaq.placement.policy import Policy
from qonaq.placement.pricing import Prices
from qonaq.simulation.country import Country


def base_problem(country: Country, policy: Policy) -> PlacementProblem:
    """The country's settlements as a placement problem with no households yet."""
    return build_problem(country.settlements, [], [], policy)


def with_households(
    base: PlacementProblem,
    load: IntArray,
    demand: IntArray,
    origin_lat: FloatArray,
    origin_lon: FloatArray,
) -> PlacementProblem:
    """`base` with these households to place on top of `load` (no workers, no wishes)."""
    count = len(demand)
    return dataclasses.replace(
        base,
        load=load,
        household_ids=tuple(str(h) for h in range(count)),
        demand=demand,
        workers=np.zeros((count, 0), dtype=np.int64),
        origin_lat=origin_lat,
        origin_lon=origin_lon,
        preferences=np.full((count, 3), UNPLACED, dtype=np.int64),
    )


def open_desk(country: Country, policy: Policy, prices: Prices | None = None) -> DeskIndex:
    """A registration desk over the country's settlements, with the last night's prices."""
    return desk_index(country.settlements, [], policy, prices=prices)


def desk_choice(desk: DeskIndex, household: HouseholdRecord) -> int:
    """Take the desk's best option and reserve it: a settlement index, -1 when nothing fits."""
    options = recommend(desk, household, count=1)
    if not options:
        return UNPLACED
    confirm(desk, household, options[0].settlement_id)
    return desk.position[options[0].settlement_id]


def nightly_plan(problem: PlacementProblem) -> PlacementPlan:
    """The batch plan of every household in `problem`, with the prices it found."""
    return plan_placement(problem)
