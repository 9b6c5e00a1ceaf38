"""folded log segments: stretches of old update log rows kept as one compressed row each

Revision ID: 0007_log_segments
Revises: 0006_instances

Existing rows are not folded here: the store folds them from the next checkpoint on, a few segments at a
time (drafting/segments.py, docs/decisions/0025).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_log_segments"
down_revision = "0006_instances"
branch_labels = None
depends_on = None

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "document_log_segments",
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id"), primary_key=True),
        sa.Column("first_seq", SEQ, primary_key=True),
        sa.Column("last_seq", SEQ, nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows", sa.LargeBinary(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
    )


def downgrade() -> None:
    """Unfold every segment back into rows of document_updates, then drop the table."""
    from drafting.log_reads import unfold_all  # the code that reads segments, at this revision

    unfold_all(op.get_bind())
    op.drop_table("document_log_segments")
