"""Alembic environment: runs on the connection handed over by drafting.database.upgrade.

Migrations are written by hand. To autogenerate one, import auth.tables first so the credential tables
are on the metadata (drafting itself never imports auth).
"""

from __future__ import annotations

from alembic import context

from drafting.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
