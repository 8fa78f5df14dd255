"""Surveys: a ranked site list and each site's state, lease and serving scan.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 16:10:00

Two new tables only; a database written by 0002 upgrades in place.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "surveys",
        sa.Column("id", _BIG, primary_key=True),
        sa.Column("list_name", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column(
            "from_scan_id", _BIG, sa.ForeignKey("scans.id", ondelete="SET NULL"), nullable=True
        ),
    )
    op.create_table(
        "survey_sites",
        sa.Column("id", _BIG, primary_key=True),
        sa.Column(
            "survey_id", _BIG, sa.ForeignKey("surveys.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("rank", _BIG, nullable=False),
        sa.Column("domain", sa.String(length=255), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("failure", sa.String(length=32), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("lease_owner", sa.String(length=128), nullable=True),
        sa.Column("lease_expires", sa.Double(), nullable=True),
        sa.Column("scan_id", _BIG, sa.ForeignKey("scans.id", ondelete="SET NULL"), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("failed_pages", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.Double(), nullable=True),
        sa.Column("finished_at", sa.Double(), nullable=True),
        sa.UniqueConstraint("survey_id", "domain", name="uq_survey_sites_survey_domain"),
    )
    op.create_index("ix_survey_sites_survey_id", "survey_sites", ["survey_id"])
    op.create_index("ix_survey_sites_scan_id", "survey_sites", ["scan_id"])
    op.create_index("ix_survey_sites_survey_state", "survey_sites", ["survey_id", "state"])


def downgrade() -> None:
    op.drop_table("survey_sites")
    op.drop_table("surveys")
