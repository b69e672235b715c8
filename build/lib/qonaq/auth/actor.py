"""Who is acting: a signed-in user or a named system process (seed, cli, demo)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """The author of a write, as the audit log records it."""

    label: str
    role: str = "system"
    user_id: int | None = None
    # a host acts only for this settlement
    settlement_id: str | None = None
