"""edit versions: every edit that promises a conflict screen carries a version

Revision ID: 0016
Revises: 0015

A save is written only while the row's version is still the one the person started from (one
conditional UPDATE). Versions for the strategy's general part and segments, syntheses, the reply
to an advice, the report's texts, and themes and questions in the editor; the strategy draft
counts its revisions in the database. The theme's own synthesis (no question) gets the unique
index its constraint could not give it; should a theme have two already, the latest saved stays.
"""
from alembic import op
import sqlalchemy as sa


revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

VERSIONED = ("strategy_drafts", "segments", "syntheses", "themes", "questions")


def upgrade():
    for table in VERSIONED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("strategy_drafts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision_count", sa.Integer(), nullable=False, server_default="0"))
    op.execute("UPDATE strategy_drafts SET revision_count = COALESCE((SELECT MAX(number) FROM strategy_revisions "
               "WHERE strategy_revisions.draft_id = strategy_drafts.id), 0)")
    with op.batch_alter_table("advices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reply_version", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("texts_version", sa.Integer(), nullable=False, server_default="1"))
    op.execute("DELETE FROM syntheses WHERE question_id IS NULL AND EXISTS (SELECT 1 FROM syntheses AS later "
               "WHERE later.theme_id = syntheses.theme_id AND later.question_id IS NULL "
               "AND (later.updated_at > syntheses.updated_at "
               "OR (later.updated_at = syntheses.updated_at AND later.id > syntheses.id)))")
    op.create_index("uq_syntheses_theme_id_theme_only", "syntheses", ["theme_id"], unique=True,
                    sqlite_where=sa.text("question_id IS NULL"), postgresql_where=sa.text("question_id IS NULL"))


def downgrade():
    op.drop_index("uq_syntheses_theme_id_theme_only", table_name="syntheses")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_column("texts_version")
    with op.batch_alter_table("advices", schema=None) as batch_op:
        batch_op.drop_column("reply_version")
    with op.batch_alter_table("strategy_drafts", schema=None) as batch_op:
        batch_op.drop_column("revision_count")
    for table in reversed(VERSIONED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("version")
