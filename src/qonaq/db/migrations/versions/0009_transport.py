"""transport: departures, their stops, and each confirmed placement's seat or waiting place

Revision ID: 0009_transport
Revises: 0008_jobs
Create Date: 2026-11-25 20:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_transport"
down_revision: str | None = "0008_jobs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE_SEAT = sa.text("status IN ('assigned','waiting')")


def upgrade() -> None:
    op.create_table(
        "departures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("boarding_point", sa.String(length=64), nullable=False),
        sa.Column("vehicle", sa.String(length=32), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("seats_taken", sa.Integer(), nullable=False),
        sa.Column("departs_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("km", sa.Float(), nullable=False),
        sa.Column("cost", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('planned','approved','boarded','arrived','cancelled')",
            name=op.f("ck_departures_status"),
        ),
        sa.CheckConstraint(
            "seats >= 1 AND seats_taken >= 0 AND seats_taken <= seats",
            name=op.f("ck_departures_seats"),
        ),
        sa.CheckConstraint("cost >= 0 AND km >= 0", name=op.f("ck_departures_cost")),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_departures_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_departures")),
    )
    op.create_index(op.f("ix_departures_boarding_point"), "departures", ["boarding_point"])
    op.create_index(op.f("ix_departures_departs_at"), "departures", ["departs_at"])
    op.create_index(op.f("ix_departures_status"), "departures", ["status"])
    op.create_table(
        "departure_stops",
        sa.Column("departure_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("settlement_id", sa.String(length=64), nullable=False),
        sa.Column("km", sa.Float(), nullable=False),
        sa.Column("arrives_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["departure_id"], ["departures.id"],
            name=op.f("fk_departure_stops_departure_id_departures"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["settlement_id"], ["settlements.id"],
            name=op.f("fk_departure_stops_settlement_id_settlements"),
        ),
        sa.PrimaryKeyConstraint("departure_id", "position", name=op.f("pk_departure_stops")),
    )  # fmt: skip
    op.create_index(op.f("ix_departure_stops_arrives_at"), "departure_stops", ["arrives_at"])
    op.create_index(op.f("ix_departure_stops_settlement_id"), "departure_stops", ["settlement_id"])
    op.create_table(
        "departure_households",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("departure_id", sa.Integer(), nullable=True),
        sa.Column("settlement_id", sa.String(length=64), nullable=False),
        sa.Column("persons", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('assigned','waiting','released')",
            name=op.f("ck_departure_households_status"),
        ),
        sa.CheckConstraint(
            "(status = 'assigned' AND departure_id IS NOT NULL)"
            " OR (status = 'waiting' AND departure_id IS NULL AND reason IS NOT NULL)"
            " OR status = 'released'",
            name=op.f("ck_departure_households_assigned_or_waiting"),
        ),
        sa.ForeignKeyConstraint(
            ["departure_id"], ["departures.id"],
            name=op.f("fk_departure_households_departure_id_departures"),
        ),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"],
            name=op.f("fk_departure_households_household_id_households"),
        ),
        sa.ForeignKeyConstraint(
            ["placement_id"], ["placements.id"],
            name=op.f("fk_departure_households_placement_id_placements"),
        ),
        sa.ForeignKeyConstraint(
            ["settlement_id"], ["settlements.id"],
            name=op.f("fk_departure_households_settlement_id_settlements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_departure_households")),
    )  # fmt: skip
    for column in ("departure_id", "household_id", "placement_id", "status"):
        op.create_index(op.f(f"ix_departure_households_{column}"), "departure_households", [column])
    op.create_index(
        "uq_departure_households_active_placement", "departure_households", ["placement_id"],
        unique=True, sqlite_where=ACTIVE_SEAT, postgresql_where=ACTIVE_SEAT,
    )  # fmt: skip


def downgrade() -> None:
    op.drop_table("departure_households")
    op.drop_table("departure_stops")
    op.drop_table("departures")
