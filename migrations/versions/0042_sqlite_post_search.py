"""the discussion search on SQLite: a trigram full-text index of the posts' text (``posts_fts``,
FTS5 with the posts as its content) kept by triggers; PostgreSQL has its GIN index (0036)

Revision ID: 0042
Revises: 0041
"""
from alembic import op


revision = "0042"
down_revision = "0041"
branch_labels = None
depends_on = None

# As consult.dialogue.models.SQLITE_POST_SEARCH at this revision (a migration keeps its own copy).
STATEMENTS = (
    "DROP TRIGGER IF EXISTS posts_fts_insert",
    "DROP TRIGGER IF EXISTS posts_fts_delete",
    "DROP TRIGGER IF EXISTS posts_fts_update",
    "DROP TABLE IF EXISTS posts_fts",
    "CREATE VIRTUAL TABLE posts_fts USING fts5(body, content='posts', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts BEGIN "
    "INSERT INTO posts_fts (rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts BEGIN "
    "INSERT INTO posts_fts (posts_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER posts_fts_update AFTER UPDATE OF body ON posts BEGIN "
    "INSERT INTO posts_fts (posts_fts, rowid, body) VALUES ('delete', old.id, old.body); "
    "INSERT INTO posts_fts (rowid, body) VALUES (new.id, new.body); END",
    "INSERT INTO posts_fts (posts_fts) VALUES ('rebuild')",  # the posts already there
)


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in ("posts_fts_insert", "posts_fts_delete", "posts_fts_update"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS posts_fts")
