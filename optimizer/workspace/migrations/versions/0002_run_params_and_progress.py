"""Runs gain ``params`` (what a study run was asked: its scenarios and options) and
``progress`` (the solver's latest line while it runs).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("params", sa.JSON, nullable=True))
        batch.add_column(sa.Column("progress", sa.Text, nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("progress")
        batch.drop_column("params")
