"""input that went missing: explicitly skipped questions, one theme per title, undo of bulk tagging

Revision ID: 0020
Revises: 0019

An answer can say the organisation skips the (optional) question, so a theme counts as complete
only when each of its questions is answered or skipped. Two themes of one consultation cannot
share a title (a form sent twice made two); titles shared already get " (2)", " (3)" added to
the later ones. The last bulk tagging of each person per question is kept so it can be undone.
"""
from alembic import op
import sqlalchemy as sa


revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def _number_shared_titles():
    """Later themes whose title an earlier theme of the same consultation has get a number."""
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, consultation_id, title FROM themes ORDER BY consultation_id, id")).all()
    every: dict[int, set[str]] = {}
    for _id, consultation_id, title in rows:
        every.setdefault(consultation_id, set()).add(title)
    seen: dict[int, set[str]] = {}
    for theme_id, consultation_id, title in rows:
        earlier = seen.setdefault(consultation_id, set())
        if title in earlier:
            number = 2
            while (numbered := f"{title[:190]} ({number})") in every[consultation_id]:
                number += 1
            every[consultation_id].add(numbered)
            conn.execute(sa.text("UPDATE themes SET title = :title WHERE id = :id"), {"title": numbered, "id": theme_id})
            title = numbered
        earlier.add(title)


def upgrade():
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("skipped", sa.Boolean(), nullable=False, server_default=sa.false()))
    _number_shared_titles()
    op.create_index("uq_themes_consultation_id_title", "themes", ["consultation_id", "title"], unique=True)
    op.create_table(
        "bulk_taggings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.Column("codings", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["question_id"], ["questions.id"],
                                name=op.f("fk_bulk_taggings_question_id_questions"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tag_id"], ["tags.id"], name=op.f("fk_bulk_taggings_tag_id_tags"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_bulk_taggings_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulk_taggings")),
        sa.UniqueConstraint("user_id", "question_id", name=op.f("uq_bulk_taggings_user_id")),
    )
    with op.batch_alter_table("bulk_taggings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bulk_taggings_question_id"), ["question_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bulk_taggings_tag_id"), ["tag_id"], unique=False)


def downgrade():
    with op.batch_alter_table("bulk_taggings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bulk_taggings_tag_id"))
        batch_op.drop_index(batch_op.f("ix_bulk_taggings_question_id"))
    op.drop_table("bulk_taggings")
    op.drop_index("uq_themes_consultation_id_title", table_name="themes")
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.drop_column("skipped")
