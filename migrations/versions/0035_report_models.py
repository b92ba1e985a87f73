"""the team's live report kept per language until its inputs change (``report_models``), and the
stamp of the data it is kept by (``data_changes``, one row per committed change)

Revision ID: 0035
Revises: 0034
"""
from alembic import op
import sqlalchemy as sa


revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "data_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_changes")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "report_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("stamp", sa.String(length=100), nullable=False),
        sa.Column("model", sa.JSON(), nullable=False),
        sa.Column("built_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["consultation_id"], ["consultations.id"],
                                name=op.f("fk_report_models_consultation_id_consultations"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_models")),
        sa.UniqueConstraint("consultation_id", "language", name=op.f("uq_report_models_consultation_id")),
    )


def downgrade():
    op.drop_table("report_models")
    op.drop_table("data_changes")
