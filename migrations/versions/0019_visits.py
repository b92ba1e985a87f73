"""visits: when each person last looked at their overview on the home page

Revision ID: 0019
Revises: 0018

The home page tells a team member what is new since their last visit (for example responses
submitted since then); ``visits.since`` is where "new" starts, ``visits.seen_at`` the last look.
"""
from alembic import op
import sqlalchemy as sa


revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.Column("since", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_visits_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visits")),
        sa.UniqueConstraint("user_id", name=op.f("uq_visits_user_id")),
    )


def downgrade():
    op.drop_table("visits")
