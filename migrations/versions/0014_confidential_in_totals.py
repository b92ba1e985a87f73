"""confidential answers in published totals: a per-question choice

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa


revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confidential_in_totals", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.drop_column("confidential_in_totals")
