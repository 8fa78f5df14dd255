"""Browser profile, watch record and afterlife per visit; HTTP bodies; frame ordinals.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 07:05:00

Only new columns, all nullable or with a server default, so a database written by 0001 upgrades
in place and its visits read back with an empty profile and no watch record.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column(
        "page_visits", sa.Column("profile", sa.String(length=32), nullable=False, server_default="")
    )
    op.add_column("page_visits", sa.Column("watch", sa.JSON(none_as_null=True), nullable=True))
    op.add_column("page_visits", sa.Column("afterlife", sa.JSON(none_as_null=True), nullable=True))
    op.add_column("requests", sa.Column("time", sa.Double(), nullable=True))
    op.add_column("requests", sa.Column("request_body", sa.JSON(none_as_null=True), nullable=True))
    op.add_column("requests", sa.Column("response_body", sa.JSON(none_as_null=True), nullable=True))
    op.add_column(
        "websocket_frames", sa.Column("ordinal", _BIG, nullable=False, server_default="0")
    )


def downgrade() -> None:
    op.drop_column("websocket_frames", "ordinal")
    for column in ("response_body", "request_body", "time"):
        op.drop_column("requests", column)
    for column in ("afterlife", "watch", "profile"):
        op.drop_column("page_visits", column)
