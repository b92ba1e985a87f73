"""closed (invited-only) consultations

Revision ID: 0022
Revises: 0021

A market consultation is public by default: anyone reads what is published. The team can close a
consultation to a circle of invited organisations (``consultations.invited_only``); then only the
organisations in ``consultation_invited_organisations`` (and the team) see any of it.
"""
import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("consultations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("invited_only", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "consultation_invited_organisations",
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["consultation_id"], ["consultations.id"],
                                name=op.f("fk_consultation_invited_organisations_consultation_id_consultations"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_consultation_invited_organisations_organisation_id_organisations"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("consultation_id", "organisation_id",
                                name=op.f("pk_consultation_invited_organisations")),
    )


def downgrade():
    op.drop_table("consultation_invited_organisations")
    with op.batch_alter_table("consultations", schema=None) as batch_op:
        batch_op.drop_column("invited_only")
