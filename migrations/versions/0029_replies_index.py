"""one post's replies in order from an index: (parent_id, created_at, id) replaces the index on
parent_id alone (its first column), so the first replies of a post, a page of them and their count
no longer sort or read every reply

Revision ID: 0029
Revises: 0025
"""
from alembic import op

revision = "0029"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_posts_parent_created", "posts", ["parent_id", "created_at", "id"], unique=False)
    op.drop_index("ix_posts_parent_id", table_name="posts")


def downgrade():
    op.create_index("ix_posts_parent_id", "posts", ["parent_id"], unique=False)
    op.drop_index("ix_posts_parent_created", table_name="posts")
