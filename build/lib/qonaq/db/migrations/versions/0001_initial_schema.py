"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-24 20:30:10.498349
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "regions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_ru", sa.String(length=200), nullable=False),
        sa.Column("name_kk", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regions")),
    )
    op.create_table(
        "hubs",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_ru", sa.String(length=200), nullable=False),
        sa.Column("name_kk", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("region_id", sa.String(length=64), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_hubs_region_id_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hubs")),
    )
    op.create_table(
        "settlements",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_ru", sa.String(length=200), nullable=False),
        sa.Column("name_kk", sa.String(length=200), nullable=False),
        sa.Column("region_id", sa.String(length=64), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("cap_persons", sa.Integer(), nullable=False),
        sa.Column("cap_children", sa.Integer(), nullable=False),
        sa.Column("cap_medical", sa.Integer(), nullable=False),
        sa.Column("load_persons", sa.Integer(), nullable=False),
        sa.Column("load_children", sa.Integer(), nullable=False),
        sa.Column("load_medical", sa.Integer(), nullable=False),
        sa.Column("capacity_source", sa.String(length=10), nullable=False),
        sa.Column("capacity_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "capacity_source IN ('estimate','declared')",
            name=op.f("ck_settlements_capacity_source"),
        ),
        sa.CheckConstraint(
            "kind IN ('republic_city','regional_centre','town','village')",
            name=op.f("ck_settlements_kind"),
        ),
        sa.CheckConstraint(
            "cap_persons >= 0 AND cap_children >= 0 AND cap_medical >= 0",
            name=op.f("ck_settlements_capacity_nonneg"),
        ),
        sa.CheckConstraint(
            "load_persons >= 0 AND load_children >= 0 AND load_medical >= 0",
            name=op.f("ck_settlements_load_nonneg"),
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_settlements_region_id_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlements")),
    )
    with op.batch_alter_table("settlements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_settlements_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_settlements_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_settlements_region_id"), ["region_id"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("settlement_id", sa.String(length=64), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('admin','coordinator','registrar','host','volunteer')",
            name=op.f("ck_users_role"),
        ),
        sa.ForeignKeyConstraint(
            ["settlement_id"], ["settlements.id"], name=op.f("fk_users_settlement_id_settlements")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "vacancies",
        sa.Column("settlement_id", sa.String(length=64), nullable=False),
        sa.Column("occupation", sa.String(length=64), nullable=False),
        sa.Column("vacancies", sa.Integer(), nullable=False),
        sa.CheckConstraint("vacancies >= 0", name=op.f("ck_vacancies_vacancies_nonneg")),
        sa.ForeignKeyConstraint(
            ["settlement_id"],
            ["settlements.id"],
            name=op.f("fk_vacancies_settlement_id_settlements"),
        ),
        sa.PrimaryKeyConstraint("settlement_id", "occupation", name=op.f("pk_vacancies")),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("object_type", sa.String(length=32), nullable=False),
        sa.Column("object_id", sa.String(length=64), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_audit_events_actor_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_events_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_events_object_id"), ["object_id"], unique=False)

    op.create_table(
        "households",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("children", sa.Integer(), nullable=False),
        sa.Column("medical", sa.Integer(), nullable=False),
        sa.Column("origin_hub_id", sa.String(length=64), nullable=True),
        sa.Column("origin_settlement_id", sa.String(length=64), nullable=True),
        sa.Column("origin_lat", sa.Float(), nullable=False),
        sa.Column("origin_lon", sa.Float(), nullable=False),
        sa.Column("preference_1", sa.String(length=64), nullable=True),
        sa.Column("preference_2", sa.String(length=64), nullable=True),
        sa.Column("preference_3", sa.String(length=64), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("registered_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending','placed','arrived','no_show','withdrawn')",
            name=op.f("ck_households_status"),
        ),
        sa.CheckConstraint(
            "size >= 1 AND children >= 0 AND medical >= 0", name=op.f("ck_households_counts")
        ),
        sa.ForeignKeyConstraint(
            ["origin_hub_id"], ["hubs.id"], name=op.f("fk_households_origin_hub_id_hubs")
        ),
        sa.ForeignKeyConstraint(
            ["origin_settlement_id"],
            ["settlements.id"],
            name=op.f("fk_households_origin_settlement_id_settlements"),
        ),
        sa.ForeignKeyConstraint(
            ["preference_1"],
            ["settlements.id"],
            name=op.f("fk_households_preference_1_settlements"),
        ),
        sa.ForeignKeyConstraint(
            ["preference_2"],
            ["settlements.id"],
            name=op.f("fk_households_preference_2_settlements"),
        ),
        sa.ForeignKeyConstraint(
            ["preference_3"],
            ["settlements.id"],
            name=op.f("fk_households_preference_3_settlements"),
        ),
        sa.ForeignKeyConstraint(
            ["registered_by"], ["users.id"], name=op.f("fk_households_registered_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_households")),
        sa.UniqueConstraint("reference", name=op.f("uq_households_reference")),
    )
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_households_status"), ["status"], unique=False)

    op.create_table(
        "persons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("citizenship", sa.String(length=3), nullable=False),
        sa.Column("document_type", sa.String(length=20), nullable=False),
        sa.Column("document_key", sa.String(length=80), nullable=False),
        sa.Column("document_number", sa.String(length=40), nullable=False),
        sa.Column("iin", sa.String(length=12), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("languages", sa.String(length=40), nullable=False),
        sa.Column("occupation", sa.String(length=64), nullable=True),
        sa.Column("needs_medical", sa.Boolean(), nullable=False),
        sa.Column("disability", sa.Boolean(), nullable=False),
        sa.CheckConstraint("sex IN ('F','M','X')", name=op.f("ck_persons_sex")),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_persons_household_id_households"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_persons")),
        sa.UniqueConstraint("document_key", name=op.f("uq_persons_document_key")),
        sa.UniqueConstraint("iin", name=op.f("uq_persons_iin")),
    )
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_persons_household_id"), ["household_id"], unique=False)

    op.create_table(
        "placements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("settlement_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("persons", sa.Integer(), nullable=False),
        sa.Column("children", sa.Integer(), nullable=False),
        sa.Column("medical", sa.Integer(), nullable=False),
        sa.Column("recommendation_rank", sa.Integer(), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("expected_arrival", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('reserved','arrived','no_show','cancelled')",
            name=op.f("ck_placements_status"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_placements_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_placements_household_id_households")
        ),
        sa.ForeignKeyConstraint(
            ["settlement_id"],
            ["settlements.id"],
            name=op.f("fk_placements_settlement_id_settlements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placements")),
    )
    with op.batch_alter_table("placements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_placements_household_id"), ["household_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_placements_settlement_id"), ["settlement_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_placements_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("placements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_placements_status"))
        batch_op.drop_index(batch_op.f("ix_placements_settlement_id"))
        batch_op.drop_index(batch_op.f("ix_placements_household_id"))

    op.drop_table("placements")
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_persons_household_id"))

    op.drop_table("persons")
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_households_status"))

    op.drop_table("households")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_object_id"))
        batch_op.drop_index(batch_op.f("ix_audit_events_at"))
        batch_op.drop_index(batch_op.f("ix_audit_events_action"))

    op.drop_table("audit_events")
    op.drop_table("vacancies")
    op.drop_table("users")
    with op.batch_alter_table("settlements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_settlements_region_id"))
        batch_op.drop_index(batch_op.f("ix_settlements_name"))
        batch_op.drop_index(batch_op.f("ix_settlements_kind"))

    op.drop_table("settlements")
    op.drop_table("hubs")
    op.drop_table("regions")
