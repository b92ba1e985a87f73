"""Strategy services: parts with revisions, diff and restore, evidence links with dispositions,
the 'not yet considered' list, sharing, adopting, and council comments."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import String, and_, case, cast, except_, func, or_, select, tuple_, update
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from consult.advice.models import Advice, AdvicePoint, AdviceRequest, AdviceStatus, Disposition
from consult.analysis.models import Coding, Synthesis, Tag
from consult.analysis.permissions import can_analyse
from consult.analysis.services import answer_items_of, current_answers
from consult.audit.services import record_event
from consult.auth.models import User
from consult.consultations.models import Consultation, Lot
from consult.consultations.trajectory_services import earlier_ref, earlier_rounds, parse_earlier_ref, round_of
from consult.core.access import like_contains
from consult.core.db import update_if_version
from consult.core.diff import word_diff
from consult.core.forms import db_int
from consult.core.refused import Refused
from consult.core.time import utcnow
from consult.dialogue.models import Post, Thread
from consult.disclosure.posts import shown_posts
from consult.drafts.models import Draft, DraftComment, DraftParagraph
from consult.drafts.services import (
    DraftRefused,
    ParagraphSpec,
    ensure_strategy_draft,
    split_paragraphs,
    strategy_draft_of,
)
from consult.extensions import db
from consult.notify.models import Kind
from consult.notify.services import notify, organisation_users, url_path
from consult.orgs.models import Organisation, OrgKind
from consult.qa.models import QaItem, QaStatus
from consult.responses.models import SubmittedAnswer
from consult.sessions.models import AgendaItem, DialogueSession, MinutesPoint, SessionStatus, WrittenInput
from consult.strategy.models import (
    DraftStatus,
    EvidenceLink,
    FundingForm,
    OrganisationForm,
    ProvidersKind,
    Revision,
    Segment,
    StrategyComment,
    StrategyDraft,
)
from consult.tariffs.models import FundingScenario
from consult.tariffs.services import scenario_summary

GENERAL = "general"
GENERAL_FIELDS = ("principles", "change_tasks")
SEGMENT_FIELDS = ("name", "services", "organisation_form", "organisation_form_explanation", "process",
                  "providers_kind", "providers_min", "providers_max", "funding_form", "funding_explanation",
                  "duration", "extension", "tariff", "suitability", "award_criteria", "kpis", "rationale",
                  "lot_id", "local_choices")
FIELD_LABELS = {
    "principles": _l("Guiding principles"), "change_tasks": _l("Change tasks"), "name": _l("Name"),
    "services": _l("Services in this segment"), "organisation_form": _l("Organisation form"),
    "organisation_form_explanation": _l("Explanation of the organisation form"), "process": _l("Process"),
    "providers_kind": _l("Number of providers"), "providers_min": _l("Number of providers (at least)"),
    "providers_max": _l("Number of providers (at most)"), "funding_form": _l("Funding form"),
    "funding_explanation": _l("Explanation of the funding form"), "duration": _l("Contract duration"),
    "extension": _l("Extension options"), "tariff": _l("Tariff approach"),
    "suitability": _l("Suitability requirements"), "award_criteria": _l("Award criteria"), "kpis": _l("KPIs"),
    "rationale": _l("Rationale"), "removed": _l("Removed"), "lot_id": lazy_pgettext("procurement lot", "Lot"),
    "local_choices": _l("Local choices per municipality"),
}
# The choices of a segment that an evidence link can point at (its key is stored on the link),
# in the order of the segment page. The general part has no separate choices.
SEGMENT_CHOICES = ("services", "organisation_form", "process", "providers", "funding_form", "duration", "tariff",
                   "suitability", "award_criteria", "kpis")
CHOICE_LABELS = {
    "services": _l("Services in this segment"), "organisation_form": _l("Organisation form"),
    "process": _l("Process"), "providers": _l("Number of providers to contract"), "funding_form": _l("Funding form"),
    "duration": _l("Contract duration"), "tariff": _l("Tariff approach"),
    "suitability": _l("Suitability requirements"), "award_criteria": _l("Award criteria"),
    "kpis": _l("KPIs to monitor"),
}
# The kinds of input that can be linked as evidence, one per line, with their names.
SOURCE_LABELS = {
    "answer": _l("Answer"),
    "excerpt": _l("Excerpt"),
    "post": _l("Message in a discussion"),
    "qa": _l("Question and answer"),
    "advice_point": _l("Advice point"),
    "synthesis": _l("Synthesis"),
    "minutes_point": _l("Minutes point of a dialogue session"),
    "written_input": _l("Written input for a dialogue session"),
    "draft_comment": _l("Comment on a draft"),
    "scenario": _l("Funding scenario"),
    "earlier_round": _l("Input of an earlier round"),
}
SOURCE_TYPES = tuple(SOURCE_LABELS)


class StrategyRefused(Refused):
    """A change that is not made, with the message for the person; ``field`` names the form field
    the message is about, when there is one."""


class StrategyConflict(Exception):
    """Someone saved this part after the version the person started from; nothing was written.
    ``stored`` is the part's content as saved now, ``version`` its version."""

    def __init__(self, stored: dict[str, Any], version: int):
        super().__init__("stale strategy part")
        self.stored = stored
        self.version = version


def draft_for(consultation: Consultation) -> StrategyDraft | None:
    return db.session.scalars(select(StrategyDraft).where(StrategyDraft.consultation_id == consultation.id)
                              .options(joinedload(StrategyDraft.segments))).unique().first()


def create_draft(consultation: Consultation, *, by: User) -> StrategyDraft:
    draft = draft_for(consultation)
    if draft is None:
        draft = StrategyDraft(consultation_id=consultation.id)
        db.session.add(draft)
        db.session.flush()
        record_event("strategy_created", actor=by, obj=draft)
    return draft


def live_segments(draft: StrategyDraft) -> list[Segment]:
    return [s for s in draft.segments if s.deleted_at is None]


def _require_editable(draft: StrategyDraft) -> None:
    if draft.status == DraftStatus.ADOPTED:
        raise StrategyRefused(_l("The draft has been adopted and can no longer be changed."))


# --- parts and revisions --------------------------------------------------------------------------

def part_key(segment: Segment | None) -> str:
    return GENERAL if segment is None else f"segment:{segment.id}"


def _value(value):
    return value.value if hasattr(value, "value") else value


def part_data(draft: StrategyDraft, segment: Segment | None) -> dict[str, Any]:
    if segment is None:
        return {f: getattr(draft, f) for f in GENERAL_FIELDS}
    data = {f: _value(getattr(segment, f)) for f in SEGMENT_FIELDS}
    data["local_choices"] = data["local_choices"] or []
    return data


def _revise(draft: StrategyDraft, segment: Segment | None, action: str, by: User) -> Revision:
    # The number is drawn in the database: two parts saved at the same moment get two numbers.
    number = db.session.scalar(
        update(StrategyDraft).where(StrategyDraft.id == draft.id)
        .values(revision_count=StrategyDraft.revision_count + 1)
        .returning(StrategyDraft.revision_count).execution_options(synchronize_session=False))
    set_committed_value(draft, "revision_count", number)
    data = part_data(draft, segment)
    if action == "removed":
        data["removed"] = True
    revision = Revision(draft_id=draft.id, number=number, part=part_key(segment),
                        label=segment.name if segment else "", action=action, data=data,
                        created_by_id=by.id, created_at=utcnow())
    db.session.add(revision)
    db.session.flush()
    return revision


def _text(value: str | None, limit: int = 20_000) -> str:
    value = (value or "").replace("\x00", "").strip()
    if len(value) > limit:
        raise StrategyRefused(_l("Use at most %(n)d characters.", n=limit))
    return value


def _lines(value) -> list[str]:
    if isinstance(value, list):
        items = value
    else:
        items = (value or "").splitlines()
    return [line.strip().lstrip("-*• ").strip() for line in items if line.strip()][:50]


def save_general(draft: StrategyDraft, *, principles: str, change_tasks: str, by: User,
                 version: int | None = None) -> bool:
    """Save the general part as a new revision; False when nothing changed.

    ``version`` is the version the person's form started from (None: the one loaded here). The
    text is written only while that is still the stored version and the draft is not adopted, in
    one conditional UPDATE; otherwise StrategyConflict (or StrategyRefused once adopted) is
    raised and nothing is written.
    """
    _require_editable(draft)
    new = {"principles": _text(principles), "change_tasks": _text(change_tasks)}
    if new == part_data(draft, None):
        return False
    base = draft.version if version is None else version
    if not update_if_version(draft, base, where=(StrategyDraft.status != DraftStatus.ADOPTED,), **new):
        db.session.refresh(draft)
        _require_editable(draft)
        raise StrategyConflict(part_data(draft, None), draft.version)
    _revise(draft, None, "saved", by)
    record_event("strategy_part_saved", actor=by, obj=draft, part=GENERAL)
    return True


def clean_segment_fields(fields: dict[str, Any], consultation: Consultation) -> dict[str, Any]:
    """Check and normalise a segment's fields; raises StrategyRefused with a clear message."""
    name = _text(fields.get("name"), 200)
    if not name:
        raise StrategyRefused(_l("Give the segment a name."))
    result: dict[str, Any] = {"name": name}
    for f in ("services", "organisation_form_explanation", "process", "funding_explanation", "tariff", "rationale"):
        result[f] = _text(fields.get(f))
    for f in ("duration", "extension"):
        result[f] = _text(fields.get(f), 200)
    for f in ("suitability", "award_criteria", "kpis"):
        result[f] = _lines(fields.get(f))
    for f, enum_cls in (("organisation_form", OrganisationForm), ("funding_form", FundingForm),
                        ("providers_kind", ProvidersKind)):
        value = fields.get(f) or None
        if value is not None:
            try:
                value = enum_cls(_value(value)).value
            except ValueError:
                raise StrategyRefused(_l("Choose one of the options for “%(field)s”.", field=FIELD_LABELS[f])) from None
        result[f] = value
    if result["organisation_form"] == OrganisationForm.OTHER and not result["organisation_form_explanation"]:
        raise StrategyRefused(_l("Explain the organisation form when you choose “other”."))
    low, high = fields.get("providers_min"), fields.get("providers_max")
    low = int(low) if low not in (None, "") else None
    high = int(high) if high not in (None, "") else None
    kind = result["providers_kind"]
    if kind == ProvidersKind.NUMBER:
        if low is None or low < 1:
            raise StrategyRefused(_l("Enter the number of providers (1 or more)."))
        high = None
    elif kind == ProvidersKind.RANGE:
        if low is None or high is None or low < 1 or high < low:
            raise StrategyRefused(_l("Enter a range of providers: the lowest number (1 or more) and a highest "
                                     "number that is not lower."))
    else:
        low = high = None
    result["providers_min"], result["providers_max"] = low, high
    result["lot_id"], result["local_choices"] = _clean_scope(fields, consultation)
    return result


def _clean_scope(fields: dict[str, Any], consultation: Consultation) -> tuple[int | None, list[dict[str, Any]]]:
    """The segment's lot (one of the consultation's) and its local choices: only for municipalities
    of that lot (of the consultation without a lot), each a valid option or none, in the
    municipalities' order; a municipality with no choice and no note follows the segment."""
    lot_id = fields.get("lot_id") or None
    lot = next((lot for lot in consultation.lots if lot.id == lot_id), None)
    if lot_id is not None and lot is None:
        raise StrategyRefused(_l("Choose one of the consultation's lots."), field="lot")
    municipalities = lot.municipalities if lot is not None else consultation.municipalities
    given = {}
    for choice in fields.get("local_choices") or []:
        organisation_form, funding_form = choice.get("organisation_form") or None, choice.get("funding_form") or None
        note = _text(choice.get("note"), 500)
        if organisation_form is None and funding_form is None and not note:
            continue
        where = next((m for m in municipalities if m.id == choice.get("municipality")), None)
        if where is None:
            outside = next((m for m in consultation.municipalities if m.id == choice.get("municipality")), None)
            raise StrategyRefused(_l("%(municipality)s does not procure the segment's lot, so it makes no local "
                                     "choice here: empty its choices, or choose another lot.",
                                     municipality=outside.name if outside else "?"),
                                  field=f"local_choices:{choice.get('municipality')}")
        try:
            organisation_form = OrganisationForm(organisation_form).value if organisation_form else None
            funding_form = FundingForm(funding_form).value if funding_form else None
        except ValueError:
            raise StrategyRefused(_l("Choose one of the options for “%(field)s”.",
                                     field=FIELD_LABELS["local_choices"]), field="local_choices") from None
        given[where.id] = {"municipality": where.id, "name": where.name, "organisation_form": organisation_form,
                           "funding_form": funding_form, "note": note}
    return (lot.id if lot is not None else None), [given[m.id] for m in municipalities if m.id in given]


def local_choice_text(choice: dict[str, Any], named: bool = True) -> str:
    """A local choice in words: "Gemeente Leiden: Open house; Outputgericht — met eigen toegang"
    (without the municipality's name when not ``named``)."""
    labels = [str(OrganisationForm(choice["organisation_form"]).label) if choice.get("organisation_form") else "",
              str(FundingForm(choice["funding_form"]).label) if choice.get("funding_form") else ""]
    text = "; ".join(label for label in labels if label) or str(_l("as the region"))
    text += f" — {choice['note']}" if choice.get("note") else ""
    return f"{choice['name']}: {text}" if named else text

ENUM_FIELDS = {"organisation_form": OrganisationForm, "funding_form": FundingForm, "providers_kind": ProvidersKind}


def _assign(segment: Segment, clean: dict[str, Any]) -> None:
    for name, value in clean.items():
        if name in ENUM_FIELDS and value is not None:
            value = ENUM_FIELDS[name](value)
        setattr(segment, name, value)


def add_segment(draft: StrategyDraft, *, by: User, **fields) -> Segment:
    _require_editable(draft)
    clean = clean_segment_fields(fields, draft.consultation)
    segment = Segment(position=len(live_segments(draft)) + 1)
    _assign(segment, clean)
    draft.segments.append(segment)
    db.session.flush()
    _revise(draft, segment, "created", by)
    record_event("strategy_part_saved", actor=by, obj=draft, part=part_key(segment))
    return segment


def _typed(clean: dict[str, Any]) -> dict[str, Any]:
    return {name: ENUM_FIELDS[name](value) if name in ENUM_FIELDS and value is not None else value
            for name, value in clean.items()}


def differing_fields(stored: dict[str, Any], submitted: dict[str, Any]) -> list[tuple[str, str]]:
    """After a conflict: the fields whose saved value differs from what the person submitted,
    as (label, saved value as text), in the part's field order."""
    result = []
    for name, value in stored.items():
        mine = submitted.get(name)
        if name == "local_choices":
            same = _choice_keys(mine) == _choice_keys(value)
        elif isinstance(value, list):
            same = _lines(mine) == value
        else:
            same = ("" if mine is None else str(mine).strip()) == ("" if value is None else str(value))
        if not same:
            result.append((str(FIELD_LABELS.get(name, name)), _field_text(name, value)))
    return result


def _choice_keys(choices) -> list[tuple]:
    """Local choices as what they say, for comparing a submitted list with a stored one."""
    return [(c.get("municipality"), c.get("organisation_form") or None, c.get("funding_form") or None,
             (c.get("note") or "").strip()) for c in choices or []
            if c.get("organisation_form") or c.get("funding_form") or (c.get("note") or "").strip()]


def _field_text(name: str, value) -> str:
    """A part's field as text for a person: a lot by its name, local choices in words."""
    if name == "lot_id":
        lot = db.session.get(Lot, value) if value else None
        return lot.name if lot is not None else ("" if value is None else str(_l("a lot since removed")))
    if name == "local_choices":
        return "\n".join(f"- {local_choice_text(c)}" for c in value or [])
    return _as_text(value)


def _write_segment(segment: Segment, base: int, **values) -> None:
    """Write a segment's values and raise its version in one conditional UPDATE; StrategyConflict
    when someone saved it after version ``base``, StrategyRefused when it was removed."""
    if not update_if_version(segment, base, where=(Segment.deleted_at.is_(None),), **values):
        db.session.refresh(segment)
        if segment.deleted_at is not None:
            raise StrategyRefused(_l("This segment was removed in the meantime, so it was not saved. "
                                     "It can be brought back from the revisions."))
        raise StrategyConflict(part_data(segment.draft, segment), segment.version)


def save_segment(segment: Segment, *, by: User, version: int | None = None, **fields) -> bool:
    """Save a segment as a new revision; False when nothing changed. ``version`` as in
    save_general: a stale save raises StrategyConflict and writes nothing."""
    draft = segment.draft
    _require_editable(draft)
    clean = clean_segment_fields(fields, draft.consultation)
    if clean == part_data(draft, segment):
        return False
    _write_segment(segment, segment.version if version is None else version, **_typed(clean))
    _revise(draft, segment, "saved", by)
    record_event("strategy_part_saved", actor=by, obj=draft, part=part_key(segment))
    return True


def remove_segment(segment: Segment, *, by: User, version: int | None = None) -> None:
    """Remove a segment (it can be restored); refused like a save when someone changed it after
    ``version``, so nobody removes what they have not seen."""
    _require_editable(segment.draft)
    _write_segment(segment, segment.version if version is None else version, deleted_at=utcnow())
    _revise(segment.draft, segment, "removed", by)
    record_event("strategy_part_removed", actor=by, obj=segment.draft, part=part_key(segment))


def revisions(draft: StrategyDraft) -> list[Revision]:
    return list(db.session.scalars(select(Revision).where(Revision.draft_id == draft.id)
                                   .options(selectinload(Revision.created_by)).order_by(Revision.number.desc())))


def state_at(all_revisions: list[Revision], number: int) -> dict[str, Revision]:
    """The latest revision of every part at revision ``number``."""
    state: dict[str, Revision] = {}
    for revision in sorted(all_revisions, key=lambda r: r.number):
        if revision.number > number:
            break
        state[revision.part] = revision
    return state


@dataclass
class FieldDiff:
    label: str
    ops: list[tuple[str, str]]  # ("same"|"del"|"ins", text)


@dataclass
class PartDiff:
    part: str
    label: str
    fields: list[FieldDiff]


def _as_text(value) -> str:
    if isinstance(value, list):
        return "\n".join(f"- {v}" for v in value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(_l("yes")) if value else ""
    labels = {**{e.value: e.label for e in OrganisationForm}, **{e.value: e.label for e in FundingForm},
              ProvidersKind.NUMBER.value: str(_l("A number")), ProvidersKind.RANGE.value: str(_l("A range")),
              ProvidersKind.UNLIMITED.value: str(_l("Unlimited"))}
    return str(labels.get(value, value)) if isinstance(value, str) else str(value)


def compare(all_revisions: list[Revision], first: int, second: int) -> list[PartDiff]:
    """What changed per part between the draft at revision ``first`` and at ``second``."""
    before, after = state_at(all_revisions, first), state_at(all_revisions, second)
    diffs = []
    for part in sorted(set(before) | set(after), key=lambda p: (p != GENERAL, p)):
        old = before[part].data if part in before else {}
        new = after[part].data if part in after else {}
        if old == new:
            continue
        fields = []
        for name in list(dict.fromkeys(list(old) + list(new))):
            before_text, after_text = _field_text(name, old.get(name)), _field_text(name, new.get(name))
            if before_text != after_text:
                fields.append(FieldDiff(label=str(FIELD_LABELS.get(name, name)), ops=word_diff(before_text, after_text)))
        if not fields:
            continue
        label = (after.get(part) or before.get(part)).label or str(_l("General part"))
        diffs.append(PartDiff(part=part, label=label, fields=fields))
    return diffs


def restore(draft: StrategyDraft, revision: Revision, *, by: User) -> None:
    """Bring one part back to a revision's content; this is saved as a new revision."""
    _require_editable(draft)
    if revision.draft_id != draft.id:
        raise StrategyRefused(_l("This revision belongs to another draft."))
    data = {k: v for k, v in revision.data.items() if k != "removed"}
    # A restore raises the part's version like a save: a form opened before it is stale after it.
    changed_meanwhile = StrategyRefused(_l("Someone else changed this part at the same moment. "
                                           "Look at the revisions again and then restore."))
    if revision.part == GENERAL:
        segment = None
        if not update_if_version(draft, draft.version, where=(StrategyDraft.status != DraftStatus.ADOPTED,),
                                 principles=data["principles"], change_tasks=data["change_tasks"]):
            raise changed_meanwhile
    else:
        segment = next((s for s in draft.segments if part_key(s) == revision.part), None)
        if segment is None:
            raise StrategyRefused(_l("This segment no longer exists."))
        values = {**_typed({k: v for k, v in data.items() if k in SEGMENT_FIELDS}),
                  "deleted_at": utcnow() if revision.data.get("removed") else None}
        lots = {lot.id: lot for lot in draft.consultation.lots}
        if values.get("lot_id") not in lots:
            values["lot_id"] = None  # (a lot removed since: the segment is not tied to one)
        # Only the choices of municipalities in that scope now.
        scope = {m.id for m in (lots[values["lot_id"]].municipalities if values["lot_id"]
                                else draft.consultation.municipalities)}
        values["local_choices"] = [c for c in values.get("local_choices") or [] if c["municipality"] in scope]
        if not update_if_version(segment, segment.version, **values):
            raise changed_meanwhile
    _revise(draft, segment, "restored", by)
    record_event("strategy_revision_restored", actor=by, obj=draft, revision=revision.number, part=revision.part)


# --- open for comment ----------------------------------------------------------------------------

# The fields of a part that are open for comment, in the order of its page; list fields give one
# paragraph per item, text fields one per blank-line separated paragraph. The tariff is not among
# them: what the municipality means to pay is published by the team in its own time, never through
# a draft's audience.
COMMENT_FIELDS = {GENERAL: GENERAL_FIELDS,
                  "segment": ("services", "organisation_form_explanation", "process", "funding_explanation",
                              "suitability", "award_criteria", "kpis", "rationale")}


def comment_paragraphs(draft: StrategyDraft) -> list[ParagraphSpec]:
    """The strategy draft as numbered paragraphs: part number (the general part 1, the segments 2, 3,
    …) and paragraph within the part; paragraphs are matched across revisions by text within their
    part and field, so an update keeps each comment on its paragraph."""
    specs = []
    parts = [(GENERAL, str(_l("General part")), draft, GENERAL_FIELDS)] + [
        (part_key(segment), segment.name, segment, COMMENT_FIELDS["segment"]) for segment in live_segments(draft)]
    for number, (part, label, holder, fields) in enumerate(parts, start=1):
        count = 0
        for name in fields:
            value = getattr(holder, name) or ""
            items = [item.strip() for item in value if item.strip()] if isinstance(value, list) \
                else split_paragraphs(value)
            for text in items:
                count += 1
                specs.append(ParagraphSpec(f"{part}.{name}", f"{number}.{count}",
                                           f"{label} — {FIELD_LABELS[name]}", text))
    return specs


def comment_draft_of(draft: StrategyDraft) -> Draft | None:
    """The draft for comment made from the strategy, if the team opened one."""
    return strategy_draft_of(draft.consultation)


def open_for_comment(draft: StrategyDraft, *, by: User) -> tuple[Draft, bool]:
    """The strategy's text as it is now becomes the draft for comment: made on first use (True), or,
    when the team opened it before, its paragraphs replaced by the current text (False). Saving the
    strategy never changes the draft for comment by itself: participants see only a text the team
    chose to put before them (audit event ``draft_text_updated``)."""
    _require_editable(draft)
    specs = comment_paragraphs(draft)
    if not specs:
        raise StrategyRefused(_l("Write the general part or a segment first: there is nothing to comment on yet."))
    existing = comment_draft_of(draft)
    try:
        comment_draft = ensure_strategy_draft(draft.consultation, title=str(_l("Procurement strategy (draft)")),
                                              specs=specs, by=by)
    except DraftRefused as refused:
        raise StrategyRefused(refused.message) from None
    if existing is not None:
        record_event("draft_text_updated", actor=by, obj=comment_draft, consultation=draft.consultation,
                     revision=draft.revision_count, paragraphs=len(specs))
    return comment_draft, existing is None


# --- status -------------------------------------------------------------------------------------

def share(draft: StrategyDraft, *, by: User) -> None:
    _require_editable(draft)
    if draft.status == DraftStatus.SHARED:
        return
    draft.status, draft.shared_at = DraftStatus.SHARED, utcnow()
    record_event("strategy_shared", actor=by, obj=draft)
    # Every council member who may now read the draft is told, not only councils asked for advice.
    from consult.strategy.permissions import can_read_strategy

    councils = db.session.scalars(select(Organisation.id).where(Organisation.kind == OrgKind.COUNCIL))
    readers = [user for user in organisation_users(councils)
               if can_read_strategy(user, draft.consultation, draft)]
    notify(readers, Kind.ADVICE, consultation=draft.consultation,
           data={"event": "strategy_shared", "consultation": draft.consultation.title},
           link=url_path("strategy.overview", slug=draft.consultation.slug))


def adopt(draft: StrategyDraft, name: str, *, by: User) -> None:
    _require_editable(draft)
    name = _text(name, 200)
    if not name:
        raise StrategyRefused(_l("Give the adopted version a name, for example “Inkoopstrategie 2027, vastgesteld”."))
    draft.status, draft.adopted_at, draft.adopted_name = DraftStatus.ADOPTED, utcnow(), name
    record_event("strategy_adopted", actor=by, obj=draft, name=name)


# --- evidence -----------------------------------------------------------------------------------

@dataclass
class Source:
    type: str
    ref: str
    title: str
    text: str
    confidential: bool = False
    searched: str = ""  # the text the search reads, where it differs from the one shown (stored numbers)


def sources(consultation: Consultation, query: str = "", limit: int = 50, *, user: User | None = None) -> list[Source]:
    """Input that can be linked, matching ``query`` (all types), newest kinds last: the database
    finds the matches and reads at most ``limit`` of them. With ``user`` (the person picking), an
    earlier round's confidential input is left out unless they may analyse that round."""
    needle = query.strip().casefold()
    found = _sources(consultation, needle=needle, limit=limit, user=user)
    if needle:
        found = [s for s in found if needle in (s.searched or s.text).casefold() or needle in s.text.casefold()
                 or needle in s.title.casefold()]
    return found[:limit]


def sources_by_key(consultation: Consultation, keys, *, user: User | None = None) -> dict[tuple[str, str], Source]:
    """The input named by ``keys`` ((source type, ref) pairs, as evidence links and tagged input name
    it), by key: only these rows are read, however much input the consultation has."""
    wanted: dict[str, set[str]] = {}
    for source_type, ref in keys:
        if source_type in SOURCE_TYPES:
            wanted.setdefault(source_type, set()).add(ref)
    if not wanted:
        return {}
    return {(s.type, s.ref): s for s in _sources(consultation, wanted, user=user)}


def _ids(refs) -> set[int]:
    """The numbers among ``refs`` that a row can have (posted text: anything else is no source)."""
    return {n for ref in refs if (n := db_int(ref)) is not None}


def _answer_pairs(refs) -> set[tuple[int, int]]:
    return {(db_int(r), db_int(q)) for r, _sep, q in (ref.partition("-") for ref in refs)
            if db_int(r) is not None and db_int(q) is not None}


def _answers_of(consultation: Consultation, question_ids, pairs: set[tuple[int, int]] | None = None):
    query = current_answers(consultation).where(SubmittedAnswer.question_id.in_(set(question_ids)))
    if pairs is not None:
        query = query.where(tuple_(SubmittedAnswer.response_id, SubmittedAnswer.question_id).in_(sorted(pairs)))
    return query


def _sources(consultation: Consultation, only: dict[str, set[str]] | None = None, *, needle: str = "",
             limit: int | None = None, earlier: bool = True, user: User | None = None) -> list[Source]:
    """The sources of ``consultation``: every one; with ``only`` (refs per source type) just those;
    with ``needle`` those whose text or name contains it, at most ``limit`` in all (the database
    filters and stops; what it finds the caller checks again against the shown title); ``earlier``:
    with the input of the trajectory's earlier rounds, as ``user`` may see them (see
    :func:`_earlier_round_sources`)."""
    pattern = like_contains(needle) if needle else None

    def wants(source_type: str) -> bool:
        if limit is not None and len(found) >= limit:
            return False
        if source_type == "earlier_round" and not earlier:
            return False
        return only is None or bool(only.get(source_type))

    def narrow(query, column, refs_of: str):
        if only is not None:
            query = query.where(column.in_(_ids(only[refs_of])))
        if limit is not None:
            query = query.limit(limit - len(found))
        return query

    def matching(*columns):
        return or_(*(func.lower(column).like(pattern, escape="\\") for column in columns))

    found: list[Source] = []
    questions = {q.id: q for t in consultation.themes for q in t.questions}
    if wants("answer"):
        pairs = _answer_pairs(only["answer"]) if only is not None else None
        query = _answers_of(consultation, questions, pairs)
        if pattern:
            titled = [q for q, question in questions.items() if needle in question.text[:80].casefold()]
            query = query.where(or_(SubmittedAnswer.folded.like(pattern, escape="\\"),
                                    matching(Organisation.name), SubmittedAnswer.question_id.in_(titled)))
        if limit is not None:
            query = query.limit(limit)
        for item in answer_items_of(query):
            if pairs is None or (item.response.id, item.question_id) in pairs:
                found.append(Source("answer", item.key,
                                    f"{item.response.organisation.name} — {questions[item.question_id].text[:80]}",
                                    item.shown, item.confidential, searched=item.text))
    if wants("excerpt"):
        query = select(Coding).join(Tag).where(Tag.consultation_id == consultation.id, Coding.start.is_not(None))
        if pattern:
            query = query.where(matching(Coding.excerpt, Tag.name))
        excerpts = list(db.session.scalars(narrow(query, Coding.id, "excerpt")
                                           .options(selectinload(Coding.tag)).order_by(Coding.id)))
        # An excerpt of a confidential answer is confidential too.
        from_pairs = {(c.response_id, c.question_id) for c in excerpts}
        confidential = {item.key for item in answer_items_of(_answers_of(consultation, questions, from_pairs))
                        if item.confidential} if from_pairs else set()
        for coding in excerpts:
            found.append(Source("excerpt", str(coding.id), str(_l("tagged %(tag)s", tag=coding.tag.name)),
                                coding.excerpt, f"{coding.response_id}-{coding.question_id}" in confidential))
    # Linked evidence is shown to the councils: only messages every reader may read (the gate decides).
    if wants("post"):
        query = shown_posts(select(Post), None, consultation, post=Post, thread=Thread)
        if pattern:
            query = query.where(or_(matching(Post.body), Post.thread.has(matching(Thread.title))))
        for post in db.session.scalars(narrow(query, Post.id, "post").options(selectinload(Post.thread))):
            found.append(Source("post", str(post.id), str(_l("Message in “%(thread)s”", thread=post.thread.title)),
                                post.body))
    if wants("qa"):
        query = select(QaItem).where(QaItem.consultation_id == consultation.id, QaItem.status == QaStatus.PUBLISHED)
        if pattern:
            query = query.where(matching(QaItem.question, QaItem.answer))
        for item in db.session.scalars(narrow(query, QaItem.id, "qa").order_by(QaItem.id)):
            found.append(Source("qa", str(item.id), str(_l("Question %(n)s", n=item.number)),
                                f"{item.question} — {item.answer}"))
    if wants("advice_point"):
        query = select(AdvicePoint).join(Advice).join(AdviceRequest).where(
            AdviceRequest.consultation_id == consultation.id, Advice.status != AdviceStatus.DRAFT)
        if pattern:
            query = query.where(matching(AdvicePoint.title, AdvicePoint.body))
        for point in db.session.scalars(narrow(query, AdvicePoint.id, "advice_point").order_by(AdvicePoint.id)
                                        .options(selectinload(AdvicePoint.advice).selectinload(Advice.council))):
            found.append(Source("advice_point", str(point.id),
                                str(_l("Advice of %(council)s, point %(n)s", council=point.advice.council.name,
                                       n=point.number)),
                                f"{point.title}: {point.body}"))
    if wants("synthesis"):
        themes = {t.id: t for t in consultation.themes}
        query = select(Synthesis).where(Synthesis.consultation_id == consultation.id)
        if pattern:
            query = query.where(matching(Synthesis.text))
        for synthesis in db.session.scalars(narrow(query, Synthesis.id, "synthesis").order_by(Synthesis.id)):
            scope = questions[synthesis.question_id].text[:80] if synthesis.question_id else themes[synthesis.theme_id].title
            found.append(Source("synthesis", str(synthesis.id), scope, synthesis.text))
    # Published minutes of sessions that were held (not cancelled): what was said at the table.
    if wants("minutes_point"):
        query = select(MinutesPoint).join(AgendaItem).join(DialogueSession).where(
            DialogueSession.consultation_id == consultation.id, DialogueSession.minutes_published_at.is_not(None),
            DialogueSession.status != SessionStatus.CANCELLED)
        if pattern:
            query = query.where(matching(MinutesPoint.text, DialogueSession.title))
        for point in db.session.scalars(narrow(query, MinutesPoint.id, "minutes_point").order_by(MinutesPoint.id)
                                        .options(selectinload(MinutesPoint.item).selectinload(AgendaItem.session))):
            found.append(Source("minutes_point", str(point.id),
                                str(_l("“%(session)s”, point %(n)s", session=point.item.session.title,
                                       n=f"{point.item.position + 1}.{point.number}")), point.text))
    # Written input is the organisation's own text for the team, like an answer: evidence is shown
    # to the team only, so its title names the organisation.
    if wants("written_input"):
        query = select(WrittenInput).join(AgendaItem).join(DialogueSession).join(
            Organisation, Organisation.id == WrittenInput.organisation_id).where(
            DialogueSession.consultation_id == consultation.id, DialogueSession.status != SessionStatus.CANCELLED)
        if pattern:
            query = query.where(matching(WrittenInput.text, Organisation.name, AgendaItem.title))
        for written in db.session.scalars(narrow(query, WrittenInput.id, "written_input").order_by(WrittenInput.id)
                                          .options(selectinload(WrittenInput.organisation),
                                                   selectinload(WrittenInput.item).selectinload(AgendaItem.session))):
            found.append(Source("written_input", str(written.id),
                                str(_l("Written input of %(org)s on “%(item)s” (%(session)s)",
                                       org=written.organisation.name, item=written.item.title,
                                       session=written.item.session.title)), written.text))
    # A comment on a draft open for comment; confidential or "do not publish" ones are for the team only.
    if wants("draft_comment"):
        query = select(DraftComment).join(DraftParagraph).join(Draft).where(
            Draft.consultation_id == consultation.id, DraftComment.withdrawn_at.is_(None))
        if pattern:
            query = query.where(matching(DraftComment.body))
        for comment in db.session.scalars(narrow(query, DraftComment.id, "draft_comment").order_by(DraftComment.id)
                                          .options(joinedload(DraftComment.organisation))):
            found.append(Source("draft_comment", str(comment.id),
                                str(_l("%(org)s on “%(draft)s”, paragraph %(n)s", org=comment.organisation.name,
                                       draft=comment.paragraph.draft.title, n=comment.paragraph.number)),
                                comment.body, comment.confidential or comment.publication == "none"))
    # The team's funding scenarios: what a funding form would cost, with a tariff as the gate makes it.
    if wants("scenario"):
        query = select(FundingScenario).where(FundingScenario.consultation_id == consultation.id)
        if pattern:
            query = query.where(matching(FundingScenario.name, FundingScenario.product))
        for scenario in db.session.scalars(narrow(query, FundingScenario.id, "scenario").order_by(FundingScenario.id)):
            found.append(Source("scenario", str(scenario.id),
                                f"“{scenario.name}”", scenario_summary(scenario)))
    if wants("earlier_round"):
        found += _earlier_round_sources(consultation, only["earlier_round"] if only is not None else None,
                                        needle=needle, limit=None if limit is None else limit - len(found),
                                        user=user)
    return found


def _earlier_round_sources(consultation: Consultation, refs: set[str] | None, *, needle: str,
                           limit: int | None, user: User | None = None) -> list[Source]:
    """The input of the rounds before ``consultation``'s in its trajectory (only ``refs`` when given,
    each "<consultation id>:<source type>:<ref>"), each read by :func:`_sources` for its own round, so
    every rule of that round applies; titled with the round's number. A ref of a consultation that
    is no earlier round of this trajectory names nothing. A round that ``user`` may not analyse
    (the later round's team is not always the earlier one's) gives none of its confidential input:
    it is neither listed, nor found by a search for its words, nor linkable."""
    wanted: dict[int, dict[str, set[str]]] | None = None
    if refs is not None:
        wanted = {}
        for ref in refs:
            parsed = parse_earlier_ref(ref)
            if parsed is not None and parsed.source_type in SOURCE_TYPES and parsed.source_type != "earlier_round":
                wanted.setdefault(parsed.consultation_id, {}).setdefault(parsed.source_type, set()).add(parsed.ref)
    found: list[Source] = []
    for number, item in earlier_rounds(consultation):
        if wanted is not None and item.consultation_id not in wanted:
            continue
        if limit is not None and len(found) >= limit:
            break
        restricted = user is not None and not can_analyse(user, item.consultation)
        # Restricted, the round's confidential rows are read and dropped: no limit, or they would
        # take the places of what may be shown.
        for source in _sources(item.consultation, wanted[item.consultation_id] if wanted is not None else None,
                               needle=needle, earlier=False,
                               limit=None if limit is None or restricted else limit - len(found)):
            if restricted and source.confidential:
                continue
            if limit is not None and len(found) >= limit:
                break
            found.append(Source("earlier_round", earlier_ref(item.consultation_id, source.type, source.ref),
                                str(_l("Round %(number)d — %(title)s", number=number, title=source.title)),
                                source.text, source.confidential))
    return found


def find_source(consultation: Consultation, source_type: str, ref: str, *, user: User | None = None) -> Source | None:
    """The input named by type and ref, as ``user`` may see it (see :func:`_sources`); None when none."""
    if source_type not in SOURCE_TYPES:
        return None
    return sources_by_key(consultation, [(source_type, ref)], user=user).get((source_type, ref))


def choices_of(part: str) -> tuple[str, ...]:
    """The choices of ``part`` that evidence can point at: a segment's, none for the general part."""
    return SEGMENT_CHOICES if part.startswith("segment:") else ()


def choice_label(choice: str) -> str:
    return str(CHOICE_LABELS.get(choice, choice))


def check_choice(part: str, choice: str | None) -> str:
    """``choice`` as stored ("" for the part as a whole); StrategyRefused when the part has no such choice."""
    choice = (choice or "").strip()
    if choice and choice not in choices_of(part):
        if part == GENERAL:
            raise StrategyRefused(_l("The general part has no separate choices: link the input to the general "
                                     "part as a whole, or choose a segment."), field="choice")
        raise StrategyRefused(_l("This segment has no such choice. Choose one of its choices, or the segment as "
                                 "a whole."), field="choice")
    return choice


def link_evidence(draft: StrategyDraft, part: str, source_type: str, ref: str, disposition: Disposition, reason: str,
                  *, by: User, choice: str = "") -> EvidenceLink:
    """Link input to a part, or to one ``choice`` of a segment ("" for the part as a whole), with what
    was done with it; linking the same input to the same place again replaces disposition and reason."""
    _require_editable(draft)
    choice = check_choice(part, choice)
    if find_source(draft.consultation, source_type, ref, user=by) is None:
        raise StrategyRefused(_l("Choose the input this part is based on."), field="sources")
    reason = _text(reason, 2000)
    if not reason:
        raise StrategyRefused(_l("Give a short reason for what was done with this input."), field="reason")
    link = db.session.scalar(select(EvidenceLink).where(
        EvidenceLink.draft_id == draft.id, EvidenceLink.part == part, EvidenceLink.choice == choice,
        EvidenceLink.source_type == source_type, EvidenceLink.source_ref == ref))
    if link is None:
        link = EvidenceLink(draft_id=draft.id, part=part, choice=choice, source_type=source_type, source_ref=ref)
        db.session.add(link)
    link.disposition, link.reason, link.created_by_id = disposition, reason, by.id
    db.session.flush()
    record_event("evidence_linked", actor=by, obj=draft, part=part, source=f"{source_type}:{ref}",
                 disposition=disposition.value, **({"choice": choice} if choice else {}))
    return link


def unlink_evidence(link: EvidenceLink, *, by: User) -> None:
    record_event("evidence_unlinked", actor=by, obj=link, part=link.part)
    db.session.delete(link)


def links_for(draft: StrategyDraft) -> list[EvidenceLink]:
    return list(db.session.scalars(select(EvidenceLink).where(EvidenceLink.draft_id == draft.id)
                                   .order_by(EvidenceLink.part, EvidenceLink.id)))


PART_PAGE_SIZE = 20


def _page(query, page: int, per_page: int):
    """One page of ``query`` (counted by the database); past the last page (an old link), the last."""
    result = db.paginate(query, page=max(page, 1), per_page=per_page, error_out=False)
    if not result.items and result.page > 1 and result.pages:
        result = db.paginate(query, page=result.pages, per_page=per_page, error_out=False)
    return result


def part_links_page(draft: StrategyDraft, part: str, page: int = 1, per_page: int = PART_PAGE_SIZE):
    """One page of the evidence links of one part: a segment's per choice in the segment's order,
    the links to the segment as a whole after them; oldest first within each."""
    order = [EvidenceLink.id]
    if choices_of(part):
        # The segment's choices in order, a choice the code no longer knows, the segment as a whole.
        order = [case((EvidenceLink.choice == "", len(SEGMENT_CHOICES) + 1),
                      *((EvidenceLink.choice == c, n) for n, c in enumerate(SEGMENT_CHOICES)),
                      else_=len(SEGMENT_CHOICES)),
                 EvidenceLink.choice, EvidenceLink.id]
    return _page(select(EvidenceLink).where(EvidenceLink.draft_id == draft.id, EvidenceLink.part == part)
                 .order_by(*order), page, per_page)


def linked_choices(draft: StrategyDraft, part: str) -> set[str]:
    """The choices of a part that have evidence on any page ("" for the part as a whole)."""
    return set(db.session.scalars(select(EvidenceLink.choice).where(
        EvidenceLink.draft_id == draft.id, EvidenceLink.part == part).distinct()))


def part_labels(draft: StrategyDraft) -> dict[str, str]:
    """The name of every part of ``draft`` by its key (removed segments included)."""
    labels = {part_key(s): s.name for s in draft.segments}
    labels[GENERAL] = str(_l("General part"))
    return labels


def round_numbers(consultation: Consultation) -> dict[int, int]:
    """The number of each earlier round of ``consultation``'s trajectory, by its consultation's id:
    read once for a page of links, whatever the number of links to earlier rounds."""
    return {item.consultation_id: number for number, item in earlier_rounds(consultation)}


def evidence_label(labels: dict[str, str], link: EvidenceLink, rounds: dict[int, int] | None = None) -> str:
    """Where a link points, for people: the part's name, and the choice within it when it names one;
    a link to an earlier round's input names that round (``rounds``: :func:`round_numbers`, read by
    the caller once for all its links)."""
    part = labels.get(link.part, link.part)
    if link.source_type == "earlier_round":
        part = _with_round(part, link.source_ref, rounds)
    if not link.choice:
        return part
    return str(_l("%(part)s – %(choice)s", part=part, choice=choice_label(link.choice)))


def _with_round(label: str, ref: str, rounds: dict[int, int] | None = None) -> str:
    """``label`` with the round of the trajectory that an "earlier_round" ref's input came from
    (its number from ``rounds`` when given; else read for this one ref)."""
    parsed = parse_earlier_ref(ref)
    if parsed is None:
        return label
    if rounds is not None:
        number = rounds.get(parsed.consultation_id)
    else:
        consultation = db.session.get(Consultation, parsed.consultation_id)
        item = round_of(consultation) if consultation is not None else None
        number = item.number if item else None
    return str(_l("%(label)s (input of round %(number)d)", label=label, number=number)) if number else label


@dataclass
class ChoiceEvidence:
    choice: str
    label: str
    links: list


def evidence_by_choice(part: str, links: list) -> tuple[list[ChoiceEvidence], list, list[str]]:
    """A segment's links (each item a (link, source) pair) per choice: the choices that have links,
    in the segment's order; the links to the part as a whole; and the names of the choices that
    nothing is linked to yet. A choice the code no longer knows is kept, under its own key."""
    grouped: dict[str, list] = {}
    whole = []
    for item in links:
        if item[0].choice:
            grouped.setdefault(item[0].choice, []).append(item)
        else:
            whole.append(item)
    order = list(choices_of(part)) + sorted(set(grouped) - set(choices_of(part)))
    supported = [ChoiceEvidence(c, choice_label(c), grouped[c]) for c in order if c in grouped]
    return supported, whole, [choice_label(c) for c in choices_of(part) if c not in grouped]


def informed_about(draft: StrategyDraft | None,
                   refs: dict[str, set[str]]) -> dict[str, dict[str, list[tuple[str, EvidenceLink]]]]:
    """Per source type and ref of ``refs`` (the input a page shows): the parts (label, link) of
    ``draft`` it informed, in one statement that reads only these links; the parts' names come
    from the draft's segments (loaded with it by :func:`draft_for`)."""
    wanted = [(source_type, sorted(r)) for source_type, r in refs.items() if r]
    result: dict[str, dict[str, list[tuple[str, EvidenceLink]]]] = {source_type: {} for source_type in refs}
    if draft is None or not wanted:
        return result
    labels = part_labels(draft)
    links = db.session.scalars(select(EvidenceLink).where(
        EvidenceLink.draft_id == draft.id,
        or_(*(and_(EvidenceLink.source_type == source_type, EvidenceLink.source_ref.in_(r))
              for source_type, r in wanted))).order_by(EvidenceLink.id)).all()
    rounds = round_numbers(draft.consultation) if any(link.source_type == "earlier_round" for link in links) else {}
    for link in links:
        result[link.source_type].setdefault(link.source_ref, []).append((evidence_label(labels, link, rounds),
                                                                         link))
    return result


def informed(consultation: Consultation, source_type: str) -> dict[str, list[tuple[str, EvidenceLink]]]:
    """Per source ref of ``source_type``: the parts (label, link) it informed; a label names the
    choice within the part when the link does."""
    links = db.session.scalars(select(EvidenceLink).join(StrategyDraft).where(
        StrategyDraft.consultation_id == consultation.id, EvidenceLink.source_type == source_type)
        .order_by(EvidenceLink.id)).all()
    if not links:
        return {}
    labels = {part_key(s): s.name for s in db.session.scalars(select(Segment).where(
        Segment.draft_id == links[0].draft_id))}
    labels[GENERAL] = str(_l("General part"))
    rounds = round_numbers(consultation) if source_type == "earlier_round" else {}
    result: dict[str, list[tuple[str, EvidenceLink]]] = {}
    for link in links:
        result.setdefault(link.source_ref, []).append((evidence_label(labels, link, rounds), link))
    return result


NOT_CONSIDERED_PAGE_SIZE = 50


def _tagged_input(consultation: Consultation, draft: StrategyDraft | None):
    """A query of the tagged input of ``consultation`` that no part of ``draft`` has dispositioned
    yet, one row per input: (source type, ref), as evidence links name it."""
    source_type = case((Coding.post_id.is_not(None), "post"),
                       (Coding.minutes_point_id.is_not(None), "minutes_point"),
                       (Coding.written_input_id.is_not(None), "written_input"),
                       (Coding.start.is_not(None), "excerpt"), else_="answer").label("source_type")
    ref = case((Coding.post_id.is_not(None), cast(Coding.post_id, String)),
               (Coding.minutes_point_id.is_not(None), cast(Coding.minutes_point_id, String)),
               (Coding.written_input_id.is_not(None), cast(Coding.written_input_id, String)),
               (Coding.start.is_not(None), cast(Coding.id, String)),
               else_=cast(Coding.response_id, String) + "-" + cast(Coding.question_id, String)).label("ref")
    query = select(source_type, ref).join(Tag).where(Tag.consultation_id == consultation.id)
    if draft is None:
        return query.distinct()
    # A set difference (EXCEPT, which also removes duplicates), not a NOT EXISTS per tagged row:
    # the database compares the two sets once.
    return except_(query, select(EvidenceLink.source_type, EvidenceLink.source_ref)
                   .where(EvidenceLink.draft_id == draft.id))


def not_considered_count(consultation: Consultation, draft: StrategyDraft | None) -> int:
    """How much tagged input no part has dispositioned yet, counted by the database."""
    return db.session.scalar(select(func.count()).select_from(_tagged_input(consultation, draft).subquery()))


def not_considered(consultation: Consultation, draft: StrategyDraft | None) -> list[tuple[str, str, str]]:
    """Tagged input that no part has dispositioned yet: (source type, ref, tag names), all of it."""
    return _not_considered(consultation, draft, _tagged_input(consultation, draft).subquery().select())


def not_considered_page(consultation: Consultation, draft: StrategyDraft | None, page: int = 1,
                        per_page: int = NOT_CONSIDERED_PAGE_SIZE) -> tuple[list[tuple[str, str, str]], int]:
    """One page of the tagged input that no part has dispositioned yet: (source type, ref, tag
    names) in type and ref order, and how much there is in all. Only the page's input is read."""
    keys = _tagged_input(consultation, draft).subquery().select()
    return (_not_considered(consultation, draft, keys.limit(per_page).offset((max(page, 1) - 1) * per_page)),
            not_considered_count(consultation, draft))


def _not_considered(consultation: Consultation, draft: StrategyDraft | None, keys) -> list[tuple[str, str, str]]:
    keys = db.session.execute(keys.order_by("source_type", "ref")).all()
    names: dict[tuple[str, str], set[str]] = {}
    posts = {int(r) for t, r in keys if t == "post"}
    excerpts = {int(r) for t, r in keys if t == "excerpt"}
    answers = {tuple(int(n) for n in r.split("-")) for t, r in keys if t == "answer"}
    conditions = []
    if posts:
        conditions.append(Coding.post_id.in_(posts))
    if excerpts:
        conditions.append(Coding.id.in_(excerpts))
    points = {int(r) for t, r in keys if t == "minutes_point"}
    inputs = {int(r) for t, r in keys if t == "written_input"}
    if points:
        conditions.append(Coding.minutes_point_id.in_(points))
    if inputs:
        conditions.append(Coding.written_input_id.in_(inputs))
    if answers:
        conditions.append(and_(Coding.post_id.is_(None), Coding.start.is_(None), Coding.response_id.is_not(None),
                               tuple_(Coding.response_id, Coding.question_id).in_(sorted(answers))))
    if conditions:
        for coding_id, post_id, start, response_id, question_id, point_id, input_id, tag_name in db.session.execute(
                select(Coding.id, Coding.post_id, Coding.start, Coding.response_id, Coding.question_id,
                       Coding.minutes_point_id, Coding.written_input_id, Tag.name)
                .join(Tag).where(Tag.consultation_id == consultation.id, or_(*conditions))):
            if post_id is not None:
                key = ("post", str(post_id))
            elif point_id is not None:
                key = ("minutes_point", str(point_id))
            elif input_id is not None:
                key = ("written_input", str(input_id))
            elif start is not None:
                key = ("excerpt", str(coding_id))
            else:
                key = ("answer", f"{response_id}-{question_id}")
            names.setdefault(key, set()).add(tag_name)
    return [(t, r, ", ".join(sorted(names.get((t, r), ())))) for t, r in keys]


# --- council comments -------------------------------------------------------------------------

def add_comment(draft: StrategyDraft, part: str, body: str, *, by: User, organisation: Organisation) -> StrategyComment:
    if draft.status != DraftStatus.SHARED:
        raise StrategyRefused(_l("Comments are possible while the draft is shared with the councils."))
    body = _text(body, 10_000)
    if not body:
        raise StrategyRefused(_l("Write your comment."))
    comment = StrategyComment(draft_id=draft.id, part=part, author_id=by.id, organisation_id=organisation.id, body=body)
    db.session.add(comment)
    db.session.flush()
    record_event("strategy_comment_added", actor=by, obj=comment, part=part)
    return comment


def handle_comment(comment: StrategyComment, reply: str, *, by: User) -> None:
    reply = _text(reply, 10_000)
    if not reply:
        raise StrategyRefused(_l("Write the reply to the comment."))
    comment.reply, comment.handled_at, comment.handled_by_id = reply, utcnow(), by.id
    record_event("strategy_comment_handled", actor=by, obj=comment)


def part_comments_page(draft: StrategyDraft, part: str, page: int = 1, per_page: int = PART_PAGE_SIZE):
    """One page of the council comments on one part, oldest first."""
    return _page(select(StrategyComment).where(StrategyComment.draft_id == draft.id, StrategyComment.part == part)
                 .options(selectinload(StrategyComment.author), selectinload(StrategyComment.organisation))
                 .order_by(StrategyComment.created_at, StrategyComment.id), page, per_page)


def comment_page_of(comment: StrategyComment, per_page: int = PART_PAGE_SIZE) -> int:
    """The page of its part's comments that ``comment`` is on."""
    before = db.session.scalar(select(func.count()).select_from(StrategyComment).where(
        StrategyComment.draft_id == comment.draft_id, StrategyComment.part == comment.part,
        or_(StrategyComment.created_at < comment.created_at,
            and_(StrategyComment.created_at == comment.created_at, StrategyComment.id < comment.id))))
    return before // per_page + 1


def comments_for(draft: StrategyDraft) -> list[StrategyComment]:
    return list(db.session.scalars(select(StrategyComment).where(StrategyComment.draft_id == draft.id)
                                   .options(selectinload(StrategyComment.author),
                                            selectinload(StrategyComment.organisation))
                                   .order_by(StrategyComment.created_at, StrategyComment.id)))
