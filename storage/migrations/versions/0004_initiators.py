"""Who added a script at run time: the inserting script of a fetched script, the evaluating
script of inline or eval'd code.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 08:10:00

Two nullable columns; a database written by 0003 upgrades in place and its scripts read back
with no initiator (reports then say "a script inserted it" without naming which).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("scripts", sa.Column("initiator_script", sa.Text(), nullable=True))
    op.add_column("requests", sa.Column("initiator_script", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("requests", "initiator_script")
    op.drop_column("scripts", "initiator_script")
