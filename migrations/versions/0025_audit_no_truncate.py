"""the audit trail's append-only trigger also refuses TRUNCATE (PostgreSQL)

Revision ID: 0025
Revises: 0024
"""
from alembic import op

from consult.audit.models import NO_TRUNCATE_TRIGGER

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(NO_TRUNCATE_TRIGGER)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
