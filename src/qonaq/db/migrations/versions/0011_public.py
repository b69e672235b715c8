"""public pages: pre-registrations waiting for a desk, and the public forms' flood guard

Revision ID: 0011_public
Revises: 0010_aid
Create Date: 2026-11-25 19:53:02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_public"
down_revision: str | None = "0010_aid"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "public_form_counts",
        sa.Column("form", sa.String(length=32), nullable=False),
        sa.Column("client_key", sa.String(length=64), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("posts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "form", "client_key", "window_start", name=op.f("pk_public_form_counts")
        ),
    )
    op.create_table(
        "spent_challenges",
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("nonce", name=op.f("pk_spent_challenges")),
    )
    with op.batch_alter_table("spent_challenges", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_spent_challenges_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "preregistrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_key", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("declared", sa.Text(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('waiting','completed')", name=op.f("ck_preregistrations_status")
        ),
        sa.ForeignKeyConstraint(
            ["completed_by"], ["users.id"], name=op.f("fk_preregistrations_completed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_preregistrations_household_id_households"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_preregistrations")),
        sa.UniqueConstraint("code_key", name=op.f("uq_preregistrations_code_key")),
        sa.UniqueConstraint("household_id", name=op.f("uq_preregistrations_household_id")),
    )
    with op.batch_alter_table("preregistrations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_preregistrations_expires_at"), ["expires_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_preregistrations_status"), ["status"], unique=False)

    op.create_table(
        "preregistration_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("preregistration_id", sa.Integer(), nullable=False),
        sa.Column("citizenship", sa.String(length=3), nullable=False),
        sa.Column("document_type", sa.String(length=20), nullable=False),
        sa.Column("document_key", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["preregistration_id"],
            ["preregistrations.id"],
            name=op.f("fk_preregistration_documents_preregistration_id_preregistrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_preregistration_documents")),
    )
    with op.batch_alter_table("preregistration_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_preregistration_documents_document_key"), ["document_key"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_preregistration_documents_preregistration_id"),
            ["preregistration_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("preregistration_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_preregistration_documents_preregistration_id"))
        batch_op.drop_index(batch_op.f("ix_preregistration_documents_document_key"))

    op.drop_table("preregistration_documents")
    with op.batch_alter_table("preregistrations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_preregistrations_status"))
        batch_op.drop_index(batch_op.f("ix_preregistrations_expires_at"))

    op.drop_table("preregistrations")
    with op.batch_alter_table("spent_challenges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_spent_challenges_expires_at"))

    op.drop_table("spent_challenges")
    op.drop_table("public_form_counts")
