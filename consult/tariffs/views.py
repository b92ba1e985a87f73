"""The tariff dialogue's pages: the team's cost prices and funding scenarios, a provider's benchmark."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from consult.consultations.loaders import load_consultation
from consult.consultations.models import Consultation, Theme
from consult.core.access import deny_hidden
from consult.core.evidence import strategy_links
from consult.core.forms import arg_int, db_int
from consult.extensions import db
from consult.responses.permissions import own_response_or_404
from consult.tariffs import bp
from consult.tariffs.forms import ScenarioFormFields, SheetQuestionForm, SheetReplyForm
from consult.tariffs.models import FundingScenario, ScenarioForm, TariffBasis
from consult.tariffs.permissions import (
    can_model_funding,
    can_read_sheet_questions,
    can_see_benchmark,
    can_see_cost_sheets,
)
from consult.tariffs.services import (
    ScenarioConflict,
    ScenarioRefused,
    SheetQuestionRefused,
    ask_about_sheet,
    benchmark,
    budget,
    choose_scenario,
    cost_questions,
    delete_scenario,
    reply_to_sheet_question,
    save_scenario,
    scenario_tariff,
    scenarios_of,
    sheet_of,
    sheet_questions_of,
    sheet_table,
)


def _load(slug: str) -> Consultation:
    consultation = load_consultation(slug, selectinload(Consultation.themes).joinedload(Theme.questions),
                                     team_users=False)
    if not can_see_cost_sheets(current_user, consultation):
        deny_hidden()
    return consultation


@bp.route("/consultations/<slug>/cost-prices")
@login_required
def sheets(slug: str):
    """Every provider's cost-price figures per product, the spread per component and the outliers."""
    consultation = _load(slug)
    tables = [(question, sheet_table(consultation, question)) for question in cost_questions(consultation)]
    return render_template("tariffs/sheets.html", consultation=consultation, tables=tables,
                           asked=sheet_questions_of(consultation))


@bp.route("/consultations/<slug>/cost-prices/<int:question_id>/organisations/<int:org_id>/ask",
          methods=["GET", "POST"])
@login_required
def ask(slug: str, question_id: int, org_id: int):
    """The team asks one organisation a question about its submitted cost-price sheet, privately."""
    consultation = _load(slug)
    question = next((q for q in cost_questions(consultation) if q.id == question_id), None)
    answer = sheet_of(consultation, question, org_id) if question is not None else None
    if answer is None:
        abort(404)
    organisation = answer.response.organisation
    form = SheetQuestionForm()
    if form.validate_on_submit():
        try:
            ask_about_sheet(consultation, question, organisation, form.body.data, by=current_user)
        except SheetQuestionRefused as refused:
            db.session.rollback()
            form.body.errors = [*form.body.errors, str(refused.message)]
        else:
            db.session.commit()
            flash(_("Your question has been sent to %(org)s.", org=organisation.name), "success")
            return redirect(url_for("tariffs.sheets", slug=slug))
    return render_template("tariffs/ask.html", consultation=consultation, question=question,
                           organisation=organisation, form=form,
                           earlier=sheet_questions_of(consultation, organisation.id)), 200 if not form.errors else 422


# --- funding scenarios ------------------------------------------------------------------------------

def _product_choices(consultation: Consultation) -> list[tuple[str, str]]:
    return [(f"{question.id}:{n}", product if len(cost_questions(consultation)) == 1 else f"{product} ({question.text})")
            for question in cost_questions(consultation) for n, (product, _unit) in enumerate(question.rows)]


def _product_of(consultation: Consultation, value: str):
    """The (question, product) a product choice names, or None."""
    raw_question, _sep, raw_index = (value or "").partition(":")
    question_id, index = db_int(raw_question), db_int(raw_index)
    for question in cost_questions(consultation):
        if question.id == question_id and index is not None and index < len(question.rows):
            return question, question.rows[index][0]
    return None


def _scenario_form(consultation: Consultation, scenario: FundingScenario | None) -> ScenarioFormFields:
    form = ScenarioFormFields(obj=None if request.method == "POST" else scenario)
    form.product.choices = _product_choices(consultation)
    if request.method != "POST":
        if scenario is not None:
            index = [product for product, _unit in scenario.question.rows].index(scenario.product) \
                if scenario.product in dict(scenario.question.rows) else 0
            form.product.data = f"{scenario.question_id}:{index}"
            form.form.data, form.basis.data = scenario.form.value, scenario.basis.value
        while len(form.municipalities.entries):
            form.municipalities.pop_entry()
        for municipality in consultation.municipalities:
            given = (scenario.quantities if scenario else {}).get(str(municipality.id), {})
            form.municipalities.append_entry({"municipality_id": municipality.id, "volume": given.get("volume"),
                                              "amount": given.get("amount"), "clients": given.get("clients")})
    return form


def _values(consultation: Consultation, form: ScenarioFormFields) -> dict | None:
    found = _product_of(consultation, form.product.data)
    if found is None:
        form.product.errors = [*form.product.errors, _("Choose a product of a cost-price sheet of this consultation.")]
        return None
    question, product = found
    ids = {m.id for m in consultation.municipalities}
    quantities = {}
    for entry in form.municipalities.entries:
        if entry.form.municipality_id.data in ids:
            given = {name: float(getattr(entry.form, name).data) for name in ("volume", "amount", "clients")
                     if getattr(entry.form, name).data is not None}
            quantities[str(entry.form.municipality_id.data)] = given
    return {"question_id": question.id, "product": product, "name": form.name.data,
            "form": ScenarioForm(form.form.data), "basis": TariffBasis(form.basis.data),
            "percentile": form.percentile.data or 50,
            "client_price": float(form.client_price.data) if form.client_price.data is not None else None,
            "indexation": float(form.indexation.data or 0), "years": form.years.data, "quantities": quantities}


def _save_posted(consultation: Consultation, scenario: FundingScenario | None, form: ScenarioFormFields):
    """Save the posted form as a new scenario (``scenario`` None) or over ``scenario``, from the version the
    form showed: the redirect to it, or None with the reason on the form (a product that is not a cost-price
    sheet's on the product field; a colleague's change above the form, whose version a second save replaces)."""
    values = _values(consultation, form) if form.validate_on_submit() else None
    if values is None:
        return None
    try:
        saved = save_scenario(consultation, scenario, values,
                              base_version=form.version.data if scenario is not None else None, by=current_user)
    except ScenarioRefused as refused:
        db.session.rollback()
        form.product.errors = [*form.product.errors, str(refused.message)]
        return None
    except ScenarioConflict as conflict:
        db.session.rollback()
        form.form_errors.append(str(conflict.message))
        db.session.refresh(scenario)
        form.version.data = scenario.version
        return None
    db.session.commit()
    flash(_("Scenario “%(name)s” saved.", name=saved.name), "success")
    return redirect(url_for("tariffs.scenario", slug=consultation.slug, scenario_id=saved.id))


@bp.route("/consultations/<slug>/funding-scenarios", methods=["GET", "POST"])
@login_required
def scenarios(slug: str):
    consultation = _load(slug)
    may_model = can_model_funding(current_user, consultation)
    form = _scenario_form(consultation, None) if may_model else None
    if request.method == "POST":
        if not may_model:
            abort(403)
        saved = _save_posted(consultation, None, form)
        if saved is not None:
            return saved
    listed = [(s, budget(s)) for s in scenarios_of(consultation)]
    return render_template("tariffs/scenarios.html", consultation=consultation, listed=listed, form=form,
                           municipality_names={m.id: m.name for m in consultation.municipalities},
                           has_sheets=bool(cost_questions(consultation))), 200 if not (form and form.errors) else 422


def _scenario_or_404(consultation: Consultation, scenario_id: int) -> FundingScenario:
    scenario = db.session.get(FundingScenario, scenario_id)
    if scenario is None or scenario.consultation_id != consultation.id:
        abort(404)
    return scenario


@bp.route("/consultations/<slug>/funding-scenarios/<int:scenario_id>", methods=["GET", "POST"])
@login_required
def scenario(slug: str, scenario_id: int):
    consultation = _load(slug)
    scenario = _scenario_or_404(consultation, scenario_id)
    may_model = can_model_funding(current_user, consultation)
    form = _scenario_form(consultation, scenario) if may_model else None
    if request.method == "POST":
        if not may_model:
            abort(403)
        saved = _save_posted(consultation, scenario, form)
        if saved is not None:
            return saved
    tariff = scenario_tariff(scenario)
    informed, may_link = strategy_links(consultation, current_user, {"scenario": {str(scenario.id)}})
    return render_template("tariffs/scenario.html", consultation=consultation, scenario=scenario, form=form,
                           informed=informed["scenario"].get(str(scenario.id), []), may_link=may_link,
                           municipality_names={m.id: m.name for m in consultation.municipalities},
                           tariff=tariff, budget=budget(scenario, tariff)), 200 if not (form and form.errors) else 422


@bp.route("/consultations/<slug>/funding-scenarios/<int:scenario_id>/choose", methods=["POST"])
@login_required
def choose(slug: str, scenario_id: int):
    consultation = _load(slug)
    if not can_model_funding(current_user, consultation):
        abort(403)
    scenario = _scenario_or_404(consultation, scenario_id)
    choose_scenario(scenario, by=current_user)
    db.session.commit()
    if scenario.form == ScenarioForm.PRICE_QUANTITY:
        flash(_("“%(name)s” is now the chosen scenario for %(product)s; the report shows its tariff.",
                name=scenario.name, product=scenario.product), "success")
    else:
        flash(_("“%(name)s” is now the chosen scenario for %(product)s; the report names a tariff only for "
                "price × quantity.", name=scenario.name, product=scenario.product), "success")
    return redirect(url_for("tariffs.scenario", slug=slug, scenario_id=scenario.id))


@bp.route("/consultations/<slug>/funding-scenarios/<int:scenario_id>/delete", methods=["POST"])
@login_required
def delete(slug: str, scenario_id: int):
    consultation = _load(slug)
    if not can_model_funding(current_user, consultation):
        abort(403)
    scenario = _scenario_or_404(consultation, scenario_id)
    name = scenario.name
    delete_scenario(scenario, by=current_user)
    db.session.commit()
    flash(_("Scenario “%(name)s” deleted.", name=name), "success")
    return redirect(url_for("tariffs.scenarios", slug=slug))


@bp.route("/consultations/<slug>/funding-scenarios/compare")
@login_required
def compare(slug: str):
    """Two scenarios side by side: the budget per municipality over the contract period and the difference."""
    consultation = _load(slug)
    listed = scenarios_of(consultation)
    chosen = [s for s in listed if s.id in (arg_int("a"), arg_int("b"))]
    chosen.sort(key=lambda s: 0 if s.id == arg_int("a") else 1)
    budgets = [(s, budget(s)) for s in chosen] if len(chosen) == 2 else []
    return render_template("tariffs/compare.html", consultation=consultation, listed=listed, budgets=budgets,
                           a=arg_int("a"), b=arg_int("b"))


# --- a provider's benchmark -------------------------------------------------------------------------

@bp.route("/responses/<int:response_id>/benchmark")
@login_required
def provider_benchmark(response_id: int):
    """The organisation's own cost-price figures beside the group's, after the deadline."""
    response = own_response_or_404(current_user, response_id)
    consultation = response.consultation
    if not can_see_benchmark(current_user, response):
        abort(404)
    sections = [(question, benchmark(consultation, question, response)) for question in cost_questions(consultation)]
    return render_template("tariffs/benchmark.html", consultation=consultation, response=response,
                           sections=[(q, products) for q, products in sections if products])


@bp.route("/responses/<int:response_id>/cost-price-questions", methods=["GET", "POST"])
@login_required
def sheet_questions(response_id: int):
    """The team's questions about the organisation's cost-price sheet, each with the reply or a form."""
    response = own_response_or_404(current_user, response_id)
    if not can_read_sheet_questions(current_user, response):
        abort(404)
    consultation = response.consultation
    items = sheet_questions_of(consultation, response.organisation_id)
    form, replying = SheetReplyForm(), None
    if request.method == "POST":
        replying = next((item for item in items if item.id == db_int(request.form.get("item"))), None)
        if replying is None:
            abort(404)
        if form.validate_on_submit():
            try:
                reply_to_sheet_question(replying, form.body.data, by=current_user)
            except SheetQuestionRefused as refused:
                db.session.rollback()
                form.body.errors = [*form.body.errors, str(refused.message)]
            else:
                db.session.commit()
                flash(_("Your reply has been sent to the project team."), "success")
                return redirect(url_for("tariffs.sheet_questions", response_id=response.id))
    return render_template("tariffs/sheet_questions.html", consultation=consultation, response=response,
                           items=items, form=form, replying=replying), 200 if not form.errors else 422
