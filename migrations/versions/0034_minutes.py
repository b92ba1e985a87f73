"""minutes as evidence: consent to be named on a session registration, the comment period of
published minutes, minutes points attributed to an organisation and changed in versions, the
registrants' comments per point with the team's answer (``session_minutes_comments``), the
publication choice of written input (existing input: "do not publish"), and tags and key quotes on
minutes points and written input

Revision ID: 0034
Revises: 0033
"""
from alembic import op
import sqlalchemy as sa


revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None

OLD_TARGET = "(response_id IS NOT NULL AND question_id IS NOT NULL) OR post_id IS NOT NULL"
NEW_TARGET = OLD_TARGET + " OR minutes_point_id IS NOT NULL OR written_input_id IS NOT NULL"


def upgrade():
    with op.batch_alter_table("dialogue_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("comments_close_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("session_registrations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("may_name_organisation", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table("session_minutes_points", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("changed_after_publication_at", sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_session_minutes_points_organisation_id_organisations"),
                                    "organisations", ["organisation_id"], ["id"], ondelete="SET NULL")
        batch_op.create_index(batch_op.f("ix_session_minutes_points_organisation_id"), ["organisation_id"],
                              unique=False)
    with op.batch_alter_table("session_written_inputs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("publication", sa.Enum("named", "anonymous", "none", name="publication",
                                                              native_enum=False, create_constraint=False, length=20),
                                      nullable=False, server_default="none"))
    op.create_table(
        "session_minutes_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("point_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("corrected", sa.Boolean(), nullable=False),
        sa.Column("replied_by_id", sa.Integer(), nullable=True),
        sa.Column("replied_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["point_id"], ["session_minutes_points.id"],
                                name=op.f("fk_session_minutes_comments_point_id_session_minutes_points"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_session_minutes_comments_organisation_id_organisations"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"],
                                name=op.f("fk_session_minutes_comments_author_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["replied_by_id"], ["users.id"],
                                name=op.f("fk_session_minutes_comments_replied_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_minutes_comments")),
    )
    for column in ("point_id", "organisation_id", "author_id"):
        op.create_index(op.f(f"ix_session_minutes_comments_{column}"), "session_minutes_comments", [column],
                        unique=False)
    with op.batch_alter_table("codings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("minutes_point_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("written_input_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_codings_minutes_point_id_session_minutes_points"),
                                    "session_minutes_points", ["minutes_point_id"], ["id"], ondelete="CASCADE")
        batch_op.create_foreign_key(batch_op.f("fk_codings_written_input_id_session_written_inputs"),
                                    "session_written_inputs", ["written_input_id"], ["id"], ondelete="CASCADE")
        batch_op.create_index(batch_op.f("ix_codings_minutes_point_id"), ["minutes_point_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_codings_written_input_id"), ["written_input_id"], unique=False)
        batch_op.drop_constraint(batch_op.f("ck_codings_target"), type_="check")
        batch_op.create_check_constraint("target", sa.text(NEW_TARGET))
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("minutes_point_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("written_input_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_quotes_minutes_point_id_session_minutes_points"),
                                    "session_minutes_points", ["minutes_point_id"], ["id"], ondelete="CASCADE")
        batch_op.create_foreign_key(batch_op.f("fk_quotes_written_input_id_session_written_inputs"),
                                    "session_written_inputs", ["written_input_id"], ["id"], ondelete="CASCADE")
        batch_op.create_index(batch_op.f("ix_quotes_minutes_point_id"), ["minutes_point_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_quotes_written_input_id"), ["written_input_id"], unique=False)


def downgrade():
    op.execute("DELETE FROM quotes WHERE minutes_point_id IS NOT NULL OR written_input_id IS NOT NULL")
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quotes_written_input_id"))
        batch_op.drop_index(batch_op.f("ix_quotes_minutes_point_id"))
        batch_op.drop_constraint(batch_op.f("fk_quotes_written_input_id_session_written_inputs"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_quotes_minutes_point_id_session_minutes_points"), type_="foreignkey")
        batch_op.drop_column("written_input_id")
        batch_op.drop_column("minutes_point_id")
    op.execute("DELETE FROM codings WHERE response_id IS NULL AND post_id IS NULL")
    with op.batch_alter_table("codings", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_codings_target"), type_="check")
        batch_op.create_check_constraint("target", sa.text(OLD_TARGET))
        batch_op.drop_index(batch_op.f("ix_codings_written_input_id"))
        batch_op.drop_index(batch_op.f("ix_codings_minutes_point_id"))
        batch_op.drop_constraint(batch_op.f("fk_codings_written_input_id_session_written_inputs"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_codings_minutes_point_id_session_minutes_points"), type_="foreignkey")
        batch_op.drop_column("written_input_id")
        batch_op.drop_column("minutes_point_id")
    for column in ("author_id", "organisation_id", "point_id"):
        op.drop_index(op.f(f"ix_session_minutes_comments_{column}"), table_name="session_minutes_comments")
    op.drop_table("session_minutes_comments")
    with op.batch_alter_table("session_written_inputs", schema=None) as batch_op:
        batch_op.drop_column("publication")
    with op.batch_alter_table("session_minutes_points", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_minutes_points_organisation_id"))
        batch_op.drop_constraint(batch_op.f("fk_session_minutes_points_organisation_id_organisations"),
                                 type_="foreignkey")
        batch_op.drop_column("changed_after_publication_at")
        batch_op.drop_column("updated_at")
        batch_op.drop_column("version")
        batch_op.drop_column("organisation_id")
    with op.batch_alter_table("session_registrations", schema=None) as batch_op:
        batch_op.drop_column("may_name_organisation")
    with op.batch_alter_table("dialogue_sessions", schema=None) as batch_op:
        batch_op.drop_column("comments_close_at")
