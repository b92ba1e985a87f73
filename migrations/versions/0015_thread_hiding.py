"""threads: moderation state of the opening post, and hiding a whole thread

Revision ID: 0015
Revises: 0014

A thread whose opening post waits for a moderator is invisible, title included, to everyone but
its author and the moderators; ``threads.status`` carries that state. Existing threads take the
status of their opening post. Moderators can hide a thread (``hidden_at``, ``hidden_by_id``,
``hidden_reason``).
"""
from alembic import op
import sqlalchemy as sa


revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("threads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.Enum("published", "pending", "rejected", name="poststatus",
                                                        native_enum=False, create_constraint=False, length=20),
                                      nullable=False, server_default="published"))
        batch_op.add_column(sa.Column("hidden_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("hidden_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("hidden_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_threads_hidden_by_id_users"), "users", ["hidden_by_id"], ["id"],
                                    ondelete="SET NULL")
    # A thread is as far through moderation as its opening post (the first top-level post).
    op.execute("""
        UPDATE threads SET status = (
            SELECT posts.status FROM posts
            WHERE posts.thread_id = threads.id AND posts.parent_id IS NULL
            ORDER BY posts.created_at, posts.id LIMIT 1)
        WHERE EXISTS (SELECT 1 FROM posts WHERE posts.thread_id = threads.id AND posts.parent_id IS NULL)
    """)


def downgrade():
    with op.batch_alter_table("threads", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_threads_hidden_by_id_users"), type_="foreignkey")
        batch_op.drop_column("hidden_by_id")
        batch_op.drop_column("hidden_reason")
        batch_op.drop_column("hidden_at")
        batch_op.drop_column("status")
