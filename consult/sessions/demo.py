"""Demo dialogue sessions: a table on location and an online one for the open consultation, with
a few providers and a council registered, and a sounding table held ten days ago whose minutes are
published and open for comment (one comment answered). Written as rows, not through the services: the demo's
sessions were scheduled and registered for before its history starts, so they add no audit
events or notifications of their own."""
from __future__ import annotations

from datetime import time, timedelta

from consult.consultations.models import Consultation, ParticipantAudience
from consult.core.time import combine_local, to_local, utcnow
from consult.extensions import db
from consult.sessions.models import (
    AgendaItem,
    DialogueSession,
    MinutesComment,
    MinutesPoint,
    Registration,
    RegistrationStatus,
    WrittenInput,
)


def load_sessions(users: dict, organisations: dict, consultations: dict[str, Consultation]) -> None:
    consultation = consultations["open"]
    day = to_local(utcnow()).date() + timedelta(days=14)
    themes = {theme.title: theme for theme in consultation.themes}
    now = utcnow()
    table = DialogueSession(
        consultation=consultation, created_by=users["team"], title="Dialoogtafel dagbesteding en wijkteams",
        purpose="We bespreken de eerste opbrengst van de consultatie over **dagbesteding** en de rol van de "
                "wijkteams. Wie niet kan komen, kan vooraf schriftelijk inbreng leveren.",
        address="Stadhuis Leiden, Stadhuisplein 1\n2311 EJ Leiden", online_link="",
        starts_at=combine_local(day, time(13, 30)), ends_at=combine_local(day, time(16, 0)),
        registration_deadline=combine_local(day - timedelta(days=2), time(17, 0)),
        capacity=12, seats_per_organisation=2, audience=ParticipantAudience.BOTH,
        themes=[t for name, t in themes.items() if name in ("Dienstverlening", "Samenwerking")])
    online = DialogueSession(
        consultation=consultation, created_by=users["team"], title="Online sessie: bekostiging",
        purpose="Een online gesprek over de bekostigingsvorm voor de nieuwe contracten.",
        address="", online_link="https://meet.example.org/wmo-leiden-bekostiging",
        starts_at=combine_local(day + timedelta(days=7), time(10, 0)),
        ends_at=combine_local(day + timedelta(days=7), time(11, 30)),
        registration_deadline=combine_local(day + timedelta(days=6), time(12, 0)),
        capacity=30, seats_per_organisation=2, audience=ParticipantAudience.PROVIDERS, themes=[])
    providers = organisations["providers"]
    for who, organisation in (("provider1", providers[0]), ("provider3", providers[2]),
                              ("council", organisations["councils"][0])):
        db.session.add(Registration(session=table, user=users[who], organisation=organisation,
                                    status=RegistrationStatus.REGISTERED, created_at=now, seated_at=now))
    table.agenda = [
        AgendaItem(position=0, title="Welkom en doel van de tafel", description=""),
        AgendaItem(position=1, title="Dagbesteding in de wijk",
                   description="Wat werkt in de huidige dagbesteding en wat moet anders?"),
        AgendaItem(position=2, title="Samenwerking met de wijkteams", description=""),
    ]
    table.agenda_published_at = now
    db.session.add_all([table, online])
    db.session.flush()
    _held_session(users, organisations, consultation)


def _held_session(users: dict, organisations: dict, consultation: Consultation) -> None:
    """A table held ten days ago: its minutes were published a week ago and are open for comment
    for another week. One provider agreed to be named, the council did not."""
    day = to_local(utcnow()).date() - timedelta(days=10)
    held = combine_local(day, time(10, 0))
    providers, council = organisations["providers"], organisations["councils"][0]
    session = DialogueSession(
        consultation=consultation, created_by=users["team"], title="Verkennende tafel huishoudelijke hulp",
        purpose="Een eerste verkenning van de knelpunten in de huishoudelijke hulp.",
        address="Stadhuis Leiden, Stadhuisplein 1\n2311 EJ Leiden", online_link="",
        starts_at=held, ends_at=combine_local(day, time(12, 0)),
        registration_deadline=held - timedelta(days=2), capacity=10, seats_per_organisation=2,
        audience=ParticipantAudience.BOTH, agenda_published_at=held - timedelta(days=7),
        minutes_published_at=held + timedelta(days=3), comments_close_at=combine_local(
            to_local(utcnow()).date() + timedelta(days=8), time(0, 0)))
    for who, organisation, may_name in (("provider3", providers[2], True), ("council", council, False)):
        db.session.add(Registration(session=session, user=users[who], organisation=organisation,
                                    status=RegistrationStatus.REGISTERED, created_at=held - timedelta(days=9),
                                    seated_at=held - timedelta(days=9), attended=True, may_name_organisation=may_name))
    staffing = AgendaItem(position=0, title="Personeel en continuïteit", description="")
    tariff = AgendaItem(position=1, title="Tarief en indicatie", description="")
    session.agenda = [staffing, tariff]
    staffing.minutes = [
        MinutesPoint(number=1, text="Het verloop van personeel is groot; vaste gezichten bij cliënten staan onder druk.",
                     organisation=providers[2], created_at=held),
        MinutesPoint(number=2, text="Cliënten willen vooraf weten wie er komt.", organisation=council,
                     created_at=held),
    ]
    tariff.minutes = [MinutesPoint(number=1, text="Een tarief per uur past beter dan een resultaattarief.",
                                   created_at=held)]
    db.session.add(session)
    db.session.add(WrittenInput(item=staffing, organisation=providers[1], author=users["provider2"],
                                text="Wij konden niet komen. Een vaste vervanger per wijk helpt de continuïteit.",
                                created_at=held - timedelta(days=1), updated_at=held - timedelta(days=1)))
    db.session.flush()
    db.session.add(MinutesComment(
        point=staffing.minutes[1], organisation_id=providers[2].id, author=users["provider3"],
        text="Ook zorgaanbieders willen dat graag: een vaste planning per wijk.",
        created_at=held + timedelta(days=4), updated_at=held + timedelta(days=4),
        reply="Dank u. We nemen een vaste planning per wijk mee als wens in het programma van eisen.",
        replied_by=users["team"], replied_at=held + timedelta(days=5), version=2))
    db.session.flush()
