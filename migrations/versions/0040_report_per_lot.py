"""the report per lot: a published version keeps each lot's report (``reports.published_lots``) and
its files are stored per lot (``report_files.lot_key``, 0 for the whole consultation)

Revision ID: 0040
Revises: 0039
"""
from alembic import op
import sqlalchemy as sa


revision = "0040"
down_revision = "0039"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published_lots", sa.JSON(), nullable=True))
    with op.batch_alter_table("report_files", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lot_key", sa.Integer(), server_default="0", nullable=False))
        batch_op.drop_constraint(batch_op.f("uq_report_files_report_id"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_report_files_report_id"),
                                          ["report_id", "version", "language", "fmt", "lot_key"])


def downgrade():
    op.execute("DELETE FROM report_files WHERE lot_key <> 0")
    with op.batch_alter_table("report_files", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_report_files_report_id"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_report_files_report_id"),
                                          ["report_id", "version", "language", "fmt"])
        batch_op.drop_column("lot_key")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_column("published_lots")
