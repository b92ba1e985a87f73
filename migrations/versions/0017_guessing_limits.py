"""guessing limits: failures can be cleared per account, and its holder is warned once per period

Revision ID: 0017
Revises: 0016

Failed passwords and codes older than ``users.failures_cleared_at`` no longer count towards the
account's limits (set by a completed password reset or a correct two-step code);
``users.guessing_warned_at`` is when the holder was last told that their account is being
guessed at, so the mail goes out once per period however many attempts there are.
"""
from alembic import op
import sqlalchemy as sa


revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failures_cleared_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("guessing_warned_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("guessing_warned_at")
        batch_op.drop_column("failures_cleared_at")
