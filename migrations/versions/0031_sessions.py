"""dialogue sessions: a consultation's dialogue tables (``dialogue_sessions``, their themes in
``session_themes``), the registrations for them (``session_registrations``: one active
registration per person and session, seats and waiting list in one table), their agenda items,
the written input per item (one per organisation) and the numbered minutes points

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
        sa.Column("agenda_published_at", sa.DateTime(), nullable=True),
        sa.Column("minutes_published_at", sa.DateTime(), nullable=True),
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
    op.create_table(
        "session_agenda_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["dialogue_sessions.id"],
                                name=op.f("fk_session_agenda_items_session_id_dialogue_sessions"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_agenda_items")),
    )
    op.create_index(op.f("ix_session_agenda_items_session_id"), "session_agenda_items", ["session_id"], unique=False)
    op.create_table(
        "session_written_inputs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agenda_item_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["agenda_item_id"], ["session_agenda_items.id"],
                                name=op.f("fk_session_written_inputs_agenda_item_id_session_agenda_items"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_session_written_inputs_author_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_session_written_inputs_organisation_id_organisations"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_written_inputs")),
        sa.UniqueConstraint("agenda_item_id", "organisation_id",
                            name=op.f("uq_session_written_inputs_agenda_item_id")),
    )
    op.create_index(op.f("ix_session_written_inputs_organisation_id"), "session_written_inputs",
                    ["organisation_id"], unique=False)
    op.create_table(
        "session_minutes_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agenda_item_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["agenda_item_id"], ["session_agenda_items.id"],
                                name=op.f("fk_session_minutes_points_agenda_item_id_session_agenda_items"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_minutes_points")),
        sa.UniqueConstraint("agenda_item_id", "number", name=op.f("uq_session_minutes_points_agenda_item_id")),
    )


def downgrade():
    op.drop_table("session_minutes_points")
    op.drop_index(op.f("ix_session_written_inputs_organisation_id"), table_name="session_written_inputs")
    op.drop_table("session_written_inputs")
    op.drop_index(op.f("ix_session_agenda_items_session_id"), table_name="session_agenda_items")
    op.drop_table("session_agenda_items")
    op.drop_index("uq_session_registrations_active_person", table_name="session_registrations")
    op.drop_index("ix_session_registrations_session_status", table_name="session_registrations")
    op.drop_index(op.f("ix_session_registrations_user_id"), table_name="session_registrations")
    op.drop_index(op.f("ix_session_registrations_organisation_id"), table_name="session_registrations")
    op.drop_table("session_registrations")
    op.drop_table("session_themes")
    op.drop_index(op.f("ix_dialogue_sessions_consultation_id"), table_name="dialogue_sessions")
    op.drop_table("dialogue_sessions")
