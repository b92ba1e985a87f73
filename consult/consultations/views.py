"""Consultation pages: public reading, the team's editor, publishing, closing, extending.

Views: load (404) → authorise (403 via a named predicate) → act (a service) → respond.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from wtforms import ValidationError

from consult.auth.services import get_user_by_email
from consult.consultations import bp
from consult.consultations.conditions import (
    ConditionRefused,
    choices_from_condition,
    condition_from_choices,
    number_choices,
    position_of,
    rule_groups,
    rule_problem,
)
from consult.consultations.forms import (
    AccessForm,
    ConditionFields,
    DetailsForm,
    DocumentForm,
    ExtendForm,
    LotForm,
    NewConsultationForm,
    PhaseForm,
    ProcurementForm,
    QuestionForm,
    ReasonForm,
    ReplaceDocumentForm,
    TeamMemberForm,
    ThemeForm,
)
from consult.consultations.loaders import load_consultation
from consult.consultations.models import (
    Audience,
    Consultation,
    Document,
    DocumentVersion,
    Question,
    QuestionKind,
    Status,
    TeamRole,
    Theme,
    consultation_invited_organisations,
)
from consult.consultations.permissions import (
    can_create_consultation,
    can_edit_consultation,
    can_manage_team,
    can_read_consultation_audit,
    can_set_access,
    can_view_consultation,
    is_team,
)
from consult.consultations.services import (
    ChangedMeanwhile,
    ChangeRefused,
    ConditionBroken,
    LotRefused,
    PublishBlocked,
    ThemeExists,
    TitleTaken,
    add_document,
    close,
    create_consultation,
    delete_lot,
    delete_phase,
    delete_question,
    delete_theme,
    extend_deadline,
    move_question,
    move_theme,
    publish,
    publish_problems,
    remove_team_member,
    replace_document,
    save_lot,
    save_phase,
    save_question,
    save_theme,
    scope_problem,
    set_access,
    set_procurement_notice,
    set_team_member,
    slug_taken,
    update_details,
)
from consult.consultations.trajectory_services import earlier_questions, pending_requests, round_of, same_as_allowed
from consult.core.conflicts import keep_on_conflict
from consult.core.forms import db_int
from consult.core.htmx import htmx_redirect, is_htmx, retarget
from consult.core.paging import arg_page
from consult.core.refused import flash_refused, refuse_on
from consult.core.time import combine_local, to_local, utcnow
from consult.core.uploads import UploadRejected, store_upload
from consult.extensions import db
from consult.orgs.models import Organisation, OrgKind

# --- loading and authorising ------------------------------------------------------------

# What the public page and the editors show; other pages load only what they use.
CONTENT = (
    selectinload(Consultation.phases),
    selectinload(Consultation.documents).selectinload(Document.versions),
    selectinload(Consultation.themes).selectinload(Theme.questions),
    selectinload(Consultation.announcements),
)


def load_for_edit(slug: str) -> Consultation:
    consultation = load_consultation(slug, *CONTENT)
    if not can_edit_consultation(current_user, consultation):
        abort(403)
    return consultation


def _child(items, item_id: int):
    """A theme, question, phase or document of this consultation, or 404 (ids of others never match)."""
    found = next((item for item in items if item.id == item_id), None)
    if found is None:
        abort(404)
    return found


def _question(consultation: Consultation, question_id: int) -> Question:
    return _child([q for theme in consultation.themes for q in theme.questions], question_id)


def municipality_choices() -> list[tuple[int, str]]:
    orgs = db.session.scalars(select(Organisation).where(Organisation.kind == OrgKind.MUNICIPALITY)
                              .order_by(Organisation.name))
    return [(org.id, org.name) for org in orgs]


def _municipalities(ids: list[int]) -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).where(
        Organisation.id.in_(ids), Organisation.kind == OrgKind.MUNICIPALITY).order_by(Organisation.name)))


# --- public -----------------------------------------------------------------------------

@bp.route("/consultations")
def index():
    visible = db.session.scalars(
        select(Consultation).where(Consultation.status != Status.DRAFT)
        .options(selectinload(Consultation.municipalities), selectinload(Consultation.team),
                 selectinload(Consultation.invited))
        .order_by(Consultation.closes_at.desc())
    ).all()
    drafts = []
    if current_user.is_authenticated:
        candidates = db.session.scalars(
            select(Consultation).where(Consultation.status == Status.DRAFT)
            .options(selectinload(Consultation.team), selectinload(Consultation.municipalities))
            .order_by(Consultation.created_at.desc())
        ).all()
        drafts = [c for c in candidates if is_team(current_user, c)]
    visible = [c for c in visible if can_view_consultation(current_user, c)]
    now = utcnow()
    open_ones = [c for c in visible if c.accepts_responses(now)]
    past = [c for c in visible if not c.accepts_responses(now)]
    return render_template("consultations/index.html", open_ones=open_ones, past=past, drafts=drafts)


@bp.route("/consultations/<slug>")
def show(slug: str):
    consultation = load_consultation(slug, *CONTENT)
    return render_template("consultations/show.html", consultation=consultation,
                           audience=None, preview=False, now=utcnow(), trajectory_round=round_of(consultation))


@bp.route("/consultations/<slug>/preview/<audience>")
@login_required
def preview(slug: str, audience: str):
    """Exactly what that audience will see, questions filtered to it."""
    consultation = load_consultation(slug, *CONTENT)
    if not is_team(current_user, consultation):
        abort(403)
    if audience not in (Audience.PROVIDERS.value, Audience.COUNCILS.value):
        abort(404)
    return render_template("consultations/show.html", consultation=consultation,
                           audience=Audience(audience), preview=True, now=utcnow(), trajectory_round=round_of(consultation))


@bp.route("/consultations/<slug>/documents/<int:document_id>")
@bp.route("/consultations/<slug>/documents/<int:document_id>/<int:version_id>")
def download(slug: str, document_id: int, version_id: int | None = None):
    consultation = load_consultation(slug)
    document = _child(consultation.documents, document_id)
    version: DocumentVersion = _child(document.versions, version_id) if version_id else document.current
    return version.send()


# --- creating and the team (admins) -----------------------------------------------------

@bp.route("/consultations/new", methods=["GET", "POST"])
@login_required
def create():
    if not can_create_consultation(current_user):
        abort(403)
    form = NewConsultationForm()
    form.municipalities.choices = municipality_choices()
    if form.validate_on_submit():
        consultation = create_consultation(title=form.title.data,
                                           municipalities=_municipalities(form.municipalities.data),
                                           by=current_user)
        db.session.commit()
        flash(_("The consultation has been created as a draft. Add the project team and the content."), "ok")
        return redirect(url_for("consultations.team", slug=consultation.slug))
    return render_template("consultations/new.html", form=form)


@bp.route("/consultations/<slug>/team", methods=["GET", "POST"])
@login_required
def team(slug: str):
    consultation = load_consultation(slug)
    if not can_manage_team(current_user, consultation):
        abort(403)
    form = TeamMemberForm(role=TeamRole.EDITOR.value)
    if form.validate_on_submit():
        user = get_user_by_email(form.email.data)
        if user is None:
            form.email.errors.append(_("There is no account with this e-mail address. Invite the "
                                       "person to the municipality's organisation first."))
        else:
            set_team_member(consultation, user, TeamRole(form.role.data), by=current_user)
            db.session.commit()
            flash(_("%(name)s is now on the project team.", name=user.name), "ok")
            return redirect(url_for("consultations.team", slug=slug))
    return render_template("consultations/team.html", consultation=consultation, form=form)


@bp.route("/consultations/<slug>/team/<int:member_id>/remove", methods=["POST"])
@login_required
def team_remove(slug: str, member_id: int):
    consultation = load_consultation(slug)
    if not can_manage_team(current_user, consultation):
        abort(403)
    member = _child(consultation.team, member_id)
    if ReasonForm().validate_on_submit():
        remove_team_member(member, by=current_user)
        db.session.commit()
        flash(_("The team member has been removed."), "ok")
    return redirect(url_for("consultations.team", slug=slug))


# --- the team's overview and the details ------------------------------------------------

@bp.route("/consultations/<slug>/manage")
@login_required
def manage(slug: str):
    consultation = load_consultation(slug, *CONTENT)
    if not is_team(current_user, consultation):
        abort(403)
    return render_template("consultations/manage.html", consultation=consultation,
                           problems=publish_problems(consultation), extend_form=_extend_form(consultation),
                           confirm=ReasonForm())


def _extend_form(consultation: Consultation, formdata=None) -> ExtendForm:
    form = ExtendForm(formdata=formdata)
    if formdata is None and consultation.closes_at:
        local = to_local(consultation.closes_at)
        form.closes_at_date.data, form.closes_at_time.data = local.date(), local.time()
    return form


@bp.route("/consultations/<slug>/manage/details", methods=["GET", "POST"])
@login_required
def details(slug: str):
    consultation = load_for_edit(slug)
    form = DetailsForm(obj=consultation)
    form.municipalities.choices = municipality_choices()
    if request.method == "GET":
        form.municipalities.data = [m.id for m in consultation.municipalities]
        for name in ("opens_at", "closes_at"):
            value = getattr(consultation, name)
            if value:
                local = to_local(value)
                form[f"{name}_date"].data, form[f"{name}_time"].data = local.date(), local.time()
    if form.validate_on_submit():
        fields = dict(
            title=form.title.data, municipalities=_municipalities(form.municipalities.data),
            summary=form.summary.data, introduction=form.introduction.data,
            principles=form.principles.data, contact_name=form.contact_name.data,
            contact_email=form.contact_email.data, contact_phone=form.contact_phone.data,
            opens_at=combine_local(form.opens_at_date.data, form.opens_at_time.data),
            threads_public=form.threads_public.data, premoderation=form.premoderation.data,
        )
        if consultation.status != Status.OPEN:  # an open consultation's deadline only moves by extending
            fields["closes_at"] = combine_local(form.closes_at_date.data, form.closes_at_time.data)
        if consultation.status == Status.DRAFT and form.slug.data and form.slug.data != consultation.slug:
            if slug_taken(form.slug.data):
                form.slug.errors.append(_("Another consultation already uses this web address."))
                return render_template("consultations/details.html", consultation=consultation, form=form)
            fields["slug"] = form.slug.data
        try:
            update_details(consultation, by=current_user, **fields)
        except ChangeRefused as refused:
            db.session.rollback()
            form.form_errors.append(str(refused.message))
        else:
            db.session.commit()
            flash(_("The details have been saved."), "ok")
            return redirect(url_for("consultations.manage", slug=consultation.slug))
    return render_template("consultations/details.html", consultation=consultation, form=form)


@bp.route("/consultations/<slug>/manage/procurement", methods=["GET", "POST"])
@login_required
def procurement(slug: str):
    """The procurement notice this consultation prepared: editors enter it once the tender is announced."""
    consultation = load_consultation(slug, team_users=False)
    if not can_edit_consultation(current_user, consultation):
        abort(403)
    form = ProcurementForm(obj=consultation)
    if form.validate_on_submit():
        if set_procurement_notice(consultation, notice=form.procurement_notice.data,
                                  url=form.procurement_notice_url.data or "", by=current_user):
            db.session.commit()
            flash(_("The procurement notice has been saved."), "ok")
        return redirect(url_for("consultations.procurement", slug=consultation.slug))
    return render_template("consultations/procurement.html", consultation=consultation, form=form)


ACCESS_PAGE_SIZE = 50


class _AccessPageForm(AccessForm):
    """The access form of one page of organisations: closing needs an invited organisation after
    the save (``invited_after``, set by the view), which may be one on another page."""

    invited_after: set[int] | None = None

    def validate_organisations(self, field):
        if self.invited_after is None:
            return super().validate_organisations(field)
        if self.access.data == "closed" and not self.invited_after:
            raise ValidationError(_l("Choose at least one organisation to invite, or make the consultation public."))


def _invited_ids(consultation: Consultation, among=None) -> set[int]:
    link = consultation_invited_organisations
    query = select(link.c.organisation_id).where(link.c.consultation_id == consultation.id)
    if among is not None:
        query = query.where(link.c.organisation_id.in_(among))
    return set(db.session.scalars(query))


@bp.route("/consultations/<slug>/manage/access", methods=["GET", "POST"])
@login_required
def access(slug: str):
    """Public (the default) or closed to invited organisations; editors decide, in every phase.

    The organisations are listed a page at a time (``q`` filters by name, ``invited=1`` shows the
    invited ones only): a save changes the invitations of the organisations its page showed
    (``shown``) and keeps the others. A form without ``shown`` sets the whole list."""
    consultation = load_consultation(slug)
    if not can_set_access(current_user, consultation):
        abort(403)
    q = (request.values.get("q") or "").strip()[:100]
    only_invited = request.values.get("invited") == "1"
    query = select(Organisation).where(Organisation.kind.in_([OrgKind.PROVIDER, OrgKind.COUNCIL]))
    if q:
        query = query.where(func.lower(Organisation.name).contains(q.lower(), autoescape=True))
    if only_invited:
        query = query.where(Organisation.id.in_(
            select(consultation_invited_organisations.c.organisation_id)
            .where(consultation_invited_organisations.c.consultation_id == consultation.id)))
    query = query.order_by(func.lower(Organisation.name), Organisation.id)
    organisations = db.paginate(query, page=arg_page(values=request.values),
                                per_page=ACCESS_PAGE_SIZE, error_out=False)
    if organisations.pages and organisations.page > organisations.pages:  # an old link: the last page
        organisations = db.paginate(query, page=organisations.pages, per_page=ACCESS_PAGE_SIZE, error_out=False)
    on_page = [org.id for org in organisations.items]
    if request.method == "GET":
        form = _AccessPageForm(formdata=None, access="closed" if consultation.invited_only else "public",
                               organisations=sorted(_invited_ids(consultation, on_page)))
    else:
        form = _AccessPageForm()
    form.organisations.choices = [(org.id, f"{org.name} ({org.kind.label})") for org in organisations.items]
    if request.method == "POST":
        chosen_ids = {n for v in request.form.getlist("organisations") if (n := db_int(v)) is not None}
        shown_field = request.form.get("shown")
        if shown_field is None:  # the whole list: what is chosen is the circle
            shown = None
            wanted = chosen_ids
        else:
            shown = {n for v in shown_field.split(",") if (n := db_int(v)) is not None}
            wanted = (_invited_ids(consultation) - shown) | (chosen_ids & shown)
        known = list(db.session.scalars(select(Organisation).where(
            Organisation.id.in_(wanted | chosen_ids), Organisation.kind.in_([OrgKind.PROVIDER, OrgKind.COUNCIL])))) \
            if wanted | chosen_ids else []
        invited = [org for org in known if org.id in wanted]
        # Valid choices: the organisations of this page and any other invitable one the form sent.
        form.organisations.choices = form.organisations.choices + [
            (org.id, org.name) for org in known if org.id not in set(on_page)]
        form.invited_after = {org.id for org in invited} if shown is not None else None
    if form.validate_on_submit():
        was_closed = consultation.invited_only
        if set_access(consultation, invited_only=form.access.data == "closed", invited=invited, by=current_user):
            db.session.commit()
        if consultation.invited_only != was_closed:
            told = (_("This consultation is now closed: only the invited organisations see it.")
                    if consultation.invited_only else _("This consultation is now public: anyone reads what is published."))
        else:  # only the invitations changed (or nothing): say so, not that the access did
            told = (_("The invitations have been saved. Only the invited organisations see this consultation.")
                    if consultation.invited_only else
                    _("The invitations have been saved. The consultation stays public: anyone reads what is "
                      "published; the invitations count once it is closed."))
        flash(told, "ok")
        return redirect(url_for("consultations.access", slug=consultation.slug, q=q or None,
                                invited="1" if only_invited else None,
                                page=organisations.page if organisations.page > 1 else None))
    return render_template("consultations/access.html", consultation=consultation, form=form,
                           organisations=organisations, q=q, only_invited=only_invited,
                           join_requests=pending_requests(consultation), trajectory_round=round_of(consultation),
                           invited_count=db.session.scalar(select(func.count()).select_from(consultation_invited_organisations).where(
                               consultation_invited_organisations.c.consultation_id == consultation.id)))


# --- planning -----------------------------------------------------------------------------

@bp.route("/consultations/<slug>/manage/planning", methods=["GET", "POST"])
@bp.route("/consultations/<slug>/manage/planning/<int:phase_id>", methods=["GET", "POST"])
@login_required
def planning(slug: str, phase_id: int | None = None):
    consultation = load_for_edit(slug)
    phase = _child(consultation.phases, phase_id) if phase_id else None
    form = PhaseForm(obj=phase)
    if form.validate_on_submit():
        save_phase(consultation, phase, by=current_user, name=form.name.data,
                   description=form.description.data, starts_on=form.starts_on.data,
                   ends_on=form.ends_on.data)
        db.session.commit()
        flash(_("The planning has been saved."), "ok")
        return redirect(url_for("consultations.planning", slug=slug))
    return render_template("consultations/planning.html", consultation=consultation, form=form,
                           phase=phase, confirm=ReasonForm())


@bp.route("/consultations/<slug>/manage/planning/<int:phase_id>/delete", methods=["POST"])
@login_required
def phase_delete(slug: str, phase_id: int):
    consultation = load_for_edit(slug)
    phase = _child(consultation.phases, phase_id)
    if ReasonForm().validate_on_submit():
        delete_phase(phase, by=current_user)
        db.session.commit()
        flash(_("The phase has been removed."), "ok")
    return redirect(url_for("consultations.planning", slug=slug))


# --- lots -------------------------------------------------------------------------------------

@bp.route("/consultations/<slug>/manage/lots", methods=["GET", "POST"])
@bp.route("/consultations/<slug>/manage/lots/<int:lot_id>", methods=["GET", "POST"])
@login_required
def lots(slug: str, lot_id: int | None = None):
    consultation = load_for_edit(slug)
    lot = _child(consultation.lots, lot_id) if lot_id else None
    form = LotForm(obj=lot)
    form.municipalities.choices = [(m.id, m.name) for m in consultation.municipalities]
    if request.method == "GET":
        form.municipalities.data = ([m.id for m in lot.municipalities] if lot is not None
                                    else [m.id for m in consultation.municipalities])
    if form.validate_on_submit():
        chosen = [m for m in consultation.municipalities if m.id in set(form.municipalities.data)]
        try:
            saved = save_lot(consultation, lot, by=current_user, name=form.name.data,
                             description=form.description.data, municipalities=chosen, reason=form.reason.data)
        except LotRefused as refused:
            refuse_on(form[refused.field or "name"], refused)
        else:
            db.session.commit()
            flash(_("The lot %(name)s has been saved.", name=saved.name), "ok")
            return redirect(url_for("consultations.lots", slug=slug) + f"#lot-{saved.id}")
    return render_template("consultations/lots.html", consultation=consultation, form=form, lot=lot,
                           scoped=_scoped_questions(consultation))


def _scoped_questions(consultation: Consultation) -> dict[int, int]:
    """lot id -> how many questions are asked only for it."""
    counts: dict[int, int] = {}
    for theme in consultation.themes:
        for question in theme.questions:
            if question.lot_id is not None:
                counts[question.lot_id] = counts.get(question.lot_id, 0) + 1
    return counts


@bp.route("/consultations/<slug>/manage/lots/<int:lot_id>/delete", methods=["GET", "POST"])
@login_required
def lot_delete(slug: str, lot_id: int):
    """Remove a lot: in a draft the button posts straight away; in an open consultation this page
    asks first for the reason, which the participants are told."""
    consultation = load_for_edit(slug)
    lot = _child(consultation.lots, lot_id)
    form = ReasonForm()
    heading = _("Remove %(name)s", name=lot.name)
    if request.method == "POST" and form.validate_on_submit():
        name = lot.name
        try:
            delete_lot(lot, by=current_user, reason=form.reason.data)
        except LotRefused as refused:
            if refused.field != "reason":
                flash_refused(refused)
                return redirect(url_for("consultations.lots", slug=slug))
            refuse_on(form.reason, refused)
        else:
            db.session.commit()
            flash(_("The lot %(name)s has been removed.", name=name), "ok")
            return redirect(url_for("consultations.lots", slug=slug))
    return render_template("consultations/confirm_change.html", consultation=consultation, form=form, heading=heading,
                           subject=pgettext("procurement lot", "Lot %(lot)s", lot=lot.name), active="lots",
                           back=url_for("consultations.lots", slug=slug),
                           detail=_("What care providers said they offer of it is removed too; their answers are kept."))


# --- documents ----------------------------------------------------------------------------

@bp.route("/consultations/<slug>/manage/documents", methods=["GET", "POST"])
@login_required
def documents(slug: str):
    consultation = load_for_edit(slug)
    form = DocumentForm()
    if form.validate_on_submit():
        try:
            stored = store_upload(form.file.data)
        except UploadRejected as rejected:
            form.file.errors.append(str(rejected.message))
        else:
            add_document(consultation, title=form.title.data, description=form.description.data,
                         stored=stored, by=current_user)
            db.session.commit()
            flash(_("The document has been added."), "ok")
            return redirect(url_for("consultations.documents", slug=slug))
    return render_template("consultations/documents.html", consultation=consultation, form=form,
                           replace_form=ReplaceDocumentForm())


@bp.route("/consultations/<slug>/manage/documents/<int:document_id>/replace", methods=["POST"])
@login_required
def document_replace(slug: str, document_id: int):
    consultation = load_for_edit(slug)
    document = _child(consultation.documents, document_id)
    replace_form = ReplaceDocumentForm()
    if replace_form.validate_on_submit():
        try:
            stored = store_upload(replace_form.file.data)
        except UploadRejected as rejected:
            replace_form.file.errors.append(str(rejected.message))
        else:
            replace_document(document, stored, by=current_user)
            db.session.commit()
            flash(_("A new version of %(title)s has been uploaded.", title=document.title), "ok")
            return redirect(url_for("consultations.documents", slug=slug))
    return render_template("consultations/documents.html", consultation=consultation, form=DocumentForm(formdata=None),
                           replace_form=replace_form, replace_target=document.id)


# --- themes and questions -----------------------------------------------------------------

def _editor(consultation: Consultation, status: str | None = None, **context):
    """The questions editor: the full page, or the themes region for htmx requests.

    After an inline form was saved, the region replaces the form's target (HX-Retarget), so
    the list shows the change and the add-theme form is empty again.
    """
    theme_form = context.pop("theme_form", None) or ThemeForm(formdata=None)
    if not is_htmx():
        return render_template("consultations/questions.html", consultation=consultation,
                               theme_form=theme_form, **context)
    html = render_template("consultations/_themes.html", consultation=consultation,
                           theme_form=theme_form, status=status, **context)
    return retarget(html, "#themes", "innerHTML")


@bp.route("/consultations/<slug>/manage/questions", methods=["GET", "POST"])
@login_required
def questions(slug: str):
    consultation = load_for_edit(slug)
    theme_form = ThemeForm()
    if theme_form.validate_on_submit():
        added = _("The theme has been added.")
        try:
            theme = save_theme(consultation, None, by=current_user, reason=theme_form.reason.data,
                               title=theme_form.title.data, introduction=theme_form.introduction.data)
        except ThemeExists as exists:  # the same form sent twice: one theme, and the page says so
            db.session.rollback()
            theme, added = exists.theme, _("The theme “%(title)s” had already been added.", title=exists.theme.title)
        except TitleTaken as taken:
            db.session.rollback()
            theme_form.title.errors.append(str(taken.message))
            return _editor(consultation, theme_form=theme_form)
        except ChangeRefused as refused:
            refuse_on(theme_form.reason, refused)
            return _editor(consultation, theme_form=theme_form)
        db.session.commit()
        if is_htmx():
            return _editor(consultation, status=added, focus=f"theme-{theme.id}-title")
        flash(added, "ok")
        return redirect(url_for("consultations.questions", slug=slug) + f"#theme-{theme.id}")
    return _editor(consultation, theme_form=theme_form)


@bp.route("/consultations/<slug>/manage/themes/<int:theme_id>", methods=["GET", "POST"])
@login_required
def theme_edit(slug: str, theme_id: int):
    consultation = load_for_edit(slug)
    theme = _child(consultation.themes, theme_id)
    form = ThemeForm(obj=theme)
    before = position_of(consultation, theme)
    groups = _offer_conditions(form, consultation, before, theme.condition)
    conflict = None
    if form.validate_on_submit() and (condition := read_condition(form, consultation, before)) is not False:
        try:
            save_theme(consultation, theme, by=current_user, reason=form.reason.data, version=form.version.data,
                       title=form.title.data, introduction=form.introduction.data, condition=condition)
        except ChangedMeanwhile as stale:
            keep_on_conflict(form.title, form.version, stale.item)
            conflict = stale.item
        except TitleTaken as taken:
            db.session.rollback()
            form.title.errors.append(str(taken.message))
        except ConditionBroken as refused:
            db.session.rollback()
            form.form_errors.append(str(refused.message))
        except ChangeRefused as refused:
            refuse_on(form.reason, refused)
        else:
            db.session.commit()
            if is_htmx():
                return _editor(consultation, status=_("The theme has been saved."),
                               focus=f"theme-{theme.id}-title")
            flash(_("The theme has been saved."), "ok")
            return redirect(url_for("consultations.questions", slug=slug) + f"#theme-{theme.id}")
    template = "consultations/_theme_form.html" if is_htmx() else "consultations/theme_form.html"
    return render_template(template, consultation=consultation, theme=theme, form=form,
                           conflict=conflict, groups=groups), 409 if conflict else 200


@bp.route("/consultations/<slug>/manage/themes/<int:theme_id>/questions/new", methods=["GET", "POST"])
@bp.route("/consultations/<slug>/manage/questions/<int:question_id>", methods=["GET", "POST"])
@login_required
def question_edit(slug: str, theme_id: int | None = None, question_id: int | None = None):
    consultation = load_for_edit(slug)
    question = _question(consultation, question_id) if question_id else None
    theme = question.theme if question else _child(consultation.themes, theme_id)
    form = QuestionForm(obj=question)
    if consultation.lots or (question is not None and question.scoped):
        form.lot.choices = [("", _("Every lot"))] + [(lot.id, lot.name) for lot in consultation.lots]
        form.municipality.choices = [("", _("Every municipality"))] + [
            (m.id, m.name) for m in consultation.municipalities]
    if request.method == "GET":
        form.lot.data = question.lot_id if question is not None else None
        form.municipality.data = question.municipality_id if question is not None else None
    if request.method == "GET" and question is not None:
        form.kind.data, form.audience.data = question.kind.value, question.audience.value
        form.same_as.data = question.same_as_id
    earlier = earlier_questions(consultation)
    if earlier:
        form.same_as.choices = [("", _("Not the same as an earlier question"))] + [
            (q.id, _("Round %(number)d, %(kind)s: %(text)s", number=item.number, kind=q.kind.label, text=q.text))
            for item, q in earlier]
    before = position_of(consultation, question, theme)
    groups = _offer_conditions(form, consultation, before, question.condition if question else None)
    conflict = None
    if form.validate_on_submit() and _same_as_valid(consultation, form) and _scope_valid(consultation, form) \
            and (condition := read_condition(form, consultation, before)) is not False:
        try:
            saved = save_question(theme, question, by=current_user, reason=form.reason.data,
                                  version=form.version.data, condition=condition, **form.question_fields())
        except ChangedMeanwhile as stale:
            keep_on_conflict(form.text, form.version, stale.item)
            conflict = stale.item
        except ConditionBroken as refused:  # often another question's condition: said above the form
            db.session.rollback()
            form.form_errors.append(str(refused.message))
        except ChangeRefused as refused:
            refuse_on(form.reason, refused)
        else:
            db.session.commit()
            if is_htmx():
                return _editor(consultation, status=_("The question has been saved."),
                               focus=f"question-{saved.id}-text")
            flash(_("The question has been saved."), "ok")
            return redirect(url_for("consultations.questions", slug=slug) + f"#question-{saved.id}")
    template = "consultations/_question_form.html" if is_htmx() else "consultations/question_form.html"
    return render_template(template, consultation=consultation, theme=theme, question=question, form=form,
                           conflict=conflict, groups=groups), 409 if conflict else 200


def _offer_conditions(form: ConditionFields, consultation: Consultation, before: tuple[int, int],
                      condition: dict | None) -> list:
    """Set the "Ask only if" choices for an item at ``before``; on a GET, tick the stored condition.
    Returns the groups of rules, as the template lists them."""
    groups = rule_groups(consultation, before)
    form.condition_rules.choices = [code for _label, choices in groups for code, _text in choices]
    numbers = number_choices(consultation, before)
    form.condition_number_question.choices = [("", _("No question"))] + numbers if numbers else []
    if request.method == "GET":
        codes, match, number_rule = choices_from_condition(consultation, condition)
        form.condition_rules.data, form.condition_match.data = codes, match
        if number_rule is not None:
            form.condition_number_question.data, form.condition_number_op.data = number_rule[0], number_rule[1]
            form.condition_number_value.data = number_rule[2]
    return groups


def read_condition(form: ConditionFields, consultation: Consultation, before: tuple[int, int]):
    """The condition the form asks for, or ``False`` with the problem at its field."""
    number_rule = None
    question_id, value = form.condition_number_question.data, form.condition_number_value.data
    if question_id is not None:
        if question_id not in {q for q, _label in form.condition_number_question.choices if q != ""}:
            form.condition_number_question.errors = [*form.condition_number_question.errors,
                                                     _("Choose one of the questions listed.")]
            return False
        if value is None:
            form.condition_number_value.errors = [*form.condition_number_value.errors,
                                                  _("Enter the number the answer is compared with.")]
            return False
        op = form.condition_number_op.data if form.condition_number_op.data in ("at_least", "at_most") else "at_least"
        number_rule = (question_id, op, float(value))
    elif value is not None:
        form.condition_number_question.errors = [*form.condition_number_question.errors,
                                                 _("Choose the question whose answer is compared with the number.")]
        return False
    try:
        condition = condition_from_choices(consultation, form.condition_rules.data or [],
                                           form.condition_match.data, number_rule)
    except ConditionRefused:
        form.condition_rules.errors = [*form.condition_rules.errors, _("Choose from the conditions listed.")]
        return False
    for rule in (condition or {}).get("rules", []):
        if (problem := rule_problem(rule, before=before, consultation=consultation)) is not None:
            form.condition_rules.errors = [*form.condition_rules.errors, problem]
            return False
    return condition


def _scope_valid(consultation: Consultation, form: QuestionForm) -> bool:
    """A question scoped to a lot and a municipality: the lot must be procured there."""
    problem = scope_problem(consultation, form.lot.data, form.municipality.data) if form.lot.choices else None
    if problem is None:
        return True
    form.municipality.errors = [*form.municipality.errors, str(problem)]
    return False


def _same_as_valid(consultation: Consultation, form: QuestionForm) -> bool:
    """The question marked as the same must be of an earlier round and of the same kind."""
    if form.same_as.data is None or same_as_allowed(consultation, form.same_as.data, QuestionKind(form.kind.data)):
        return True
    form.same_as.errors = [*form.same_as.errors, _("Choose a question of the same kind from an earlier round.")]
    return False


ACTION_HEADINGS = {"up": _l("Move up"), "down": _l("Move down"), "delete": _l("Delete")}


def _focus_after_move(prefix: str, items: list, item, action: str) -> str | None:
    """The button that keeps the keyboard focus after a move: the same direction if the item
    can still go that way, else the opposite one (at the top there is no 'up' any more)."""
    if action == "delete" or item not in items:
        return None
    index = items.index(item)
    can_up, can_down = index > 0, index < len(items) - 1
    if action == "up":
        return f"{prefix}-up" if can_up else (f"{prefix}-down" if can_down else None)
    return f"{prefix}-down" if can_down else (f"{prefix}-up" if can_up else None)


def _structure_action(consultation: Consultation, action: str, subject: str, act, focus):
    """Move or delete a theme or question.

    In a draft the buttons post straight away (htmx swaps the themes region). In an open
    consultation they lead to this page first, which asks for the reason of the change.
    """
    if action not in ACTION_HEADINGS:
        abort(404)
    form = ReasonForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            act(form.reason.data)
        except ConditionBroken as refused:  # about a condition, not the reason: said above the questions
            flash_refused(refused)
            questions_page = url_for("consultations.questions", slug=consultation.slug)
            return htmx_redirect(questions_page) if is_htmx() else redirect(questions_page)
        except ChangeRefused as refused:
            refuse_on(form.reason, refused)
        else:
            db.session.commit()
            if is_htmx():
                return _editor(consultation, focus=focus())
            return redirect(url_for("consultations.questions", slug=consultation.slug))
    return render_template("consultations/confirm_change.html", consultation=consultation, form=form,
                           heading=str(ACTION_HEADINGS[action]), subject=subject)


@bp.route("/consultations/<slug>/manage/themes/<int:theme_id>/<action>", methods=["GET", "POST"])
@login_required
def theme_action(slug: str, theme_id: int, action: str):
    consultation = load_for_edit(slug)
    theme = _child(consultation.themes, theme_id)

    def act(reason):
        if action == "delete":
            delete_theme(theme, by=current_user, reason=reason)
        else:
            move_theme(theme, -1 if action == "up" else 1, by=current_user, reason=reason)

    def focus():
        return _focus_after_move(f"theme-{theme_id}", consultation.themes, theme, action)

    return _structure_action(consultation, action, _("Theme: %(title)s", title=theme.title), act, focus)


@bp.route("/consultations/<slug>/manage/questions/<int:question_id>/<action>", methods=["GET", "POST"])
@login_required
def question_action(slug: str, question_id: int, action: str):
    consultation = load_for_edit(slug)
    question = _question(consultation, question_id)

    def act(reason):
        if action == "delete":
            delete_question(question, by=current_user, reason=reason)
        else:
            move_question(question, -1 if action == "up" else 1, by=current_user, reason=reason)

    def focus():
        return _focus_after_move(f"question-{question_id}", question.theme.questions, question, action)

    return _structure_action(consultation, action, _("Question: %(text)s", text=question.text), act, focus)


# --- publish, close, extend ---------------------------------------------------------------

@bp.route("/consultations/<slug>/publish", methods=["POST"])
@login_required
def publish_view(slug: str):
    consultation = load_for_edit(slug)
    if ReasonForm().validate_on_submit():
        try:
            publish(consultation, by=current_user)
        except PublishBlocked as blocked:
            db.session.rollback()
            return render_template("consultations/manage.html", consultation=load_consultation(slug),
                                   problems=blocked.problems, publish_failed=True,
                                   extend_form=_extend_form(consultation), confirm=ReasonForm())
        except ChangeRefused as refused:
            flash(str(refused.message), "error")
        else:
            db.session.commit()
            flash(_("The consultation has been published. Everyone can read it now."), "ok")
    return redirect(url_for("consultations.manage", slug=slug))


@bp.route("/consultations/<slug>/close", methods=["POST"])
@login_required
def close_view(slug: str):
    consultation = load_for_edit(slug)
    if ReasonForm().validate_on_submit():
        try:
            close(consultation, by=current_user)
        except ChangeRefused as refused:
            flash(str(refused.message), "error")
        else:
            db.session.commit()
            flash(_("The consultation has been closed. No more responses can be submitted."), "ok")
    return redirect(url_for("consultations.manage", slug=slug))


@bp.route("/consultations/<slug>/extend", methods=["POST"])
@login_required
def extend_view(slug: str):
    consultation = load_for_edit(slug)
    form = _extend_form(consultation, formdata=request.form)
    if form.validate_on_submit():
        try:
            extend_deadline(consultation, combine_local(form.closes_at_date.data, form.closes_at_time.data),
                            by=current_user)
        except ChangeRefused as refused:
            refuse_on(form.closes_at_date, refused)
        else:
            db.session.commit()
            flash(_("The deadline has been extended. The new deadline is announced on the consultation page."), "ok")
            return redirect(url_for("consultations.manage", slug=slug))
    return render_template("consultations/manage.html", consultation=consultation,
                           problems=publish_problems(consultation), extend_form=form,
                           confirm=ReasonForm())


@bp.route("/consultations/<slug>/audit")
@login_required
def audit_events(slug: str):
    """The consultation's audit trail for its team (the audit package shows it)."""
    from consult.audit.views import show_events

    consultation = load_consultation(slug, team_users=False)
    if not can_read_consultation_audit(current_user, consultation):
        abort(403)
    return show_events(consultation)


from consult.consultations import trajectory_views as _trajectory_views  # noqa: E402,F401  (its routes)
