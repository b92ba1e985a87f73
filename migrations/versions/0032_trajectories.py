"""trajectories: consultations linked as the rounds of one trajectory (``trajectories``,
``trajectory_rounds``), organisations' requests to join an invitation-only round
(``join_requests``), a question marked as the same as one of an earlier round
(``questions.same_as_id``) and an answer copied from an earlier round's submission
(``answers.copied_from_id``)

Revision ID: 0032
Revises: 0031
"""
from alembic import op
import sqlalchemy as sa


revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "trajectories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trajectories")),
        sa.UniqueConstraint("slug", name=op.f("uq_trajectories_slug")),
    )
    op.create_table(
        "trajectory_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trajectory_id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["consultation_id"], ["consultations.id"],
                                name=op.f("fk_trajectory_rounds_consultation_id_consultations"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["trajectory_id"], ["trajectories.id"],
                                name=op.f("fk_trajectory_rounds_trajectory_id_trajectories"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trajectory_rounds")),
        sa.UniqueConstraint("consultation_id", name=op.f("uq_trajectory_rounds_consultation_id")),
    )
    op.create_index(op.f("ix_trajectory_rounds_trajectory_id"), "trajectory_rounds", ["trajectory_id"], unique=False)
    op.create_table(
        "join_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.Enum("pending", "granted", "declined", name="joinstatus", native_enum=False,
                                    create_constraint=False, length=20), nullable=False),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["consultation_id"], ["consultations.id"],
                                name=op.f("fk_join_requests_consultation_id_consultations"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"],
                                name=op.f("fk_join_requests_decided_by_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_join_requests_organisation_id_organisations"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["requested_by_id"], ["users.id"],
                                name=op.f("fk_join_requests_requested_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_join_requests")),
        sa.UniqueConstraint("consultation_id", "organisation_id",
                            name=op.f("uq_join_requests_consultation_id")),
    )
    op.create_index(op.f("ix_join_requests_consultation_id"), "join_requests", ["consultation_id"], unique=False)
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("same_as_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_questions_same_as_id_questions"), "questions",
                                    ["same_as_id"], ["id"], ondelete="SET NULL")
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("copied_from_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_answers_copied_from_id_submissions"), "submissions",
                                    ["copied_from_id"], ["id"], ondelete="SET NULL")


def downgrade():
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_answers_copied_from_id_submissions"), type_="foreignkey")
        batch_op.drop_column("copied_from_id")
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_questions_same_as_id_questions"), type_="foreignkey")
        batch_op.drop_column("same_as_id")
    op.drop_index(op.f("ix_join_requests_consultation_id"), table_name="join_requests")
    op.drop_table("join_requests")
    op.drop_index(op.f("ix_trajectory_rounds_trajectory_id"), table_name="trajectory_rounds")
    op.drop_table("trajectory_rounds")
    op.drop_table("trajectories")
