"""Demo dialogue sessions: a table on location and an online one for the open consultation, with
a few providers and a council registered. Written as rows, not through the services: the demo's
sessions were scheduled and registered for before its history starts, so they add no audit
events or notifications of their own."""
from __future__ import annotations

from datetime import time, timedelta

from consult.consultations.models import Consultation
from consult.core.time import combine_local, to_local, utcnow
from consult.extensions import db
from consult.sessions.models import AgendaItem, DialogueSession, Registration, RegistrationStatus, SessionAudience


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
        capacity=12, seats_per_organisation=2, audience=SessionAudience.BOTH,
        themes=[t for name, t in themes.items() if name in ("Dienstverlening", "Samenwerking")])
    online = DialogueSession(
        consultation=consultation, created_by=users["team"], title="Online sessie: bekostiging",
        purpose="Een online gesprek over de bekostigingsvorm voor de nieuwe contracten.",
        address="", online_link="https://meet.example.org/wmo-leiden-bekostiging",
        starts_at=combine_local(day + timedelta(days=7), time(10, 0)),
        ends_at=combine_local(day + timedelta(days=7), time(11, 30)),
        registration_deadline=combine_local(day + timedelta(days=6), time(12, 0)),
        capacity=30, seats_per_organisation=2, audience=SessionAudience.PROVIDERS, themes=[])
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
