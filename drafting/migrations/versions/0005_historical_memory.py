"""historical memory: merge the branches; senders and hash chain of the update log, compressed
checkpoints with the authorship at them, the chained audit trail, named revisions

Revision ID: 0005
Revises: 0002, 0003, 0004

The existing log rows and audit entries are chained here, in their order, so that verification covers
the whole history; their senders stay unrecorded (NULL).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from drafting.audit import chain_genesis, chain_of, entry_hash, negotiation_in
from drafting.log_rows import LoggedUpdate, log_digest, log_genesis
from drafting.models import AuditEntry
from drafting.senders import UNRECORDED

revision = "0005"
down_revision = ("0002", "0003", "0004")
branch_labels = None
depends_on = None

MOMENT = sa.DateTime(timezone=True)  # read as the models store it (SQLite keeps text)


def upgrade() -> None:
    with op.batch_alter_table("document_updates") as batch:
        batch.add_column(sa.Column("origin", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("delegation_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("position_version_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("digest", sa.String(length=64), nullable=True))
        batch.create_foreign_key("fk_document_updates_user_id", "users", ["user_id"], ["id"])
        batch.create_foreign_key(
            "fk_document_updates_delegation_id", "delegations", ["delegation_id"], ["id"]
        )
        batch.create_foreign_key(
            "fk_document_updates_position_version_id", "position_versions", ["position_version_id"], ["id"]
        )
    with op.batch_alter_table("document_checkpoints") as batch:
        batch.add_column(sa.Column("compression", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("authorship", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("audit_entries") as batch:
        batch.add_column(sa.Column("negotiation_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("previous", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
        batch.create_foreign_key(
            "fk_audit_entries_negotiation_id", "negotiations", ["negotiation_id"], ["id"]
        )
        batch.create_unique_constraint("uq_audit_entries_previous", ["previous"])
        batch.create_index("ix_audit_entries_negotiation_id", ["negotiation_id"])
    op.create_table(
        "audit_heads",
        sa.Column("chain", sa.String(length=40), primary_key=True),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
    )
    op.create_table(
        "revisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("log_digest", sa.String(length=64), nullable=False),
        sa.Column("state", sa.LargeBinary(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("made_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("previous", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False, unique=True),
        sa.UniqueConstraint("document_id", "number"),
    )
    op.create_index("ix_revisions_document_id", "revisions", ["document_id"])
    connection = op.get_bind()
    _chain_the_log(connection)
    _chain_the_audit_trail(connection)


def _chain_the_log(connection: sa.Connection) -> None:
    rows = connection.execute(
        sa.text(
            "SELECT document_id, seq, data, created_at FROM document_updates ORDER BY document_id, seq"
        ).columns(created_at=MOMENT)
    )
    digests: list[dict[str, Any]] = []
    previous: tuple[int, str] | None = None
    for row in rows:
        before = previous[1] if previous and previous[0] == row.document_id else log_genesis(row.document_id)
        logged = LoggedUpdate(row.document_id, row.seq, bytes(row.data), row.created_at, UNRECORDED)
        digest = log_digest(before, logged)
        digests.append({"d": row.document_id, "s": row.seq, "digest": digest})
        previous = (row.document_id, digest)
    if digests:
        connection.execute(
            sa.text("UPDATE document_updates SET digest = :digest WHERE document_id = :d AND seq = :s"),
            digests,
        )


def _chain_the_audit_trail(connection: sa.Connection) -> None:
    negotiation_of: dict[int, int | None] = {
        row.id: row.negotiation_id
        for row in connection.execute(sa.text("SELECT id, negotiation_id FROM documents"))
    }
    rows = connection.execute(
        sa.text("SELECT id, at, actor_id, action, subject, detail FROM audit_entries ORDER BY id").columns(
            at=MOMENT
        )
    ).all()
    heads: dict[str, tuple[int, str]] = {}
    chained = []
    for row in rows:
        negotiation_id = negotiation_in(row.subject, negotiation_of.get)
        chain = chain_of(negotiation_id)
        count, last = heads.get(chain, (0, chain_genesis(chain)))
        entry = AuditEntry(
            at=row.at,
            actor_id=row.actor_id,
            action=row.action,
            subject=row.subject,
            detail=row.detail,
            negotiation_id=negotiation_id,
            seq=count + 1,
            previous=last,
        )
        digest = entry_hash(entry)
        chained.append({"i": row.id, "n": negotiation_id, "s": count + 1, "p": last, "h": digest})
        heads[chain] = (count + 1, digest)
    if chained:
        connection.execute(
            sa.text(
                "UPDATE audit_entries SET negotiation_id = :n, seq = :s, previous = :p, hash = :h"
                " WHERE id = :i"
            ),
            chained,
        )
    if heads:
        connection.execute(
            sa.text("INSERT INTO audit_heads (chain, entries, last_hash) VALUES (:c, :e, :h)"),
            [{"c": chain, "e": count, "h": last} for chain, (count, last) in heads.items()],
        )


def downgrade() -> None:
    op.drop_index("ix_revisions_document_id", table_name="revisions")
    op.drop_table("revisions")
    op.drop_table("audit_heads")
    with op.batch_alter_table("audit_entries") as batch:
        batch.drop_index("ix_audit_entries_negotiation_id")
        batch.drop_constraint("uq_audit_entries_previous", type_="unique")
        batch.drop_constraint("fk_audit_entries_negotiation_id", type_="foreignkey")
        for column in ("hash", "previous", "seq", "negotiation_id"):
            batch.drop_column(column)
    with op.batch_alter_table("document_checkpoints") as batch:
        batch.drop_column("authorship")
        batch.drop_column("compression")
    with op.batch_alter_table("document_updates") as batch:
        for name in ("position_version_id", "delegation_id", "user_id"):
            batch.drop_constraint(f"fk_document_updates_{name}", type_="foreignkey")
        for column in ("digest", "position_version_id", "delegation_id", "user_id", "origin"):
            batch.drop_column(column)
