"""Every limit of a batch plan in one object: a plan is a function of its inputs and these.

By default every limit counts work (iterations, passes, households screened), never the
clock, so the same wave and options give the same plan on an idle or a busy machine;
`seconds` adds a wall-clock limit for whoever needs an answer by a time instead.
"""

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class PlanOptions:
    """The limits of one batch plan (recorded in summary.json)."""

    # wall-clock limit: the dual ascent gets at most 60 % of it (and its usual caps,
    # ascent.ASCENT_SECONDS and HUGE_ASCENT_SECONDS), the move searches 10 % and 5 % (and
    # assign.IMPROVE_SECONDS …); None: work limits only
    seconds: float | None = None
    # passes of the single-household move search, before and after the trades
    improve_passes: int = 2
    after_trades_passes: int = 1
    # households the move search screens per pass at most, largest first
    improve_households: int = 150_000
    # HiGHS' time limit per round of the exact LP (method "lp"; "auto" then takes the flows)
    lp_seconds: float = 60.0
    # beyond this many household types the flows take their lean settings
    huge_wave_types: int = 50_000
    # the dual ascent runs up to this many type × settlement pairs, Lagrangian rounds beyond
    # (where their bound is far weaker: docs/placement-model.md §8); None: by the wave,
    # 150 million, or 400 million over many settlements (wide.ascent_pair_limit)
    ascent_max_pairs: int | None = None
    # distinct origins priced as they are at most, None: by the number of settlements
    pricing_origins: int | None = None
    # refuse a wave whose estimated peak memory exceeds this, None: the memory available
    memory_limit_bytes: int | None = None

    def record(self) -> dict[str, float | int | None]:
        """The options as summary.json keeps them."""
        return asdict(self)


DEFAULT_OPTIONS = PlanOptions()
