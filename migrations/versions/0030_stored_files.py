"""stored files share one set of columns: a council's advice document moves from five columns on
``advices`` into its own row in ``advice_files`` (the columns of every uploaded file); answer exports
get the SHA-256 that report files already had; the stored name of an export or a report file is
unique, as that of every other stored file

Revision ID: 0030
Revises: 0029

Existing advice documents are copied into ``advice_files`` (one row per advice that has one) and
copied back on downgrade. Exports finished before this revision keep an empty SHA-256.
"""
from alembic import op
import sqlalchemy as sa


revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "advice_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("advice_id", sa.Integer(), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("file_type", sa.String(length=10), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["advice_id"], ["advices.id"], name=op.f("fk_advice_files_advice_id_advices"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advice_files")),
        sa.UniqueConstraint("advice_id", name=op.f("uq_advice_files_advice_id")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_advice_files_stored_name")),
    )
    # The five columns were always set and cleared together; the fallbacks only keep a row that
    # was written by hand from failing the NOT NULL of the new table.
    op.execute(
        "INSERT INTO advice_files (advice_id, original_name, file_type, stored_name, size, sha256) "
        "SELECT id, COALESCE(file_name, 'document'), COALESCE(file_type, ''), file_stored_name, "
        "COALESCE(file_size, 0), COALESCE(file_sha256, '') FROM advices WHERE file_stored_name IS NOT NULL")
    # Not batch_alter_table: on SQLite that copies ``advices`` into a new table and drops the old
    # one, and with foreign keys on (as the application connects) dropping it deletes every
    # advice point and the advice_files rows just written (ON DELETE CASCADE). The columns are in
    # no index or constraint, so a plain DROP COLUMN (SQLite 3.35 and later) keeps all rows.
    for column in ("file_sha256", "file_size", "file_type", "file_stored_name", "file_name"):
        op.drop_column("advices", column)

    with op.batch_alter_table("export_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sha256", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_export_jobs_stored_name"), ["stored_name"])
    with op.batch_alter_table("report_files", schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f("uq_report_files_stored_name"), ["stored_name"])


def downgrade():
    with op.batch_alter_table("report_files", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_report_files_stored_name"), type_="unique")
    with op.batch_alter_table("export_jobs", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_export_jobs_stored_name"), type_="unique")
        batch_op.drop_column("sha256")

    # Plain ADD COLUMN for the reason given in upgrade(): ``advices`` is never copied.
    op.add_column("advices", sa.Column("file_name", sa.String(length=255), nullable=True))
    op.add_column("advices", sa.Column("file_stored_name", sa.String(length=64), nullable=True))
    op.add_column("advices", sa.Column("file_type", sa.String(length=10), nullable=True))
    op.add_column("advices", sa.Column("file_size", sa.Integer(), nullable=True))
    op.add_column("advices", sa.Column("file_sha256", sa.String(length=64), nullable=True))
    columns = {"file_name": "original_name", "file_stored_name": "stored_name", "file_type": "file_type",
               "file_size": "size", "file_sha256": "sha256"}
    op.execute("UPDATE advices SET " + ", ".join(
        f"{old} = (SELECT advice_files.{new} FROM advice_files WHERE advice_files.advice_id = advices.id)"
        for old, new in columns.items()))
    op.drop_table("advice_files")
