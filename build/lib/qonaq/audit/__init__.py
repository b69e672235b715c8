"""The append-only log of every write: who, when, what, before and after, why."""
