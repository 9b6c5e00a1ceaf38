"""Alembic environment: runs on the connection handed over by drafting.database.upgrade."""

from __future__ import annotations

from alembic import context

import auth.tables  # noqa: F401  (registers the credential tables on the shared metadata)
from drafting.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
