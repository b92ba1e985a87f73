"""submitted answers as rows next to the frozen canonical copy

Revision ID: 0023
Revises: 0022

Every submission keeps its canonical JSON (the receipt's hash is computed over it, it is never
changed). Its answers are now also rows, indexed by consultation, question, organisation and
revision, so analysis, filters, counts, the team's response list and the exports query and page
in SQL. The rows of existing submissions are filled in from their canonical copies here; the
latest revision of each response is the current one.
"""
import json

from alembic import op
import sqlalchemy as sa


revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

BATCH = 200


def _format_number(value) -> str:
    """As consult.responses.answers.format_number at the time of this migration."""
    if float(value).is_integer():
        return str(int(value))
    text = f"{value:.6f}".rstrip("0")
    if len(text.split(".")[1]) < 2:
        text += "0"
    return text.replace(".", ",")


def _text(answer) -> str:
    """As consult.responses.display.snapshot_value at the time of this migration."""
    value = answer["value"]
    if value in (None, "", []):
        return ""
    if answer["kind"] == "multiple":
        return "; ".join(value)
    if answer["kind"] == "number":
        return f"{_format_number(value)} {answer.get('unit') or ''}".strip()
    return str(value)


def _row(answer) -> dict:
    kind, value = answer["kind"], answer["value"]
    text = _text(answer)
    # A kind added after this revision whose answer is a list or a mapping (a ranking, a cost-price sheet)
    # is JSON too: a database taken back past this revision and upgraded again keeps such answers.
    as_json = kind == "multiple" or isinstance(value, (list, dict))
    return {
        "question_id": answer["question_id"], "theme": answer["theme"], "question": answer["question"],
        "kind": kind, "unit": answer.get("unit"), "confidential": bool(answer["confidential"]),
        "attachments": answer.get("attachments") or [],
        "value_text": value if kind not in ("multiple", "scale", "number") and not as_json else None,
        "value_number": float(value) if kind in ("scale", "number") and value is not None else None,
        "value_choices": json.dumps(value, ensure_ascii=False) if as_json and value is not None else None,
        "text": text, "folded": text.casefold(),
    }


def _backfill():
    conn = op.get_bind()
    table = sa.table(
        "submitted_answers", *(sa.column(name) for name in (
            "submission_id", "response_id", "consultation_id", "organisation_id", "question_id", "revision",
            "current", "position", "publication", "theme", "question", "kind", "unit", "value_text",
            "value_number", "value_choices", "text", "folded", "confidential")),
        sa.column("attachments", sa.JSON()))
    latest = dict(conn.execute(sa.text("SELECT response_id, MAX(number) FROM submissions GROUP BY response_id")).all())
    last_id = 0
    while True:
        batch = conn.execute(sa.text(
            "SELECT s.id, s.response_id, s.number, s.canonical, r.consultation_id, r.organisation_id "
            "FROM submissions s JOIN responses r ON r.id = s.response_id "
            "WHERE s.id > :last ORDER BY s.id LIMIT :n"), {"last": last_id, "n": BATCH}).all()
        if not batch:
            return
        rows = []
        for submission_id, response_id, number, canonical, consultation_id, organisation_id in batch:
            snapshot = json.loads(canonical)
            for position, answer in enumerate(snapshot["answers"]):
                rows.append({"submission_id": submission_id, "response_id": response_id,
                             "consultation_id": consultation_id, "organisation_id": organisation_id,
                             "revision": number, "current": number == latest[response_id], "position": position,
                             "publication": snapshot.get("publication"), **_row(answer)})
        if rows:
            conn.execute(table.insert(), rows)
        last_id = batch[-1][0]


def upgrade():
    op.create_table(
        "submitted_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("publication", sa.String(length=20), nullable=True),
        sa.Column("theme", sa.Text(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=True),
        sa.Column("value_text", sa.Text(), nullable=True),
        sa.Column("value_number", sa.Float(), nullable=True),
        sa.Column("value_choices", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("folded", sa.Text(), nullable=False),
        sa.Column("confidential", sa.Boolean(), nullable=False),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["consultation_id"], ["consultations.id"],
                                name=op.f("fk_submitted_answers_consultation_id_consultations"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_submitted_answers_organisation_id_organisations"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["response_id"], ["responses.id"],
                                name=op.f("fk_submitted_answers_response_id_responses"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"],
                                name=op.f("fk_submitted_answers_submission_id_submissions"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submitted_answers")),
        sa.UniqueConstraint("submission_id", "question_id", name=op.f("uq_submitted_answers_submission_id")),
    )
    with op.batch_alter_table("submitted_answers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_submitted_answers_response_id"), ["response_id"], unique=False)
        batch_op.create_index("ix_submitted_answers_question_current", ["question_id", "current", "response_id"],
                              unique=False)
        batch_op.create_index("ix_submitted_answers_consultation_current",
                              ["consultation_id", "current", "question_id"], unique=False)
        batch_op.create_index("ix_submitted_answers_organisation_revision", ["organisation_id", "revision"],
                              unique=False)
    _backfill()


def downgrade():
    with op.batch_alter_table("submitted_answers", schema=None) as batch_op:
        batch_op.drop_index("ix_submitted_answers_organisation_revision")
        batch_op.drop_index("ix_submitted_answers_consultation_current")
        batch_op.drop_index("ix_submitted_answers_question_current")
        batch_op.drop_index(batch_op.f("ix_submitted_answers_response_id"))
    op.drop_table("submitted_answers")
