"""Demo data: a region modelled on the Leiden region, its providers, councils and accounts.

Names and texts are invented for the demo. Later features extend ``load_demo``.
"""
from __future__ import annotations

from consult.auth.models import User
from consult.auth.passwords import hash_password
from consult.core.time import utcnow
from consult.extensions import db
from consult.orgs.models import MemberRole, Membership, Organisation, OrgKind

DEMO_PASSWORD = "consult-demo-2026"
# The demo's admin and team accounts share this published two-step login key, so anyone
# trying the demo can add it to an authenticator app (or use `flask demo-code EMAIL`).
DEMO_TOTP_SECRET = "CONSULTDEMOTWOSTEPLOGINSECRETAAA"

MUNICIPALITIES = ["Gemeente Leiden", "Gemeente Leiderdorp", "Gemeente Oegstgeest",
                  "Gemeente Voorschoten", "Gemeente Zoeterwoude"]

PROVIDERS = [
    ("Thuishulp Rijnstreek", "40112233", "https://thuishulp-rijnstreek.example.org"),
    ("Begeleiding Sleutelstad", "40223344", "https://sleutelstad-begeleiding.example.org"),
    ("Dagbesteding De Zijlhoeve", "40334455", "https://zijlhoeve.example.org"),
    ("Stichting Logeerhuis Het Anker", "40445566", "https://hetanker.example.org"),
    ("Beschermd Wonen Holland Rijnland", "40556677", None),
    ("Zorgcoöperatie Duin en Bollen", "40667788", "https://duinenbollen.example.org"),
]

COUNCILS = ["Adviesraad Sociaal Domein Leiden", "Cliëntenraad Wmo Leidse Regio"]


def enrol_demo_two_factor(users: dict[str, User]) -> None:
    """Switch on two-step login for the demo accounts whose role requires it."""
    for key in ("admin", "team"):
        users[key].totp_secret = DEMO_TOTP_SECRET
        users[key].totp_enabled_at = utcnow()


def load_demo() -> dict[str, User]:
    """Create the demo organisations and accounts (all with the demo password)."""
    password_hash = hash_password(DEMO_PASSWORD)
    now = utcnow()

    def account(email: str, name: str, org: Organisation | None = None,
                role: MemberRole = MemberRole.MEMBER, admin: bool = False) -> User:
        user = User(email=email, name=name, password_hash=password_hash, is_admin=admin,
                    email_verified_at=now, locale="nl")
        db.session.add(user)
        if org is not None:
            db.session.add(Membership(user=user, organisation=org, role=role))
        return user

    municipalities = [Organisation(kind=OrgKind.MUNICIPALITY, name=name) for name in MUNICIPALITIES]
    providers = [Organisation(kind=OrgKind.PROVIDER, name=name, kvk_number=kvk, website=site)
                 for name, kvk, site in PROVIDERS]
    councils = [Organisation(kind=OrgKind.COUNCIL, name=name) for name in COUNCILS]
    db.session.add_all(municipalities + providers + councils)

    users = {
        "admin": account("beheer@example.org", "Bram Beheer", admin=True),
        "team": account("team@example.org", "Tessa Teamlid", municipalities[0], MemberRole.CONTACT),
        "council": account("adviesraad@example.org", "Anton Adviesraad", councils[0],
                           MemberRole.CONTACT),
    }
    first_names = ["Zeynep", "Pieter", "Fatima", "Joost", "Mirjam", "Kees"]
    for number, (org, first) in enumerate(zip(providers, first_names, strict=True), start=1):
        users[f"provider{number}"] = account(f"zorg{number}@example.org", f"{first} Zorg",
                                             org, MemberRole.CONTACT)
    db.session.flush()

    from consult.consultations.demo import load_consultations

    organisations = {"municipalities": municipalities, "providers": providers, "councils": councils}
    consultations = load_consultations(users, organisations)

    from consult.responses.demo import load_responses

    # The second council gets its own member so both councils can respond.
    users["council2"] = account("clientenraad@example.org", "Carla Cliëntenraad", councils[1],
                                MemberRole.CONTACT)
    db.session.flush()
    load_responses(users, organisations, consultations)
    _sounding_board_responses(users, organisations, consultations["sounding"])

    from consult.dialogue.demo import load_dialogue

    load_dialogue(users, consultations)

    from consult.qa.demo import load_qa

    load_qa(users, organisations, consultations)

    from consult.advice.demo import load_advice

    load_advice(users, organisations, consultations)

    from consult.sessions.demo import load_sessions

    load_sessions(users, organisations, consultations)

    from consult.drafts.demo import load_drafts

    load_drafts(users, organisations, consultations)

    from consult.analysis.demo import load_analysis

    load_analysis(users, consultations)

    from consult.tariffs.demo import load_tariffs

    load_tariffs(users, consultations)

    from consult.strategy.demo import load_strategy

    load_strategy(users, organisations, consultations)

    from consult.reports.demo import load_report

    load_report(users, consultations)

    # The demo's history happened in the past: its notification mail counts as delivered.
    from sqlalchemy import update

    from consult.core.outbox import MailStatus, OutboundMail

    db.session.flush()
    db.session.execute(update(OutboundMail).values(status=MailStatus.SENT, sent_at=now))
    db.session.info.pop("consult_new_mail", None)
    return users


# What three providers answered in the sounding-board round (the first round of the trajectory).
SOUNDING_ANSWERS = {
    1: ["Meer ouderen die langer thuis wonen, en meer inwoners met psychische kwetsbaarheid.",
        "Taakgericht (lumpsum)", "Vaste aanspreekpunten per wijkteam."],
    4: ["Meer vraag naar logeeropvang om mantelzorgers te ontlasten.",
        "Outputgericht (per traject)", "Korte lijnen en een gezamenlijk overleg per kwartaal."],
    5: ["Meer jongvolwassenen die zelfstandig willen wonen met begeleiding.",
        "Inspanningsgericht (uren × tarief)", "Een vast contactpersoon bij de gemeente."],
}


def _sounding_board_responses(users: dict[str, User], organisations: dict, sounding) -> None:
    """Providers 1, 4 and 5 submitted in the sounding-board round (made through the real services,
    while the round was open): provider 4 can copy its answers into its draft of the market consultation."""
    from datetime import timedelta

    from consult.consultations.models import Status
    from consult.responses.models import Publication
    from consult.responses.services import save_answer, set_publication, start_response, submit

    sounding.status = Status.OPEN
    questions = sounding.themes[0].questions
    for number, values in SOUNDING_ANSWERS.items():
        user, org = users[f"provider{number}"], organisations["providers"][number - 1]
        when = sounding.closes_at - timedelta(days=6 - number)
        response = start_response(sounding, org, by=user, now=when)
        for question, value in zip(questions, values, strict=True):
            save_answer(response, question, value, False, None, by=user, now=when)
        set_publication(response, Publication.ANONYMOUS if number == 5 else Publication.NAMED, by=user, now=when)
        submit(response, by=user, now=when, notify=False)
    sounding.status = Status.CLOSED
