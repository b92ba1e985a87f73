"""conditions on questions and themes (asked only when earlier answers or the organisation's
profile meet them), and the organisation's size on a response

Revision ID: 0038
Revises: 0037
"""
from alembic import op
import sqlalchemy as sa


revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("questions") as batch:
        batch.add_column(sa.Column("condition", sa.JSON(), nullable=True))
    with op.batch_alter_table("themes") as batch:
        batch.add_column(sa.Column("condition", sa.JSON(), nullable=True))
    with op.batch_alter_table("responses") as batch:
        batch.add_column(sa.Column("size", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("responses") as batch:
        batch.drop_column("size")
    with op.batch_alter_table("themes") as batch:
        batch.drop_column("condition")
    with op.batch_alter_table("questions") as batch:
        batch.drop_column("condition")
