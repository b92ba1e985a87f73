"""lots (percelen) with their municipalities, questions and Q&A items scoped to a lot (a question
also to a municipality), what a care provider offers (``offered_lots``), and the scope of a
submitted answer

Revision ID: 0037
Revises: 0036
"""
import json

from alembic import op
import sqlalchemy as sa


revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "lots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["consultation_id"], ["consultations.id"],
                                name=op.f("fk_lots_consultation_id_consultations"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lots")),
        sa.UniqueConstraint("consultation_id", "name", name=op.f("uq_lots_consultation_id")),
    )
    op.create_index(op.f("ix_lots_consultation_id"), "lots", ["consultation_id"], unique=False)
    op.create_table(
        "lot_municipalities",
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_lot_municipalities_lot_id_lots"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_lot_municipalities_organisation_id_organisations"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("lot_id", "organisation_id", name=op.f("pk_lot_municipalities")),
    )
    op.create_table(
        "offered_lots",
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["response_id"], ["responses.id"], name=op.f("fk_offered_lots_response_id_responses"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_offered_lots_lot_id_lots"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["municipality_id"], ["organisations.id"],
                                name=op.f("fk_offered_lots_municipality_id_organisations"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("response_id", "lot_id", "municipality_id", name=op.f("pk_offered_lots")),
    )
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lot_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("municipality_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_questions_lot_id"), ["lot_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_questions_lot_id_lots"), "lots", ["lot_id"], ["id"])
        batch_op.create_foreign_key(batch_op.f("fk_questions_municipality_id_organisations"), "organisations",
                                    ["municipality_id"], ["id"])
    with op.batch_alter_table("qa_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lot_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_qa_items_lot_id"), ["lot_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_qa_items_lot_id_lots"), "lots", ["lot_id"], ["id"])
    with op.batch_alter_table("submitted_answers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scope", sa.JSON(), nullable=True))
    # The rows hold what their submission's canonical copy says: a copy that records an answer's
    # scope (rows written again after a downgrade past this revision) gives it back to its row.
    submissions = sa.table("submissions", sa.column("id", sa.Integer), sa.column("canonical", sa.Text))
    answers = sa.table("submitted_answers", sa.column("submission_id", sa.Integer),
                       sa.column("question_id", sa.Integer), sa.column("scope", sa.JSON))
    bind = op.get_bind()
    for submission_id, canonical in bind.execute(sa.select(submissions.c.id, submissions.c.canonical)
                                                 .where(submissions.c.canonical.like('%"scope"%'))):
        for answer in json.loads(canonical)["answers"]:
            if answer.get("scope"):
                bind.execute(sa.update(answers).where(answers.c.submission_id == submission_id,
                                                      answers.c.question_id == answer["question_id"])
                             .values(scope=answer["scope"]))


def downgrade():
    with op.batch_alter_table("submitted_answers", schema=None) as batch_op:
        batch_op.drop_column("scope")
    with op.batch_alter_table("qa_items", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_qa_items_lot_id_lots"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_qa_items_lot_id"))
        batch_op.drop_column("lot_id")
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_questions_municipality_id_organisations"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_questions_lot_id_lots"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_questions_lot_id"))
        batch_op.drop_column("municipality_id")
        batch_op.drop_column("lot_id")
    op.drop_table("offered_lots")
    op.drop_table("lot_municipalities")
    op.drop_index(op.f("ix_lots_consultation_id"), table_name="lots")
    op.drop_table("lots")
