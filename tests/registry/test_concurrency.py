"""Many desks confirming the last places of one settlement at once, on a real PostgreSQL."""

import threading

from sqlalchemy import Engine, func, select

from qonaq.auth.actor import Actor
from qonaq.db import migrate
from qonaq.db.session import make_engine, transaction
from qonaq.registry.models import Household, Placement
from qonaq.registry.service import CapacityExhausted, confirm_placement, register_household
from qonaq.settlements.models import Settlement
from tests.registry.factories import household, seed_tiny_country

DESKS = 32


def _race(engine: Engine, household_ids: list[int]) -> list[str]:
    barrier = threading.Barrier(len(household_ids))
    outcomes: list[str] = [""] * len(household_ids)

    def desk(n: int) -> None:
        actor = Actor(label=f"desk-{n}", role="registrar")
        barrier.wait()
        try:
            with transaction(engine) as db_session:
                confirm_placement(
                    db_session=db_session, household_id=household_ids[n], settlement_id="small",
                    actor=actor, recommended=["small"], override_reason=None,
                )  # fmt: skip
            outcomes[n] = "placed"
        except CapacityExhausted:
            outcomes[n] = "full"

    threads = [threading.Thread(target=desk, args=(n,)) for n in range(len(household_ids))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_32_desks_race_for_10_places_and_exactly_10_win(postgres_url: str) -> None:
    migrate.upgrade(postgres_url)
    # one pooled connection per desk, so the race is between connections, not in the pool
    engine = make_engine(postgres_url, pool_size=DESKS, max_overflow=0)
    seed_tiny_country(engine)
    ids = []
    for _ in range(DESKS):
        with transaction(engine) as db_session:
            ids.append(
                register_household(db_session=db_session, data=household(), actor=Actor("setup")).id
            )
    outcomes = _race(engine, ids)
    assert outcomes.count("placed") == 10 and outcomes.count("full") == DESKS - 10
    with transaction(engine) as db_session:
        small = db_session.get(Settlement, "small")
        assert small is not None and small.load_persons == small.cap_persons == 10
        assert db_session.scalar(select(func.count()).select_from(Placement)) == 10
        pending = db_session.scalar(select(func.count()).where(Household.status == "pending"))
        assert pending == DESKS - 10
        others = db_session.scalars(select(Settlement).where(Settlement.id != "small")).all()
        assert all(s.load_persons == 0 for s in others)
    engine.dispose()
