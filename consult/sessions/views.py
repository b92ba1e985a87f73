"""Dialogue-session pages: the list and a session's page (everyone in its audience), scheduling,
changing and cancelling (the team), registering and cancelling a registration (providers and
councils), the calendar file (registrants), the participant list, its export and attendance (the team)."""
from __future__ import annotations

from datetime import timedelta

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from consult.audit.services import record_event
from consult.consultations.loaders import load_consultation
from consult.core.access import deny_hidden
from consult.core.conflicts import keep_on_conflict
from consult.core.refused import flash_refused, refuse_on
from consult.core.templating import format_day
from consult.core.time import combine_local, to_local, utcnow
from consult.disclosure import Audience
from consult.disclosure.sessions import attribution
from consult.extensions import db
from consult.orgs.models import Organisation
from consult.responses.models import Publication
from consult.sessions import bp
from consult.sessions.calendar import calendar_entry
from consult.sessions.exporters import ParticipantsCsv
from consult.sessions.forms import (
    INPUT_PUBLICATION_LABELS,
    NOBODY,
    AgendaItemForm,
    AnswerForm,
    AttendanceForm,
    CancelRegistrationForm,
    CancelSessionForm,
    CommentForm,
    ConsentForm,
    EditPointForm,
    MinutesPointForm,
    PublishForm,
    PublishMinutesForm,
    RegisterForm,
    SessionForm,
    WrittenInputForm,
)
from consult.sessions.models import AgendaItem, DialogueSession, MinutesPoint, RegistrationStatus
from consult.sessions.permissions import (
    audience_organisations,
    can_answer_comments,
    can_cancel_registration,
    can_change_minutes_comment,
    can_comment_minutes,
    can_give_written_input,
    can_manage_session,
    can_read_minutes,
    can_register,
    can_schedule_sessions,
    can_see_participants,
    can_view_session,
    managed_comment_or_404,
    managed_registration_or_404,
    own_comment_or_404,
    own_registration,
    own_registration_or_404,
    own_written_inputs,
    viewer_organisations,
    visible_sessions,
)
from consult.sessions.services import (
    ANSWERED_COMMENT,
    COMMENT_DAYS,
    InputChangedMeanwhile,
    PointChangedMeanwhile,
    SessionChangedMeanwhile,
    SessionRefused,
    add_agenda_item,
    add_minutes_point,
    answer_comment,
    attributable_organisations,
    cancel_registration,
    cancel_session,
    change_comment,
    change_minutes_point,
    change_session,
    comment_on_point,
    consenting_ids,
    counts,
    delete_agenda_item,
    load_minutes,
    publish_agenda,
    publish_minutes,
    record_attendance,
    register,
    save_written_input,
    schedule_session,
    session_comments,
    set_consent,
    team_registrations,
    waiting_position,
    written_inputs,
)


def _load(session_id: int) -> DialogueSession:
    """The session, or 404 (the login page for an anonymous visitor) when the user may not see it."""
    session = db.session.get(DialogueSession, session_id, options=[joinedload(DialogueSession.consultation)])
    if session is None:
        abort(404)
    if not can_view_session(current_user, session):
        deny_hidden()
    return session


def _fields(form: SessionForm, consultation) -> dict:
    day = form.starts_on.data
    chosen = set(form.themes.data or [])
    return dict(title=form.title.data, purpose=form.purpose.data, address=form.address.data,
                online_link=form.online_link.data,
                starts_at=combine_local(day, form.starts_time.data), ends_at=combine_local(day, form.ends_time.data),
                registration_deadline=combine_local(form.deadline_on.data, form.deadline_time.data),
                capacity=form.capacity.data, seats_per_organisation=form.seats_per_organisation.data,
                audience=form.audience.data, themes=[t for t in consultation.themes if t.id in chosen])


def _session_form(consultation, session: DialogueSession | None = None) -> SessionForm:
    form = SessionForm(obj=session)
    form.themes.choices = [(theme.id, theme.title) for theme in consultation.themes]
    if request.method == "GET" and session is not None:
        start, end, deadline = (to_local(session.starts_at), to_local(session.ends_at),
                                to_local(session.registration_deadline))
        form.starts_on.data, form.starts_time.data, form.ends_time.data = start.date(), start.time(), end.time()
        form.deadline_on.data, form.deadline_time.data = deadline.date(), deadline.time()
        form.themes.data = [theme.id for theme in session.themes]
        form.audience.data = session.audience.value
    return form


def _refuse(form, refused: SessionRefused) -> None:
    refuse_on(getattr(form, refused.field or "title", form.title), refused)


@bp.route("/consultations/<slug>/sessions")
def index(slug: str):
    consultation = load_consultation(slug, team_users=False)
    sessions = visible_sessions(current_user, consultation)
    if not sessions and not can_schedule_sessions(current_user, consultation) and not current_user.is_authenticated:
        deny_hidden()  # sessions are for the audience: log in to see them
    return render_template("sessions/index.html", consultation=consultation, sessions=sessions,
                           counts={session.id: counts(session) for session in sessions})


@bp.route("/consultations/<slug>/sessions/new", methods=["GET", "POST"])
@login_required
def new(slug: str):
    consultation = load_consultation(slug)
    if not can_schedule_sessions(current_user, consultation):
        abort(403)
    form = _session_form(consultation)
    if form.validate_on_submit():
        try:
            session = schedule_session(consultation, by=current_user, **_fields(form, consultation))
        except SessionRefused as refused:
            _refuse(form, refused)
        else:
            db.session.commit()
            flash(_("The session has been scheduled."), "ok")
            return redirect(url_for("sessions.show", session_id=session.id))
    return render_template("sessions/form.html", consultation=consultation, form=form, session=None)


@bp.route("/sessions/<int:session_id>")
def show(session_id: int):
    session = _load(session_id)
    return _show(session)


def _show(session: DialogueSession, register_form: RegisterForm | None = None, input_forms: dict | None = None,
          status: int = 200, consent_form: ConsentForm | None = None):
    mine = own_registration(current_user, session)
    own_inputs = own_written_inputs(current_user, session)
    input_forms = input_forms or {}
    if can_give_written_input(current_user, session):
        choices = [(org.id, org.name) for org in audience_organisations(current_user, session)]
        for item in session.agenda:
            form = input_forms.get(item.id)
            if form is None:
                # The form starts from the input of the first organisation (the one registered for, if any).
                org_id = mine.organisation_id if mine else choices[0][0]
                written = own_inputs.get((item.id, org_id))
                form = WrittenInputForm(prefix=f"i{item.id}", formdata=None, organisation=org_id,
                                        text=written.text if written else "",
                                        publication=(written.publication if written else Publication.NONE).value,
                                        version=written.version if written else 0)
                input_forms[item.id] = form
            form.organisation.choices = choices
            form.text.label.text = _("Your written input on “%(item)s”", item=item.title)  # one label per item
    if register_form is None and can_register(current_user, session) and mine is None:
        register_form = RegisterForm()
    if register_form is not None:
        register_form.organisation.choices = [(org.id, org.name)
                                              for org in audience_organisations(current_user, session)]
    seated, waiting = counts(session)
    return render_template("sessions/show.html", session=session, consultation=session.consultation,
                           mine=mine, position=waiting_position(mine) if mine else None,
                           seated=seated, waiting=waiting, register_form=register_form,
                           cancel_registration_form=CancelRegistrationForm(), input_forms=input_forms,
                           own_inputs=own_inputs, input_publication_labels=INPUT_PUBLICATION_LABELS,
                           consent_form=consent_form or (ConsentForm(
                               formdata=None, may_name="yes" if mine.may_name_organisation else "no") if mine else None),
                           cancel_form=CancelSessionForm(version=session.version)), status


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@login_required
def edit(session_id: int):
    session = _load(session_id)
    consultation = session.consultation
    if not can_manage_session(current_user, session):
        abort(403)
    if session.cancelled:
        flash(_("A cancelled session cannot be changed."), "error")
        return redirect(url_for("sessions.show", session_id=session.id))
    form = _session_form(consultation, session)
    conflict = None
    if form.validate_on_submit():
        try:
            changed = change_session(session, by=current_user, version=form.version.data,
                                     **_fields(form, consultation))
        except SessionChangedMeanwhile as stale:
            keep_on_conflict(form.title, form.version, stale.session)
            conflict = stale.session
        except SessionRefused as refused:
            _refuse(form, refused)
        else:
            db.session.commit()
            flash(_("The session has been changed; every registrant has been told.") if changed
                  else _("Nothing was changed."), "ok")
            return redirect(url_for("sessions.show", session_id=session.id))
    return render_template("sessions/form.html", consultation=consultation, form=form, session=session,
                           conflict=conflict), 409 if conflict else 200


@bp.route("/sessions/<int:session_id>/cancel", methods=["POST"])
@login_required
def cancel(session_id: int):
    session = _load(session_id)
    if not can_manage_session(current_user, session):
        abort(403)
    form = CancelSessionForm()
    if not form.validate_on_submit():
        flash(_("The form had expired. Send it again."), "error")
        return redirect(url_for("sessions.show", session_id=session_id))
    try:
        cancel_session(session, by=current_user, version=form.version.data)
    except SessionChangedMeanwhile:
        db.session.rollback()
        flash(_("Someone else changed this session in the meantime. Check it and cancel again."), "error")
        return redirect(url_for("sessions.show", session_id=session_id))
    db.session.commit()
    flash(_("The session has been cancelled; every registrant has been told."), "ok")
    return redirect(url_for("sessions.show", session_id=session_id))


@bp.route("/sessions/<int:session_id>/register", methods=["POST"])
@login_required
def register_view(session_id: int):
    session = _load(session_id)
    if not can_register(current_user, session):
        abort(403)
    form = RegisterForm()
    organisations = {org.id: org for org in audience_organisations(current_user, session)}
    form.organisation.choices = [(org_id, org.name) for org_id, org in organisations.items()]
    if form.validate_on_submit():
        try:
            registration = register(session, by=current_user, organisation=organisations[form.organisation.data],
                                    may_name_organisation=form.may_name.data)
        except SessionRefused as refused:
            refuse_on(form.organisation, refused)
        else:
            db.session.commit()
            if registration.status == RegistrationStatus.REGISTERED:
                flash(_("You are registered. Add the session to your calendar with the calendar file."), "ok")
            else:
                flash(_("The session is full: you are number %(n)d on the waiting list.",
                        n=waiting_position(registration)), "ok")
            return redirect(url_for("sessions.show", session_id=session.id))
    return _show(session, register_form=form)


@bp.route("/sessions/registrations/<int:registration_id>/cancel", methods=["POST"])
@login_required
def cancel_registration_view(registration_id: int):
    registration = own_registration_or_404(current_user, registration_id)
    session = registration.session
    if not can_cancel_registration(current_user, registration):
        abort(403)
    if not CancelRegistrationForm().validate_on_submit():
        flash(_("The form had expired. Send it again."), "error")
        return redirect(url_for("sessions.show", session_id=session.id))
    try:
        cancel_registration(registration, by=current_user)
    except SessionRefused as refused:
        flash_refused(refused)
    else:
        db.session.commit()
        flash(_("Your registration has been cancelled."), "ok")
    return redirect(url_for("sessions.show", session_id=session.id))


@bp.route("/sessions/<int:session_id>/calendar.ics")
@login_required
def calendar(session_id: int):
    session = _load(session_id)
    if own_registration(current_user, session) is None and not can_manage_session(current_user, session):
        abort(404)
    body = calendar_entry(session, page_url=url_for("sessions.show", session_id=session.id, _external=True))
    return Response(body, content_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="sessie-{session.id}.ics"'})


@bp.route("/sessions/<int:session_id>/participants")
@login_required
def participants(session_id: int):
    session = _load(session_id)
    if not can_see_participants(current_user, session):
        abort(403)
    registered, waiting = team_registrations(session)
    forms = {registration.id: AttendanceForm(
        prefix=f"r{registration.id}",
        attended={True: "yes", False: "no", None: "unknown"}[registration.attended]) for registration in registered}
    return render_template("sessions/participants.html", session=session, consultation=session.consultation,
                           registered=registered, waiting=waiting, forms=forms)


@bp.route("/sessions/<int:session_id>/participants.csv")
@login_required
def export(session_id: int):
    session = _load(session_id)
    if not can_see_participants(current_user, session):
        abort(403)
    exporter = ParticipantsCsv(session, *team_registrations(session))
    body = exporter.render()
    record_event("session_participants_exported", actor=current_user, obj=session)
    db.session.commit()
    return Response(body, content_type=exporter.content_type,
                    headers={"Content-Disposition": f'attachment; filename="{exporter.filename}"'})


@bp.route("/sessions/<int:session_id>/participants/<int:registration_id>/attendance", methods=["POST"])
@login_required
def attendance(session_id: int, registration_id: int):
    session = _load(session_id)
    if not can_manage_session(current_user, session):
        abort(403)
    registration = managed_registration_or_404(current_user, session, registration_id)
    form = AttendanceForm(prefix=f"r{registration.id}")
    back = url_for("sessions.participants", session_id=session.id) + f"#registration-{registration.id}"
    if not form.validate_on_submit():  # no choice, or one that is not offered
        flash(_("Choose the attendance of %(name)s.", name=registration.user.name), "error")
        return redirect(back)
    try:
        record_attendance(registration, {"yes": True, "no": False}.get(form.attended.data), by=current_user)
    except SessionRefused as refused:
        flash_refused(refused)
    else:
        db.session.commit()
        flash(_("Attendance of %(name)s has been recorded.", name=registration.user.name), "ok")
    return redirect(back)


# --- agenda, written input and minutes -------------------------------------------------

def _item_or_404(item_id: int) -> AgendaItem:
    item = db.session.get(AgendaItem, item_id)
    if item is None:
        abort(404)
    _load(item.session_id)  # 404 (or the login page) for who may not see the session
    return item


def _attribution_choices(session: DialogueSession, current: Organisation | None = None) -> list[tuple[int, str]]:
    """The organisations a point can be attributed to, each marked whether it agreed to be named;
    with the point's ``current`` organisation also when it no longer has a seat (it may stay)."""
    consenting = consenting_ids(session)
    organisations = attributable_organisations(session)
    choices = [(NOBODY, _("Not attributed"))] + [
        (org.id, _("%(org)s (agreed to be named)", org=org.name) if org.id in consenting
         else _("%(org)s (not named: shown as “a participant”)", org=org.name))
        for org in organisations]
    if current is not None and current.id not in {org.id for org in organisations}:
        choices.append((current.id, _("%(org)s (agreed to be named)", org=current.name) if current.id in consenting
                        else _("%(org)s (no longer registered; shown as “a participant”)", org=current.name)))
    return choices


def _agenda_page(session: DialogueSession, item_form: AgendaItemForm | None = None,
                 point_forms: dict | None = None, status: int = 200,
                 publish_minutes_form: PublishMinutesForm | None = None):
    point_forms = point_forms or {}
    choices = _attribution_choices(session)
    for item in session.agenda:
        form = point_forms.setdefault(item.id, MinutesPointForm(prefix=f"m{item.id}", formdata=None))
        form.text.label.text = _("New point under “%(item)s”", item=item.title)  # one label per item
        form.organisation.label.text = _("Point under “%(item)s” attributed to", item=item.title)
        form.organisation.choices = choices
    if publish_minutes_form is None:
        publish_minutes_form = PublishMinutesForm(
            formdata=None, comments_until=to_local(utcnow()).date() + timedelta(days=COMMENT_DAYS))
    return render_template("sessions/agenda.html", session=session, consultation=session.consultation,
                           item_form=item_form or AgendaItemForm(formdata=None), point_forms=point_forms,
                           inputs=written_inputs(session), publish_form=PublishForm(),
                           publish_minutes_form=publish_minutes_form,
                           consenting=consenting_ids(session),
                           who=lambda organisation: attribution(organisation, (), Audience.TEAM)), status


@bp.route("/sessions/<int:session_id>/agenda", methods=["GET", "POST"])
@login_required
def agenda(session_id: int):
    """The team's page for the agenda, the written input it received and the minutes."""
    session = _load(session_id)
    if not can_see_participants(current_user, session):
        abort(403)
    form = AgendaItemForm()
    if request.method == "POST":
        if not can_manage_session(current_user, session):
            abort(403)
        if form.validate_on_submit():
            try:
                add_agenda_item(session, title=form.title.data, description=form.description.data, by=current_user)
            except SessionRefused as refused:
                refuse_on(form.title, refused)
            else:
                db.session.commit()
                flash(_("The agenda item has been added."), "ok")
                return redirect(url_for("sessions.agenda", session_id=session.id))
    return _agenda_page(session, item_form=form)


@bp.route("/sessions/agenda/<int:agenda_item_id>/delete", methods=["POST"])
@login_required
def delete_item(agenda_item_id: int):
    item = _item_or_404(agenda_item_id)
    session = item.session
    if not can_manage_session(current_user, session):
        abort(403)
    if PublishForm().validate_on_submit():
        try:
            delete_agenda_item(item, by=current_user)
        except SessionRefused as refused:
            flash_refused(refused)
        else:
            db.session.commit()
            flash(_("The agenda item has been removed."), "ok")
    return redirect(url_for("sessions.agenda", session_id=session.id))


@bp.route("/sessions/<int:session_id>/agenda/publish", methods=["POST"])
@login_required
def publish_agenda_view(session_id: int):
    session = _load(session_id)
    if not can_manage_session(current_user, session):
        abort(403)
    if PublishForm().validate_on_submit():
        try:
            publish_agenda(session, by=current_user)
        except SessionRefused as refused:
            flash_refused(refused)
        else:
            db.session.commit()
            flash(_("The agenda has been published; the registrants have been told."), "ok")
    return redirect(url_for("sessions.agenda", session_id=session.id))


@bp.route("/sessions/agenda/<int:agenda_item_id>/input", methods=["POST"])
@login_required
def written_input(agenda_item_id: int):
    """A participant's written input on one agenda item, on behalf of their organisation."""
    item = _item_or_404(agenda_item_id)
    session = item.session
    if not can_give_written_input(current_user, session):
        abort(403)
    organisations = {org.id: org for org in audience_organisations(current_user, session)}
    form = WrittenInputForm(prefix=f"i{item.id}")
    form.organisation.choices = [(org_id, org.name) for org_id, org in organisations.items()]
    if form.validate_on_submit():
        try:
            save_written_input(item, organisation=organisations[form.organisation.data], text=form.text.data,
                               by=current_user, version=form.version.data, publication=form.publication.data)
        except InputChangedMeanwhile as stale:
            keep_on_conflict(form.text, form.version, stale.written)
        except SessionRefused as refused:
            refuse_on(form.publication if refused.field == "publication" else form.text, refused)
        else:
            db.session.commit()
            flash(_("Your written input on “%(item)s” has been saved. The project team reads it.", item=item.title), "ok")
            return redirect(url_for("sessions.show", session_id=session.id) + f"#item-{item.id}")
    return _show(session, input_forms={item.id: form})


@bp.route("/sessions/agenda/<int:agenda_item_id>/minutes", methods=["POST"])
@login_required
def minutes_point(agenda_item_id: int):
    item = _item_or_404(agenda_item_id)
    session = item.session
    if not can_manage_session(current_user, session):
        abort(403)
    form = MinutesPointForm(prefix=f"m{item.id}")
    form.organisation.choices = _attribution_choices(session)
    if form.validate_on_submit():
        try:
            point = add_minutes_point(item, text=form.text.data, by=current_user,
                                      organisation=_organisation(session, form.organisation.data))
        except SessionRefused as refused:
            refuse_on(form.text, refused)
        else:
            db.session.commit()
            flash(_("Point %(n)s has been added.", n=f"{item.position + 1}.{point.number}"), "ok")
            return redirect(url_for("sessions.agenda", session_id=session.id) + f"#item-{item.id}")
    return _agenda_page(session, point_forms={item.id: form})


@bp.route("/sessions/<int:session_id>/minutes/publish", methods=["POST"])
@login_required
def publish_minutes_view(session_id: int):
    session = _load(session_id)
    if not can_manage_session(current_user, session):
        abort(403)
    form = PublishMinutesForm()
    if form.validate_on_submit():
        try:
            publish_minutes(session, by=current_user, comments_until=form.comments_until.data)
        except SessionRefused as refused:
            if refused.field == "comments_until":
                refuse_on(form.comments_until, refused)
                return _agenda_page(session, publish_minutes_form=form)
            flash_refused(refused)
        else:
            db.session.commit()
            flash(_("The minutes have been published to the registrants; they can comment up to and including "
                    "%(day)s.", day=format_day(session.comments_last_day)), "ok")
        return redirect(url_for("sessions.agenda", session_id=session.id))
    return _agenda_page(session, publish_minutes_form=form)


def _organisation(session: DialogueSession, org_id: int | None, current: Organisation | None = None):
    """The chosen organisation for an attribution (None for "not attributed"); the service checks
    that it is one of the session's registered organisations or the point's ``current`` one."""
    if not org_id:
        return None
    if current is not None and current.id == org_id:
        return current
    return next((org for org in attributable_organisations(session) if org.id == org_id), None) \
        or _Unregistered(org_id)


class _Unregistered:
    """An organisation id that is not among the registered ones: the service refuses it."""

    def __init__(self, org_id: int):
        self.id = org_id


def _point_or_404(point_id: int) -> MinutesPoint:
    point = db.session.get(MinutesPoint, point_id)
    if point is None:
        abort(404)
    _load(point.item.session_id)
    return point


@bp.route("/sessions/minutes/<int:minutes_point_id>/edit", methods=["GET", "POST"])
@login_required
def edit_point(minutes_point_id: int):
    """The team changes a point's text or attribution (after publication with a visible note)."""
    point = _point_or_404(minutes_point_id)
    session = point.item.session
    if not can_manage_session(current_user, session):
        abort(403)
    # Not obj=point: its "organisation" is the related row, not the number the select holds.
    form = EditPointForm(text=point.text, organisation=point.organisation_id or NOBODY, version=point.version)
    form.text.label.text = _("Point %(n)s", n=f"{point.item.position + 1}.{point.number}")
    form.organisation.choices = _attribution_choices(session, current=point.organisation)
    conflict = None
    if form.validate_on_submit():
        try:
            changed = change_minutes_point(point, text=form.text.data, by=current_user, version=form.version.data,
                                           organisation=_organisation(session, form.organisation.data,
                                                                      current=point.organisation))
        except PointChangedMeanwhile as stale:
            keep_on_conflict(form.text, form.version, stale.stored)
            conflict = stale.stored
        except SessionRefused as refused:
            refuse_on(getattr(form, refused.field or "text", form.text), refused)
        else:
            db.session.commit()
            flash(_("Point %(n)s has been changed.", n=f"{point.item.position + 1}.{point.number}") if changed
                  else _("Nothing was changed."), "ok")
            return redirect(url_for("sessions.agenda", session_id=session.id) + f"#point-{point.id}")
    return render_template("sessions/edit_point.html", session=session, consultation=session.consultation,
                           point=point, form=form, conflict=conflict), 409 if conflict else 200


@bp.route("/sessions/registrations/<int:registration_id>/consent", methods=["POST"])
@login_required
def consent(registration_id: int):
    """The registrant changes whether their organisation may be named in the minutes."""
    registration = own_registration_or_404(current_user, registration_id)
    session = registration.session
    if not registration.active:
        abort(404)
    form = ConsentForm()
    if not form.validate_on_submit():
        return _show(session, consent_form=form)
    changed = set_consent(registration, form.may_name.data == "yes", by=current_user)
    db.session.commit()
    flash(_("Your choice has been saved.") if changed else _("Nothing was changed."), "ok")
    return redirect(url_for("sessions.show", session_id=session.id) + "#registration-title")


def _minutes_page(session: DialogueSession, comment_forms: dict | None = None, status: int = 200):
    team = can_see_participants(current_user, session)
    audience = Audience.TEAM if team else Audience.PARTICIPANT
    consenting = consenting_ids(session)
    own = viewer_organisations(current_user, session)
    comment_forms = comment_forms or {}
    may_comment = can_comment_minutes(current_user, session)
    load_minutes(session)
    if may_comment:
        for item in session.agenda:
            for point in item.minutes:
                form = comment_forms.setdefault(point.id, CommentForm(prefix=f"p{point.id}", formdata=None))
                form.text.label.text = _("Your comment on point %(n)s", n=f"{item.position + 1}.{point.number}")
    mine = own_registration(current_user, session)

    def who(organisation) -> str:
        return attribution(organisation, consenting, audience, own)

    return render_template("sessions/minutes.html", session=session, consultation=session.consultation,
                           comments=session_comments(session), comment_forms=comment_forms, who=who,
                           team=team, may_comment=may_comment, mine=mine,
                           may_answer=can_answer_comments(current_user, session)), status


@bp.route("/sessions/<int:session_id>/minutes")
@login_required
def minutes(session_id: int):
    session = _load(session_id)
    if not can_read_minutes(current_user, session):
        abort(404)
    return _minutes_page(session)


@bp.route("/sessions/minutes/<int:minutes_point_id>/comments", methods=["POST"])
@login_required
def comment(minutes_point_id: int):
    """A registrant's comment on one point, on behalf of the organisation they registered for."""
    point = _point_or_404(minutes_point_id)
    session = point.item.session
    if not can_read_minutes(current_user, session):
        abort(404)
    form = CommentForm(prefix=f"p{point.id}")
    mine = own_registration(current_user, session)
    if not can_comment_minutes(current_user, session) or mine is None:
        if mine is not None and session.minutes_published_at is not None:
            flash(_("The comment period on these minutes has ended; comments can no longer be added or changed."),
                  "error")
            return redirect(url_for("sessions.minutes", session_id=session.id) + f"#point-{point.id}")
        abort(403)
    if form.validate_on_submit():
        try:
            comment_on_point(point, organisation=mine.organisation, text=form.text.data, by=current_user)
        except SessionRefused as refused:
            refuse_on(form.text, refused)
        else:
            db.session.commit()
            flash(_("Your comment on point %(n)s has been saved. The project team answers it.",
                    n=f"{point.item.position + 1}.{point.number}"), "ok")
            return redirect(url_for("sessions.minutes", session_id=session.id) + f"#point-{point.id}")
    return _minutes_page(session, comment_forms={point.id: form})


@bp.route("/sessions/comments/<int:minutes_comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit_comment(minutes_comment_id: int):
    comment = own_comment_or_404(current_user, minutes_comment_id)
    session = comment.point.item.session
    back = url_for("sessions.minutes", session_id=session.id) + f"#point-{comment.point_id}"
    if not can_change_minutes_comment(current_user, comment):
        flash(str(ANSWERED_COMMENT) if comment.replied_at is not None else
              _("The comment period on these minutes has ended; comments can no longer be added or changed."),
              "error")
        return redirect(back)
    form = CommentForm(obj=None if request.method == "POST" else comment)
    point = comment.point
    form.text.label.text = _("Your comment on point %(n)s", n=f"{point.item.position + 1}.{point.number}")
    conflict = None
    if form.validate_on_submit():
        try:
            changed = change_comment(comment, text=form.text.data, by=current_user, version=form.version.data)
        except PointChangedMeanwhile as stale:
            keep_on_conflict(form.text, form.version, stale.stored)
            conflict = stale.stored
        except SessionRefused as refused:
            refuse_on(form.text, refused)
        else:
            db.session.commit()
            flash(_("Your comment has been changed.") if changed else _("Nothing was changed."), "ok")
            return redirect(back)
    return render_template("sessions/comment_form.html", session=session, consultation=session.consultation,
                           comment=comment, form=form, conflict=conflict, answering=False), 409 if conflict else 200


@bp.route("/sessions/comments/<int:minutes_comment_id>/answer", methods=["GET", "POST"])
@login_required
def answer(minutes_comment_id: int):
    """The team answers a comment on a minutes point (and says whether the point was corrected)."""
    comment = managed_comment_or_404(current_user, minutes_comment_id)
    session = comment.point.item.session
    form = AnswerForm(obj=None if request.method == "POST" else comment)
    conflict = None
    if form.validate_on_submit():
        try:
            changed = answer_comment(comment, reply=form.reply.data, corrected=form.corrected.data,
                                     by=current_user, version=form.version.data)
        except PointChangedMeanwhile as stale:
            keep_on_conflict(form.reply, form.version, stale.stored)
            conflict = stale.stored
        except SessionRefused as refused:
            refuse_on(form.reply, refused)
        else:
            db.session.commit()
            flash(_("The answer has been saved; the commenter has been told.") if changed
                  else _("Nothing was changed."), "ok")
            return redirect(url_for("sessions.minutes", session_id=session.id) + f"#comment-{comment.id}")
    return render_template("sessions/comment_form.html", session=session, consultation=session.consultation,
                           comment=comment, form=form, conflict=conflict, answering=True), 409 if conflict else 200
