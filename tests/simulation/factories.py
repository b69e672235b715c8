"""Small surges for fast tests: the shipped kz-2022 scaled down, and a country short of room."""

from qonaq.geo.gazetteer import load_hubs, load_regions, load_settlements
from qonaq.geo.settlements_file import SettlementRecord
from qonaq.simulation.compare import Comparison, compare
from qonaq.simulation.scenario import Scenario, load_scenario

SMALL = 0.05


def small_scenario(seed: int | None = None) -> Scenario:
    """kz-2022 at 5 % of its entries and PSC throughput."""
    scenario = load_scenario("kz-2022").scaled(SMALL)
    return scenario if seed is None else scenario.model_copy(update={"seed": seed})


def short_of_room(share: float = 0.03) -> list[SettlementRecord]:
    """The shipped settlements with `share` of their capacity, some already partly loaded."""
    squeezed = []
    for s, record in enumerate(load_settlements()):
        persons, children, medical = (
            int(record.cap_persons * share),
            int(record.cap_children * share),
            int(record.cap_medical * share),
        )
        loaded = s % 5 == 0
        squeezed.append(
            record.model_copy(
                update={
                    "cap_persons": persons,
                    "cap_children": children,
                    "cap_medical": medical,
                    "load_persons": persons // 2 if loaded else 0,
                    "load_children": children // 2 if loaded else 0,
                }
            )
        )
    return squeezed


def run_small(
    policies: tuple[str, ...] = ("free", "quota", "qonaq"),
    settlements: list[SettlementRecord] | None = None,
    seed: int | None = None,
) -> Comparison:
    """The small surge under `policies` on the shipped (or given) settlements."""
    return compare(
        small_scenario(seed),
        policies,
        load_settlements() if settlements is None else settlements,
        load_hubs(),
        load_regions(),
    )
