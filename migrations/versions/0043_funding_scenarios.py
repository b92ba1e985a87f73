"""the tariff dialogue: funding scenarios and the team's questions about a cost-price sheet (the sheets
themselves are answers of a question kind: no table)

Revision ID: 0043
Revises: 0042
"""
import sqlalchemy as sa
from alembic import op

revision = "0043"
down_revision = "0042"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "funding_scenarios",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("product", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("form", sa.Enum("price_quantity", "lump_sum", "output", name="scenarioform", native_enum=False,
                                  create_constraint=False, length=20), nullable=False),
        sa.Column("basis", sa.Enum("percentile", "weighted_mean", name="tariffbasis", native_enum=False,
                                   create_constraint=False, length=20), nullable=False),
        sa.Column("percentile", sa.Integer(), nullable=False),
        sa.Column("client_price", sa.Float(), nullable=True),
        sa.Column("indexation", sa.Float(), nullable=False),
        sa.Column("years", sa.Integer(), nullable=False),
        sa.Column("quantities", sa.JSON(), nullable=False),
        sa.Column("chosen", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["consultation_id"], ["consultations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["question_id"], ["questions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_funding_scenarios_consultation_id", "funding_scenarios", ["consultation_id"])
    op.create_index("ix_funding_scenarios_question_id", "funding_scenarios", ["question_id"])
    op.create_table(
        "sheet_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("asked_by_id", sa.Integer(), nullable=True),
        sa.Column("asked_at", sa.DateTime(), nullable=False),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("replied_by_id", sa.Integer(), nullable=True),
        sa.Column("replied_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["asked_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["consultation_id"], ["consultations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["question_id"], ["questions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["replied_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sheet_questions_consultation_id", "sheet_questions", ["consultation_id"])
    op.create_index("ix_sheet_questions_organisation_id", "sheet_questions", ["organisation_id"])


def downgrade():
    op.drop_index("ix_sheet_questions_organisation_id", table_name="sheet_questions")
    op.drop_index("ix_sheet_questions_consultation_id", table_name="sheet_questions")
    op.drop_table("sheet_questions")
    op.drop_index("ix_funding_scenarios_question_id", table_name="funding_scenarios")
    op.drop_index("ix_funding_scenarios_consultation_id", table_name="funding_scenarios")
    op.drop_table("funding_scenarios")
