"""the procurement notice a consultation prepared (its number and address at TenderNed or TED), so the open
data can join the consultation to the later tender

Revision ID: 0045
Revises: 0044
"""
import sqlalchemy as sa
from alembic import op

revision = "0045"
down_revision = "0044"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("consultations") as batch:
        batch.add_column(sa.Column("procurement_notice", sa.String(length=40), nullable=False, server_default=""))
        batch.add_column(sa.Column("procurement_notice_url", sa.String(length=500), nullable=False,
                                   server_default=""))


def downgrade():
    with op.batch_alter_table("consultations") as batch:
        batch.drop_column("procurement_notice_url")
        batch.drop_column("procurement_notice")
