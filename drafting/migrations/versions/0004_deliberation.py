"""deliberation: comments, comment settings, positions, versions, incorporations

Revision ID: 0004
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=40)


STANCE = ("support", "amend", "oppose", "reservation", "none")
AMENDMENT = ("replace", "delete", "new_paragraph")


def upgrade() -> None:
    op.create_table(
        "comment_settings",
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id"), primary_key=True),
        sa.Column("observers_may_comment", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
    )
    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("paragraph_id", sa.String(length=40), nullable=False),
        sa.Column("thread_id", sa.Integer(), sa.ForeignKey("comments.id"), nullable=True),
        sa.Column("author_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("delegation_id", sa.Integer(), sa.ForeignKey("delegations.id"), nullable=True),
        sa.Column("visibility", _enum("visibility", "delegation", "participants"), nullable=False),
        sa.Column("by_observer", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("span_start", sa.LargeBinary(), nullable=True),
        sa.Column("span_end", sa.LargeBinary(), nullable=True),
        sa.Column("quote", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
    )
    op.create_index("ix_comments_document_id", "comments", ["document_id"])
    op.create_table(
        "comment_edits",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("comment_id", sa.Integer(), sa.ForeignKey("comments.id"), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_comment_edits_comment_id", "comment_edits", ["comment_id"])
    op.create_table(
        "positions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("paragraph_id", sa.String(length=40), nullable=False),
        sa.Column("delegation_id", sa.Integer(), sa.ForeignKey("delegations.id"), nullable=False),
        sa.Column("draft_stance", _enum("stance", *STANCE), nullable=True),
        sa.Column("draft_amendment", _enum("amendmentkind", *AMENDMENT), nullable=True),
        sa.Column("draft_text", sa.Text(), nullable=True),
        sa.Column("draft_justification", sa.Text(), nullable=False),
        sa.Column("draft_base", sa.Text(), nullable=True),
        sa.Column("draft_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("draft_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("latest_version", sa.Integer(), nullable=False),
        sa.UniqueConstraint("document_id", "paragraph_id", "delegation_id"),
    )
    op.create_index("ix_positions_document_id", "positions", ["document_id"])
    op.create_table(
        "position_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("position_id", sa.Integer(), sa.ForeignKey("positions.id"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("stance", _enum("stance", *STANCE), nullable=False),
        sa.Column("amendment", _enum("amendmentkind", *AMENDMENT), nullable=True),
        sa.Column("proposed_text", sa.Text(), nullable=True),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column("base_text", sa.Text(), nullable=False),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("position_id", "number"),
    )
    op.create_index("ix_position_versions_position_id", "position_versions", ["position_id"])
    op.create_table(
        "incorporations",
        sa.Column("version_id", sa.Integer(), sa.ForeignKey("position_versions.id"), primary_key=True),
        sa.Column("incorporated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("incorporated_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("text_before", sa.Text(), nullable=False),
        sa.Column("text_after", sa.Text(), nullable=True),
        sa.Column("new_paragraph_id", sa.String(length=40), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("incorporations")
    op.drop_index("ix_position_versions_position_id", "position_versions")
    op.drop_table("position_versions")
    op.drop_index("ix_positions_document_id", "positions")
    op.drop_table("positions")
    op.drop_index("ix_comment_edits_comment_id", "comment_edits")
    op.drop_table("comment_edits")
    op.drop_index("ix_comments_document_id", "comments")
    op.drop_table("comments")
    op.drop_table("comment_settings")
