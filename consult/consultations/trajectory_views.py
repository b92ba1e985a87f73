"""Trajectories: the team links consultations as rounds; everyone sees the timeline of the rounds
they may see; provider and council members ask to join an invitation-only round; the team decides."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consult.consultations import bp
from consult.consultations.loaders import load_consultation
from consult.consultations.models import Consultation, TeamMember
from consult.consultations.permissions import (
    can_ask_to_join,
    can_edit_consultation,
    can_manage_trajectory,
    can_set_access,
    joining_organisations,
)
from consult.consultations.trajectory_forms import AddRoundForm, DecideJoinForm, JoinRequestForm, NewTrajectoryForm
from consult.consultations.trajectory_models import JoinRequest, JoinStatus, Trajectory, TrajectoryRound
from consult.consultations.trajectory_services import (
    AlreadyHandled,
    TrajectoryRefused,
    add_round,
    create_trajectory,
    decide_join_request,
    editable_consultations,
    move_round,
    own_requests,
    remove_round,
    request_to_join,
    round_of,
    timeline,
)
from consult.core.refused import refuse_on
from consult.core.time import utcnow
from consult.extensions import db


def _load_trajectory(slug: str) -> Trajectory:
    trajectory = db.session.scalar(select(Trajectory).where(Trajectory.slug == slug).options(
        selectinload(Trajectory.rounds).selectinload(TrajectoryRound.consultation).options(
            selectinload(Consultation.team).selectinload(TeamMember.user),
            selectinload(Consultation.invited), selectinload(Consultation.phases))))
    if trajectory is None:
        abort(404)
    return trajectory


def _round(trajectory: Trajectory, round_id: int) -> TrajectoryRound:
    found = next((r for r in trajectory.rounds if r.id == round_id), None)
    if found is None:
        abort(404)
    return found


def _join_form(organisations) -> JoinRequestForm:
    form = JoinRequestForm()
    form.organisation.choices = [(org.id, org.name) for org in organisations]
    return form


def _timeline_page(trajectory: Trajectory, forms: dict | None = None, status: int = 200):
    entries = timeline(trajectory, current_user)
    if not entries:
        abort(404)  # nothing of it this person may see: it does not exist for them
    organisations = joining_organisations(current_user)
    forms = forms or {}
    for entry in entries:
        if entry.on_invitation and entry.round.id not in forms and can_ask_to_join(current_user, entry.consultation):
            forms[entry.round.id] = _join_form(organisations)
    asked = {entry.round.id: own_requests(current_user, entry.consultation) for entry in entries if entry.on_invitation}
    return render_template("consultations/trajectory.html", trajectory=trajectory, entries=entries,
                           forms=forms, asked=asked, now=utcnow()), status


# --- public -----------------------------------------------------------------------------------

@bp.route("/trajectories/<trajectory_slug>")
def trajectory(trajectory_slug: str):
    return _timeline_page(_load_trajectory(trajectory_slug))


@bp.route("/trajectories/<trajectory_slug>/rounds/<int:round_id>/join", methods=["POST"])
@login_required
def trajectory_join(trajectory_slug: str, round_id: int):
    trajectory = _load_trajectory(trajectory_slug)
    item = _round(trajectory, round_id)
    if not can_ask_to_join(current_user, item.consultation):
        abort(403)
    organisations = joining_organisations(current_user)
    form = _join_form(organisations)
    if form.validate_on_submit():
        organisation = next(org for org in organisations if org.id == form.organisation.data)
        try:
            request_to_join(item.consultation, organisation, reason=form.reason.data, by=current_user)
        except TrajectoryRefused as refused:
            refuse_on(form.reason, refused)
        else:
            db.session.commit()
            flash(_("Your request has been sent to the project team. You will hear their decision."), "ok")
            return redirect(url_for("consultations.trajectory", trajectory_slug=trajectory.slug) + f"#round-{item.id}")
    return _timeline_page(trajectory, {item.id: form}, status=400)


# --- the team builds the trajectory ------------------------------------------------------------

@bp.route("/consultations/<slug>/manage/trajectory", methods=["GET", "POST"])
@login_required
def trajectory_setup(slug: str):
    """Start a trajectory with this consultation as its first round (or go to its trajectory)."""
    consultation = load_consultation(slug)
    if not can_edit_consultation(current_user, consultation):
        abort(403)
    item = round_of(consultation)
    if item is not None:
        return redirect(url_for("consultations.trajectory_manage", trajectory_slug=item.trajectory.slug))
    form = NewTrajectoryForm()
    if form.validate_on_submit():
        try:
            made = create_trajectory(title=form.title.data, description=form.description.data, first=consultation,
                                     label=form.label.data, by=current_user)
        except TrajectoryRefused as refused:
            refuse_on(form.title, refused)
        else:
            db.session.commit()
            flash(_("The trajectory has been created with this consultation as round 1."), "ok")
            return redirect(url_for("consultations.trajectory_manage", trajectory_slug=made.slug))
    return render_template("consultations/trajectory_new.html", consultation=consultation, form=form)


@bp.route("/trajectories/<trajectory_slug>/manage", methods=["GET", "POST"])
@login_required
def trajectory_manage(trajectory_slug: str):
    trajectory = _load_trajectory(trajectory_slug)
    if not can_manage_trajectory(current_user, trajectory):
        abort(403)
    form = AddRoundForm()
    candidates = editable_consultations(current_user)
    form.consultation.choices = [("", _("Choose a consultation"))] + [(c.id, c.title) for c in candidates]
    if form.validate_on_submit():
        consultation = next((c for c in candidates if c.id == form.consultation.data), None)
        if consultation is None:
            form.consultation.errors = [*form.consultation.errors, _("Choose a consultation.")]
        else:
            try:
                add_round(trajectory, consultation, label=form.label.data, by=current_user)
            except TrajectoryRefused as refused:
                refuse_on(form.consultation, refused)
            else:
                db.session.commit()
                flash(_("The round has been added."), "ok")
                return redirect(url_for("consultations.trajectory_manage", trajectory_slug=trajectory.slug))
    return render_template("consultations/trajectory_manage.html", trajectory=trajectory, form=form), \
        400 if form.errors else 200


@bp.route("/trajectories/<trajectory_slug>/rounds/<int:round_id>/<action>", methods=["POST"])
@login_required
def trajectory_round_action(trajectory_slug: str, round_id: int, action: str):
    trajectory = _load_trajectory(trajectory_slug)
    if not can_manage_trajectory(current_user, trajectory):
        abort(403)
    item = _round(trajectory, round_id)
    if action not in ("up", "down", "remove"):
        abort(404)
    try:
        if action == "remove":
            remove_round(item, by=current_user)
        else:
            move_round(item, -1 if action == "up" else 1, by=current_user)
    except TrajectoryRefused as refused:
        db.session.rollback()
        flash(str(refused.message), "error")
    else:
        db.session.commit()
        flash(_("The round has been removed from the trajectory.") if action == "remove"
              else _("The order of the rounds has been saved."), "ok")
    return redirect(url_for("consultations.trajectory_manage", trajectory_slug=trajectory.slug))


# --- the team decides on requests to join ------------------------------------------------------

@bp.route("/consultations/<slug>/manage/access/requests/<int:join_id>", methods=["GET", "POST"])
@login_required
def join_decide(slug: str, join_id: int):
    consultation = load_consultation(slug)
    if not can_set_access(current_user, consultation):
        abort(403)
    join = db.session.get(JoinRequest, join_id)
    if join is None or join.consultation_id != consultation.id:
        abort(404)
    form = DecideJoinForm(version=join.version)
    handled = None
    if join.status == JoinStatus.PENDING and form.validate_on_submit():
        try:
            decide_join_request(join, grant=form.decision.data == "grant", reason=form.reason.data,
                                version=form.version.data, by=current_user)
        except TrajectoryRefused as refused:
            refuse_on(form.reason, refused)
        except AlreadyHandled as already:
            db.session.rollback()
            handled = db.session.get(JoinRequest, already.request.id)
        else:
            db.session.commit()
            flash(_("%(org)s is now invited.", org=join.organisation.name) if join.status == JoinStatus.GRANTED
                  else _("The request has been declined; %(org)s has been told why.", org=join.organisation.name), "ok")
            return redirect(url_for("consultations.access", slug=slug))
    if join.status != JoinStatus.PENDING:
        handled = join
    return render_template("consultations/join_decide.html", consultation=consultation, join=join, form=form,
                           handled=handled), 409 if handled is not None and form.is_submitted() else \
        (400 if form.errors else 200)
