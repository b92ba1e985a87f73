"""evidence links can point at one choice within a strategy segment

Revision ID: 0021
Revises: 0020

An evidence link can name the choice of the segment it supports (the funding form, the
organisation form, the number of providers, ...) instead of the segment as a whole. Links made
before stay whole-part links (an empty choice). One piece of input can support several choices
of one segment, so the choice joins the link's unique key.

Going down, links that then differ only by their choice are merged into the oldest one.
"""
from alembic import op
import sqlalchemy as sa


revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("evidence_links", schema=None) as batch_op:
        batch_op.add_column(sa.Column("choice", sa.String(length=40), nullable=False, server_default=""))
        batch_op.drop_constraint("uq_evidence_links_draft_id", type_="unique")
        batch_op.create_unique_constraint("uq_evidence_links_draft_id",
                                          ["draft_id", "part", "choice", "source_type", "source_ref"])


def downgrade():
    op.execute(sa.text(
        "DELETE FROM evidence_links WHERE id NOT IN (SELECT keep FROM (SELECT MIN(id) AS keep FROM evidence_links "
        "GROUP BY draft_id, part, source_type, source_ref) AS oldest)"))
    with op.batch_alter_table("evidence_links", schema=None) as batch_op:
        batch_op.drop_constraint("uq_evidence_links_draft_id", type_="unique")
        batch_op.create_unique_constraint("uq_evidence_links_draft_id",
                                          ["draft_id", "part", "source_type", "source_ref"])
        batch_op.drop_column("choice")
