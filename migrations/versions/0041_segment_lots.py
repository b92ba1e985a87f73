"""strategy segments per lot, with local choices per municipality (``segments.lot_id``,
``segments.local_choices``)

Revision ID: 0041
Revises: 0040
"""
from alembic import op
import sqlalchemy as sa


revision = "0041"
down_revision = "0040"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("segments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lot_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("local_choices", sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f("ix_segments_lot_id"), ["lot_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_segments_lot_id_lots"), "lots", ["lot_id"], ["id"],
                                    ondelete="SET NULL")


def downgrade():
    with op.batch_alter_table("segments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_segments_lot_id_lots"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_segments_lot_id"))
        batch_op.drop_column("local_choices")
        batch_op.drop_column("lot_id")
