"""what a care provider offered when it submitted, as rows (``submitted_offers``), so the analysis can
filter by lot and municipality; filled in for earlier submissions from their canonical copies

Revision ID: 0039
Revises: 0038
"""
import json

from alembic import op
import sqlalchemy as sa


revision = "0039"
down_revision = "0038"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "submitted_offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"],
                                name=op.f("fk_submitted_offers_submission_id_submissions"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["response_id"], ["responses.id"],
                                name=op.f("fk_submitted_offers_response_id_responses"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submitted_offers")),
    )
    op.create_index(op.f("ix_submitted_offers_submission_id"), "submitted_offers", ["submission_id"], unique=False)
    op.create_index(op.f("ix_submitted_offers_response_id"), "submitted_offers", ["response_id"], unique=False)
    op.create_index("ix_submitted_offers_lot_current", "submitted_offers", ["lot_id", "current", "response_id"],
                    unique=False)
    # Earlier submissions: the lots and municipalities their canonical copy names, by name within the
    # consultation's lots and each lot's own municipalities (a lot renamed since, or a municipality no
    # longer in it, is taken from what the response offers now, for its latest submission only).
    conn = op.get_bind()
    lots = {(consultation_id, name): lot_id for lot_id, consultation_id, name in conn.execute(
        sa.text("SELECT id, consultation_id, name FROM lots"))}
    where = {(lot_id, name): org_id for lot_id, org_id, name in conn.execute(sa.text(
        "SELECT lm.lot_id, o.id, o.name FROM lot_municipalities lm JOIN organisations o ON o.id = lm.organisation_id"))}
    offered_now: dict[int, list] = {}
    for response_id, lot_id, municipality_id in conn.execute(
            sa.text("SELECT response_id, lot_id, municipality_id FROM offered_lots")):
        offered_now.setdefault(response_id, []).append((lot_id, municipality_id))
    latest = dict(conn.execute(sa.text("SELECT response_id, MAX(number) FROM submissions GROUP BY response_id")).all())
    rows = []
    for submission_id, response_id, number, consultation_id, canonical in conn.execute(sa.text(
            "SELECT s.id, s.response_id, s.number, r.consultation_id, s.canonical FROM submissions s "
            "JOIN responses r ON r.id = s.response_id")):
        offer = json.loads(canonical).get("offer") or []
        current = number == latest[response_id]
        pairs, missing = set(), False
        for item in offer:
            lot_id = lots.get((consultation_id, item.get("lot")))
            for name in item.get("municipalities", []):
                if lot_id is not None and (lot_id, name) in where:
                    pairs.add((lot_id, where[(lot_id, name)]))
                else:
                    missing = True
        if missing and current:
            pairs = set(offered_now.get(response_id, []))
        rows += [{"submission_id": submission_id, "response_id": response_id, "lot_id": lot_id,
                  "municipality_id": municipality_id, "current": current} for lot_id, municipality_id in sorted(pairs)]
    if rows:
        op.bulk_insert(sa.table("submitted_offers", sa.column("submission_id", sa.Integer),
                                sa.column("response_id", sa.Integer), sa.column("lot_id", sa.Integer),
                                sa.column("municipality_id", sa.Integer), sa.column("current", sa.Boolean)), rows)


def downgrade():
    op.drop_table("submitted_offers")
