"""Demo drafts open for comment in the open consultation: a programme of requirements whose comment
period runs now (two comments, one of them confidential), and the team's starting points for access
whose period ended last week, every comment answered and one paragraph revised since. Written as
rows, not through the services: the demo's drafts were written and commented on before its history
starts, so they add no audit events or notifications of their own."""
from __future__ import annotations

from datetime import time, timedelta

from consult.advice.models import Disposition
from consult.consultations.models import Consultation, ParticipantAudience
from consult.core.time import combine_local, to_local, utcnow
from consult.drafts.models import Draft, DraftComment, DraftKind
from consult.drafts.services import document_paragraphs, sync_paragraphs
from consult.extensions import db
from consult.responses.models import Publication

REQUIREMENTS = """## Doelgroep en resultaat

Begeleiding is er voor inwoners die door een beperking, een chronisch probleem of psychische
kwetsbaarheid hulp nodig hebben om hun dagelijks leven zelf te regelen.

De aanbieder werkt aan resultaten die samen met de inwoner in het ondersteuningsplan staan, en legt
twee keer per jaar vast of ze bereikt zijn.

## Kwaliteit en personeel

Begeleiders hebben ten minste een afgeronde opleiding op mbo-niveau 4 in een passende richting.

Een inwoner heeft een vaste begeleider en hooguit één vaste vervanger.

## Samenwerking

De aanbieder neemt deel aan het overleg met het wijkteam in de wijken waar hij inwoners begeleidt."""

ACCESS_PARAGRAPHS = [
    "De toegang loopt via de wijkteams; een inwoner kan zich ook rechtstreeks bij een aanbieder melden voor "
    "algemene voorzieningen.",
    "Het wijkteam stelt het ondersteuningsplan op met de inwoner en de aanbieder, binnen twee weken na de melding.",
    "De gemeenten maken één werkwijze voor de vijf wijkteams in de regio.",
]
ACCESS = "\n\n".join(ACCESS_PARAGRAPHS)
# The access draft's second paragraph as the team revised it after the comment period.
ACCESS_REVISED = "\n\n".join([
    ACCESS_PARAGRAPHS[0],
    "Het wijkteam stelt het ondersteuningsplan op met de inwoner en de aanbieder, binnen vier weken na de "
    "melding; bij spoed binnen een week.",
    ACCESS_PARAGRAPHS[2],
])


def load_drafts(users: dict, organisations: dict, consultations: dict[str, Consultation]) -> None:
    consultation = consultations["open"]
    today = to_local(utcnow()).date()
    providers, council = organisations["providers"], organisations["councils"][0]

    requirements = Draft(
        consultation=consultation, kind=DraftKind.DOCUMENT, title="Programma van eisen begeleiding (concept)",
        introduction="Dit concept beschrijft wat de gemeenten van aanbieders van begeleiding vragen. "
                     "Reageer per alinea; wij beantwoorden elke reactie na de reactieperiode.",
        body=REQUIREMENTS, audience=ParticipantAudience.BOTH, created_by=users["team"],
        opens_at=combine_local(today - timedelta(days=3), time(9, 0)),
        closes_at=combine_local(today + timedelta(days=10), time(23, 59)))
    access = Draft(
        consultation=consultation, kind=DraftKind.DOCUMENT, title="Uitgangspunten toegang en wijkteams (concept)",
        introduction="De eerste uitgangspunten voor de toegang tot begeleiding.",
        body=ACCESS, audience=ParticipantAudience.BOTH, created_by=users["team"],
        opens_at=combine_local(today - timedelta(days=24), time(9, 0)),
        closes_at=combine_local(today - timedelta(days=7), time(23, 59)))
    db.session.add_all([requirements, access])
    db.session.flush()
    for draft in (requirements, access):
        sync_paragraphs(draft, document_paragraphs(draft.body))

    def paragraph(draft: Draft, number: str):
        return next(p for p in draft.paragraphs if p.number == number)

    written = requirements.opens_at + timedelta(days=1)
    db.session.add_all([
        DraftComment(paragraph=paragraph(requirements, "2.2"), organisation=providers[0], author=users["provider1"],
                     body="Een vaste vervanger is goed, maar bij ziekte in een klein team lukt dat niet altijd. "
                          "Kunt u 'zo veel mogelijk' toevoegen?",
                     publication=Publication.NAMED, anchored_text=paragraph(requirements, "2.2").text, anchored_number="2.2",
                     created_at=written, updated_at=written),
        DraftComment(paragraph=paragraph(requirements, "2.1"), organisation=providers[1], author=users["provider2"],
                     body="Van onze begeleiders heeft ongeveer een derde een opleiding op niveau 3; eis 4 zou "
                          "voor ons betekenen dat we mensen moeten laten gaan.",
                     confidential=True, publication=Publication.NAMED,
                     anchored_text=paragraph(requirements, "2.1").text, anchored_number="2.1",
                     created_at=written, updated_at=written),
    ])

    answered = access.closes_at + timedelta(days=2)
    written = access.opens_at + timedelta(days=3)
    second = paragraph(access, "2")
    comments = [
        (second, providers[2], users["provider3"], Publication.NAMED, Disposition.ADOPTED,
         "Twee weken is voor ons niet haalbaar in drukke periodes; vier weken past beter.",
         "De termijn wordt vier weken, met een week bij spoed."),
        (paragraph(access, "3"), council, users["council"], Publication.ANONYMOUS, Disposition.PARTLY,
         "Eén werkwijze is goed, maar laat ruimte voor de eigen aanpak van kleine kernen.",
         "De werkwijze is gelijk; de wijkteams kiezen wel hun eigen spreekuren."),
        (paragraph(access, "1"), providers[0], users["provider1"], Publication.NONE, Disposition.NOT_ADOPTED,
         "Laat inwoners zich voor begeleiding ook rechtstreeks bij ons melden.",
         "De toegang tot maatwerk blijft bij de wijkteams, zodat elke inwoner dezelfde afweging krijgt."),
    ]
    for target, organisation, author, publication, disposition, body, reply in comments:
        db.session.add(DraftComment(
            paragraph=target, organisation=organisation, author=author, body=body, publication=publication,
            anchored_text=target.text, anchored_number=target.number, created_at=written, updated_at=written,
            disposition=disposition,
            reply=reply, reply_version=2, replied_at=answered, replied_by=users["team"]))
    db.session.flush()
    # The team revised the second paragraph after the period: its comment shows the change.
    access.body = ACCESS_REVISED
    access.updated_at = answered
    sync_paragraphs(access, document_paragraphs(access.body))
