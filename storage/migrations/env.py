"""Alembic environment: runs on the connection :mod:`storage.migrate` hands over.

There is no alembic.ini: ``storage.migrate`` builds the Config in code and puts an open
connection in ``config.attributes["connection"]``.
"""

from __future__ import annotations

from alembic import context

from storage.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things; batch mode rebuilds tables so later revisions work there.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
