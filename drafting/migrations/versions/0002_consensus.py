"""consensus: paragraph status changes, silence procedures, adoptions

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "paragraph_status_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("paragraph_id", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=40), nullable=False),
        sa.Column("from_status", sa.String(length=40), nullable=False),
        sa.Column("from_locked", sa.Boolean(), nullable=False),
        sa.Column("to_status", sa.String(length=40), nullable=False),
        sa.Column("to_locked", sa.Boolean(), nullable=False),
        sa.Column("cause", sa.String(length=40), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"]),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_paragraph_status_changes_document_id", "paragraph_status_changes", ["document_id"])
    op.create_table(
        "silence_procedures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_by", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_by", sa.Integer(), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("paragraphs", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"]),
        sa.ForeignKeyConstraint(["started_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["ended_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_silence_procedures_document_id", "silence_procedures", ["document_id"])
    op.create_table(
        "adoptions",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("adopted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("adopted_by", sa.Integer(), nullable=True),
        sa.Column("silence_id", sa.Integer(), nullable=True),
        sa.Column("final_text", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("final_state", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"]),
        sa.ForeignKeyConstraint(["adopted_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["silence_id"], ["silence_procedures.id"]),
        sa.PrimaryKeyConstraint("document_id"),
    )


def downgrade() -> None:
    op.drop_table("adoptions")
    op.drop_index("ix_silence_procedures_document_id", table_name="silence_procedures")
    op.drop_table("silence_procedures")
    op.drop_index("ix_paragraph_status_changes_document_id", table_name="paragraph_status_changes")
    op.drop_table("paragraph_status_changes")
