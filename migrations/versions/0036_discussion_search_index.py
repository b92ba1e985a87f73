"""the discussion search's full-text index on PostgreSQL (a post's text as a Dutch search document,
GIN); SQLite searches by substring and gets none

Revision ID: 0036
Revises: 0035
"""
from alembic import op


revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    # Inside the migration's transaction: CONCURRENTLY would wait for every open transaction on the
    # database to end, including one held by whoever runs the migration (it hung the test that
    # migrates a database it has open). Posts wait for the index while it is built.
    op.execute("CREATE INDEX ix_posts_body_search ON posts USING gin (to_tsvector('dutch'::regconfig, body))")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_posts_body_search")
