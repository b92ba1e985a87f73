"""The audit trail viewer: every event for admins, a consultation's own events for its team."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from flask import Response, abort, render_template, request, stream_with_context
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from consult.audit import bp
from consult.audit.models import AuditEvent
from consult.audit.permissions import can_read_audit
from consult.audit.services import AuditFilter, filtered_events, record_event
from consult.core.cells import escape_cell
from consult.core.time import AMSTERDAM, to_local
from consult.extensions import db

PER_PAGE = 50


def _day(name: str, errors: list[str]) -> date | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors.append(_("Enter a valid date, for example 2026-11-01."))
        return None


def _criteria(consultation_id: int | None) -> tuple[AuditFilter, list[str]]:
    errors: list[str] = []
    start, end = _day("from", errors), _day("to", errors)
    if start and end and end < start:
        errors.append(_("The end of the period is before its start."))
        end = None
    criteria = AuditFilter(
        actor=request.args.get("actor", "").strip()[:200],
        action=request.args.get("action", "").strip()[:64],
        object_type=request.args.get("object_type", "").strip()[:64],
        object_id=request.args.get("object_id", "").strip()[:64],
        start=datetime.combine(start, time(), tzinfo=AMSTERDAM) if start else None,
        end=datetime.combine(end + timedelta(days=1), time(), tzinfo=AMSTERDAM) if end else None,
        consultation_id=consultation_id,
    )
    return criteria, errors


def _choices(consultation_id: int | None, column) -> list[str]:
    query = select(column).distinct().where(column.is_not(None)).order_by(column)
    if consultation_id is not None:
        query = query.where(AuditEvent.consultation_id == consultation_id)
    return list(db.session.scalars(query))


def _batches(query, size: int = 500) -> Iterator[AuditEvent]:
    """The events of ``query`` (newest first) fetched a batch at a time, by id."""
    last = None
    while True:
        batch_query = query if last is None else query.where(AuditEvent.id < last)
        batch = db.session.scalars(batch_query.limit(size)).unique().all()
        yield from batch
        if len(batch) < size:
            return
        last = batch[-1].id


def _csv(events) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    buffer.write("\ufeff")
    writer.writerow([_("Number"), _("Time"), _("Actor"), _("Action"), _("Object"), _("Object number"),
                     _("Consultation"), _("Result"), _("IP address"), _("Details"), _("Hash")])
    for event in events:
        writer.writerow([event.seq or "", to_local(event.created_at).isoformat(timespec="seconds"),
                         escape_cell(event.actor.email if event.actor else ""), event.action,
                         event.object_type or "", event.object_id or "", event.consultation_id or "",
                         event.result, event.ip or "", escape_cell(_detail_text(event.detail)),
                         event.hash or ""])
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()


def _detail_text(detail) -> str:
    return ", ".join(f"{key}={value}" for key, value in sorted((detail or {}).items()))


def show_events(consultation=None):
    """The trail (of one consultation, or the whole platform), filtered by the query string, as a
    page or a CSV download; the caller has checked who may read it."""
    consultation_id = consultation.id if consultation is not None else None
    criteria, errors = _criteria(consultation_id)
    query = filtered_events(criteria)
    if request.args.get("format") == "csv" and not errors:
        record_event("audit_exported", actor=current_user, obj=consultation,
                     filters={k: v for k, v in request.args.items() if k != "format" and v})
        db.session.commit()
        get_locale()  # decided now, while the user is loaded, and kept for the streamed rows
        events = _batches(query)
        name = f"audit-{consultation.slug if consultation else 'platform'}-{date.today():%Y%m%d}.csv"
        return Response(stream_with_context(_csv(events)), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    page = db.paginate(query, per_page=PER_PAGE, error_out=False)
    args = {k: v for k, v in request.args.items() if k not in ("page", "format", "slug") and v}
    scope = {"slug": consultation.slug} if consultation is not None else {}
    return render_template(
        "audit/events.html", page=page, consultation=consultation, errors=errors, args=args,
        scope=scope, url_args={**args, **scope},
        actions=_choices(consultation_id, AuditEvent.action),
        object_types=_choices(consultation_id, AuditEvent.object_type),
        detail_text=_detail_text,
    )


@bp.route("/admin/audit")
@login_required
def platform_events():
    if not can_read_audit(current_user):
        abort(403)
    return show_events()
