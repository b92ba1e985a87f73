"""dialogue sessions: a consultation's dialogue tables (``dialogue_sessions``, their themes in
``session_themes``) and the registrations for them (``session_registrations``: one active
registration per person and session, seats and waiting list in one table)

Revision ID: 0031
Revises: 0030
"""
from alembic import op
import sqlalchemy as sa


revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "dialogue_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("online_link", sa.String(length=500), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("seats_per_organisation", sa.Integer(), nullable=False),
        sa.Column("audience", sa.Enum("providers", "councils", "both", "invited", name="sessionaudience",
                                      native_enum=False, create_constraint=False, length=20), nullable=False),
        sa.Column("registration_deadline", sa.DateTime(), nullable=False),
        sa.Column("status", sa.Enum("scheduled", "cancelled", name="sessionstatus", native_enum=False,
                                    create_constraint=False, length=20), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["consultation_id"], ["consultations.id"],
                                name=op.f("fk_dialogue_sessions_consultation_id_consultations"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_dialogue_sessions_created_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dialogue_sessions")),
    )
    op.create_index(op.f("ix_dialogue_sessions_consultation_id"), "dialogue_sessions", ["consultation_id"],
                    unique=False)
    op.create_table(
        "session_themes",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["dialogue_sessions.id"],
                                name=op.f("fk_session_themes_session_id_dialogue_sessions"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["theme_id"], ["themes.id"], name=op.f("fk_session_themes_theme_id_themes"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("session_id", "theme_id", name=op.f("pk_session_themes")),
    )
    op.create_table(
        "session_registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.Enum("registered", "waiting", "cancelled", name="registrationstatus",
                                    native_enum=False, create_constraint=False, length=20), nullable=False),
        sa.Column("attended", sa.Boolean(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("seated_at", sa.DateTime(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_session_registrations_organisation_id_organisations"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["session_id"], ["dialogue_sessions.id"],
                                name=op.f("fk_session_registrations_session_id_dialogue_sessions"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_session_registrations_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_registrations")),
    )
    op.create_index(op.f("ix_session_registrations_organisation_id"), "session_registrations",
                    ["organisation_id"], unique=False)
    op.create_index(op.f("ix_session_registrations_user_id"), "session_registrations", ["user_id"], unique=False)
    op.create_index("ix_session_registrations_session_status", "session_registrations", ["session_id", "status"],
                    unique=False)
    op.create_index("uq_session_registrations_active_person", "session_registrations", ["session_id", "user_id"],
                    unique=True, sqlite_where=sa.text("status != 'cancelled'"),
                    postgresql_where=sa.text("status != 'cancelled'"))


def downgrade():
    op.drop_index("uq_session_registrations_active_person", table_name="session_registrations")
    op.drop_index("ix_session_registrations_session_status", table_name="session_registrations")
    op.drop_index(op.f("ix_session_registrations_user_id"), table_name="session_registrations")
    op.drop_index(op.f("ix_session_registrations_organisation_id"), table_name="session_registrations")
    op.drop_table("session_registrations")
    op.drop_table("session_themes")
    op.drop_index(op.f("ix_dialogue_sessions_consultation_id"), table_name="dialogue_sessions")
    op.drop_table("dialogue_sessions")
