"""aid: requests for help, offers, commitments, volunteers and organisations

Revision ID: 0010_aid
Revises: 0009_transport
Create Date: 2026-11-25 19:53:04

Requests' first name, contact and details and volunteers' name and phone are encrypted
(Text columns holding Fernet tokens, as the persons' documents are).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_aid"
down_revision: str | None = "0009_transport"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# the kinds of help, as the models' AidKind spells them
KINDS = (
    "kind IN ('shelter','food','clothes','sim_card','money_transfer','legal','medical',"
    "'childcare','translation','transport','other')"
)


def upgrade() -> None:
    op.create_table(
        "aid_ask_throttles",
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("asks", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("client", name=op.f("pk_aid_ask_throttles")),
    )
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("name", name=op.f("uq_organisations_name")),
    )
    op.create_table(
        "aid_offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("remaining", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("settlement_id", sa.String(length=64), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("radius_km", sa.Float(), nullable=False),
        sa.Column("available_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("available_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("conditions", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            KINDS,
            name=op.f("ck_aid_offers_kind"),
        ),
        sa.CheckConstraint(
            "status IN ('active','withdrawn','expired')", name=op.f("ck_aid_offers_status")
        ),
        sa.CheckConstraint("quantity >= 1", name=op.f("ck_aid_offers_quantity")),
        sa.CheckConstraint("radius_km >= 0", name=op.f("ck_aid_offers_radius")),
        sa.CheckConstraint(
            "remaining >= 0 AND remaining <= quantity", name=op.f("ck_aid_offers_remaining")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_aid_offers_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["settlement_id"],
            ["settlements.id"],
            name=op.f("fk_aid_offers_settlement_id_settlements"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_aid_offers_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aid_offers")),
    )
    with op.batch_alter_table("aid_offers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_aid_offers_kind"), ["kind"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_aid_offers_settlement_id"), ["settlement_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_aid_offers_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_aid_offers_user_id"), ["user_id"], unique=False)

    op.create_table(
        "volunteers",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("full_name", sa.Text(), nullable=False),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("settlement_id", sa.String(length=64), nullable=False),
        sa.Column("radius_km", sa.Float(), nullable=False),
        sa.Column("skills", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('unverified','verified','suspended')", name=op.f("ck_volunteers_status")
        ),
        sa.CheckConstraint("radius_km >= 0", name=op.f("ck_volunteers_radius")),
        sa.ForeignKeyConstraint(
            ["settlement_id"],
            ["settlements.id"],
            name=op.f("fk_volunteers_settlement_id_settlements"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_volunteers_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["verified_by"], ["users.id"], name=op.f("fk_volunteers_verified_by_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_volunteers")),
    )
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_volunteers_status"), ["status"], unique=False)

    op.create_table(
        "aid_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("urgency", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("committed", sa.Integer(), nullable=False),
        sa.Column("fulfilled", sa.Integer(), nullable=False),
        sa.Column("settlement_id", sa.String(length=64), nullable=True),
        sa.Column("hub_id", sa.String(length=64), nullable=True),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("first_name", sa.Text(), nullable=False),
        sa.Column("contact", sa.Text(), nullable=False),
        sa.Column("details", sa.Text(), nullable=True),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            KINDS,
            name=op.f("ck_aid_requests_kind"),
        ),
        sa.CheckConstraint(
            "status IN ('open','committed','fulfilled','cancelled','expired')",
            name=op.f("ck_aid_requests_status"),
        ),
        sa.CheckConstraint(
            "urgency IN ('today','days','week')", name=op.f("ck_aid_requests_urgency")
        ),
        sa.CheckConstraint(
            "(settlement_id IS NULL) <> (hub_id IS NULL)", name=op.f("ck_aid_requests_one_place")
        ),
        sa.CheckConstraint(
            "committed >= 0 AND fulfilled >= 0 AND committed + fulfilled <= quantity",
            name=op.f("ck_aid_requests_covered"),
        ),
        sa.CheckConstraint("people >= 1 AND quantity >= 1", name=op.f("ck_aid_requests_counts")),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_aid_requests_household_id_households"),
        ),
        sa.ForeignKeyConstraint(["hub_id"], ["hubs.id"], name=op.f("fk_aid_requests_hub_id_hubs")),
        sa.ForeignKeyConstraint(
            ["settlement_id"],
            ["settlements.id"],
            name=op.f("fk_aid_requests_settlement_id_settlements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aid_requests")),
    )
    with op.batch_alter_table("aid_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_aid_requests_household_id"), ["household_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_aid_requests_kind"), ["kind"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_aid_requests_settlement_id"), ["settlement_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_aid_requests_status"), ["status"], unique=False)

    op.create_table(
        "aid_commitments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("fulfilled", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('committed','fulfilled','cancelled')",
            name=op.f("ck_aid_commitments_status"),
        ),
        sa.CheckConstraint(
            "quantity >= 1 AND fulfilled >= 0 AND fulfilled <= quantity",
            name=op.f("ck_aid_commitments_counts"),
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["aid_offers.id"], name=op.f("fk_aid_commitments_offer_id_aid_offers")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["aid_requests.id"],
            name=op.f("fk_aid_commitments_request_id_aid_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_aid_commitments_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aid_commitments")),
    )
    with op.batch_alter_table("aid_commitments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_aid_commitments_offer_id"), ["offer_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_aid_commitments_request_id"), ["request_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_aid_commitments_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_aid_commitments_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_users_organisation_id_organisations"),
            "organisations",
            ["organisation_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_users_organisation_id_organisations"), type_="foreignkey"
        )
        batch_op.drop_column("organisation_id")

    with op.batch_alter_table("aid_commitments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_aid_commitments_user_id"))
        batch_op.drop_index(batch_op.f("ix_aid_commitments_status"))
        batch_op.drop_index(batch_op.f("ix_aid_commitments_request_id"))
        batch_op.drop_index(batch_op.f("ix_aid_commitments_offer_id"))

    op.drop_table("aid_commitments")
    with op.batch_alter_table("aid_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_aid_requests_status"))
        batch_op.drop_index(batch_op.f("ix_aid_requests_settlement_id"))
        batch_op.drop_index(batch_op.f("ix_aid_requests_kind"))
        batch_op.drop_index(batch_op.f("ix_aid_requests_household_id"))

    op.drop_table("aid_requests")
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volunteers_status"))

    op.drop_table("volunteers")
    with op.batch_alter_table("aid_offers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_aid_offers_user_id"))
        batch_op.drop_index(batch_op.f("ix_aid_offers_status"))
        batch_op.drop_index(batch_op.f("ix_aid_offers_settlement_id"))
        batch_op.drop_index(batch_op.f("ix_aid_offers_kind"))

    op.drop_table("aid_offers")
    op.drop_table("organisations")
    op.drop_table("aid_ask_throttles")
