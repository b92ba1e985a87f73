"""Answers and responses: which answer may appear in an output, under which name, and in which totals.

The project team (``Audience.TEAM``) sees everything, with protected input marked. Outside the team:

* a response whose organisation chose "do not publish" (or has not chosen) appears nowhere, and counts in
  nothing, not even a total (``Protected.UNPUBLISHED_RESPONSE``);
* a confidential answer is never shown; it counts in a published rounded total only when its question says so
  (``Question.confidential_in_totals``), and then only under statistical disclosure control
  (``Protected.CONFIDENTIAL_ANSWER``);
* a response published without its name is attributed to a kind of organisation, never to the organisation
  (``Protected.UNNAMED_RESPONSE``).

The publication choice that applies is the stricter of the response's current choice and the choice in its
latest submission, so a change towards less publication takes effect at once and one towards more only with
the next submission.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from consult.disclosure import Audience, Protected
from consult.orgs.models import OrgKind
from consult.responses.models import Publication

# From most to least open.
_OPENNESS = (Publication.NAMED, Publication.ANONYMOUS, Publication.NONE)


def effective_publication(response, submitted: str | Publication | None = ...) -> Publication:
    """The publication choice that applies to a response: see :func:`stricter`.

    ``submitted`` is the choice frozen in the latest submission; when left out it is taken from the
    response where its query loaded it (``Response.submitted_publication``, from the submission's
    rows), else read from the latest submission's canonical copy.
    """
    if submitted is ...:
        if "submitted_publication" in response.__dict__:
            submitted = response.submitted_publication
        else:
            latest = response.latest_submission
            submitted = latest.snapshot.get("publication") if latest is not None else None
    return stricter(response.publication, submitted)


def stricter(current: str | Publication | None, submitted: str | Publication | None) -> Publication:
    """The stricter of the current and the submitted choice; no choice counts as "do not publish"."""
    choices = [Publication(c) if c else Publication.NONE for c in (current, submitted)]
    return max(choices, key=_OPENNESS.index)


def withheld_answer(publication: Publication, confidential: bool, audience: Audience) -> Protected | None:
    """Why an answer may not be shown to ``audience`` (None: it may)."""
    if audience == Audience.TEAM:
        return None
    if publication == Publication.NONE:
        return Protected.UNPUBLISHED_RESPONSE
    if confidential:
        return Protected.CONFIDENTIAL_ANSWER
    return None


def may_show_answer(publication: Publication, confidential: bool, audience: Audience) -> bool:
    return withheld_answer(publication, confidential, audience) is None


def may_count(question, publication: Publication, confidential: bool) -> bool:
    """May this answer count in a published aggregate (statistics, distributions)?"""
    if publication == Publication.NONE:
        return False
    return not confidential or (question.confidential_in_totals and question.kind.aggregates)


def counts_in_public(publication: Publication) -> bool:
    """May this response count in public figures about who took part?"""
    return publication != Publication.NONE


KIND_ATTRIBUTIONS = {OrgKind.PROVIDER: _l("a provider"), OrgKind.COUNCIL: _l("an advisory council")}


def shown_name(organisation, publication: Publication, audience: Audience) -> str | None:
    """The organisation's name where it may be shown, else None."""
    if audience == Audience.TEAM or publication == Publication.NAMED:
        return organisation.name
    return None


def attribution(organisation, publication: Publication, audience: Audience) -> str:
    """How input is attributed: by name where allowed, otherwise by kind of organisation."""
    name = shown_name(organisation, publication, audience)
    if name is not None:
        return name
    return str(KIND_ATTRIBUTIONS.get(organisation.kind, _l("an organisation")))


QUOTE_REFUSALS = {
    Protected.CONFIDENTIAL_ANSWER: _l("A confidential answer cannot be quoted."),
    Protected.UNPUBLISHED_RESPONSE: _l("This organisation chose not to have its answers published, so they "
                                       "cannot be quoted."),
}


def quote_refusal(publication: Publication, confidential: bool) -> str | None:
    """The reason a key quote may not be taken from this answer (for the report), or None."""
    reason = withheld_answer(publication, confidential, Audience.PUBLIC)
    return str(QUOTE_REFUSALS[reason]) if reason else None


def withheld_label(reason: Protected) -> str:
    """Why a piece of input was left out of a public output, for the team's report editor."""
    labels = {
        Protected.CONFIDENTIAL_ANSWER: _("the answer is confidential"),
        Protected.UNPUBLISHED_RESPONSE: _("the organisation chose not to publish its answers"),
        Protected.UNNAMED_RESPONSE: _("the organisation chose to be published without its name"),
    }
    return labels.get(reason, str(reason))
