"""drafts open for comment: a draft per consultation (``drafts``: a platform document or the
strategy draft, with its comment period), its numbered paragraphs (``draft_paragraphs``: one stable
key per paragraph, removed ones kept and marked) and the comments per paragraph with the team's
disposition and reply (``draft_comments``)

Revision ID: 0033
Revises: 0032
"""
from alembic import op
import sqlalchemy as sa


revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("document", "strategy", name="draftkind", native_enum=False,
                  create_constraint=False, length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("introduction", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("audience", sa.Enum("providers", "councils", "both", "invited", name="sessionaudience", native_enum=False,
                  create_constraint=False, length=20), nullable=False),
        sa.Column("opens_at", sa.DateTime(), nullable=True),
        sa.Column("closes_at", sa.DateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["consultation_id"], ["consultations.id"], name=op.f("fk_drafts_consultation_id_consultations"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_drafts_created_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drafts"))
    )
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_drafts_consultation_id"), ["consultation_id"], unique=False)
        batch_op.create_index("uq_drafts_strategy", ["consultation_id"], unique=True,
                              sqlite_where=sa.text("kind = 'strategy'"), postgresql_where=sa.text("kind = 'strategy'"))

    op.create_table("draft_paragraphs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("part", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("section", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=True),
        sa.Column("removed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["draft_id"], ["drafts.id"], name=op.f("fk_draft_paragraphs_draft_id_drafts"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draft_paragraphs")),
        sa.UniqueConstraint("draft_id", "key", name=op.f("uq_draft_paragraphs_draft_id"))
    )
    with op.batch_alter_table("draft_paragraphs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_draft_paragraphs_draft_id"), ["draft_id"], unique=False)

    op.create_table("draft_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("paragraph_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("confidential", sa.Boolean(), nullable=False),
        sa.Column("publication", sa.Enum("named", "anonymous", "none", name="publication", native_enum=False,
                  create_constraint=False, length=20), nullable=False),
        sa.Column("anchored_text", sa.Text(), nullable=False),
        sa.Column("anchored_number", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.Column("disposition", sa.Enum("adopted", "partly", "not_adopted", name="disposition", native_enum=False,
                  create_constraint=False, length=20), nullable=True),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("reply_version", sa.Integer(), nullable=False),
        sa.Column("replied_at", sa.DateTime(), nullable=True),
        sa.Column("replied_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_draft_comments_author_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], name=op.f("fk_draft_comments_organisation_id_organisations"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["paragraph_id"], ["draft_paragraphs.id"], name=op.f("fk_draft_comments_paragraph_id_draft_paragraphs"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["replied_by_id"], ["users.id"], name=op.f("fk_draft_comments_replied_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draft_comments"))
    )
    with op.batch_alter_table("draft_comments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_draft_comments_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index("ix_draft_comments_paragraph_org", ["paragraph_id", "organisation_id"], unique=False)



def downgrade():
    with op.batch_alter_table("draft_comments", schema=None) as batch_op:
        batch_op.drop_index("ix_draft_comments_paragraph_org")
        batch_op.drop_index(batch_op.f("ix_draft_comments_organisation_id"))

    op.drop_table("draft_comments")
    with op.batch_alter_table("draft_paragraphs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_draft_paragraphs_draft_id"))

    op.drop_table("draft_paragraphs")
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.drop_index("uq_drafts_strategy")
        batch_op.drop_index(batch_op.f("ix_drafts_consultation_id"))

    op.drop_table("drafts")
