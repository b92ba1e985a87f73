"""Demo discussions: threads in each theme with a realistic exchange, one post hidden by a
moderator and one waiting for approval."""
from __future__ import annotations

from datetime import timedelta

from consult.consultations.models import Consultation
from consult.core.time import utcnow
from consult.dialogue.models import PostStatus
from consult.dialogue.services import create_thread, hide_post, reply

THREADS = {
    "Cliënt": [
        ("Langer thuis wonen: wat vraagt dat van ons?", [
            ("provider1", "We zien dat ouderen langer thuis blijven wonen, vaak met een kleiner netwerk. "
                          "Hoe kijken anderen naar lichte ondersteuning aan huis die snel kan worden opgeschaald?"),
            ("council", "Vanuit de adviesraad horen we dat inwoners vooral behoefte hebben aan **één vast gezicht**. "
                        "Wisselende medewerkers maken mensen onzeker."),
            ("provider2", "Herkenbaar. Wij werken met kleine teams per wijk; dat helpt, maar het vraagt wel om "
                          "afspraken over wie wat doet als de vraag verandert."),
            ("team", "Dank voor deze inbreng. We nemen continuïteit van de begeleider mee als aandachtspunt "
                     "bij de uitwerking van de segmenten."),
        ]),
        ("Mantelzorgers betrekken", [
            ("provider3", "Hoe betrekken jullie mantelzorgers bij het opstellen van het ondersteuningsplan?"),
            ("provider1", "Wij nodigen de mantelzorger standaard uit voor het eerste gesprek, als de inwoner dat wil."),
        ]),
    ],
    "Dienstverlening": [
        ("Resultaatgericht bekostigen: ervaringen?", [
            ("provider2", "Heeft iemand ervaring met bekostiging per resultaat in plaats van per uur? "
                          "Wij zijn benieuwd hoe de administratieve last uitpakt."),
            ("provider4", "In een andere regio werkten we met trajectprijzen. De verantwoording werd eenvoudiger, "
                          "maar de tariefafspraken vooraf kostten veel tijd."),
            ("provider5", "Let op de overgang: lopende indicaties in uren moeten netjes worden omgezet."),
            ("council", "Voor inwoners telt vooral dat ze niet tussen wal en schip vallen bij de overgang."),
        ]),
    ],
    "Samenwerking": [
        ("Samenwerking met de wijkteams", [
            ("provider1", "Wat zou de samenwerking met de wijkteams het meest verbeteren?"),
            ("provider3", "Vaste contactpersonen en een kort lijntje bij spoed."),
            ("provider6", "Een gezamenlijk overleg per kwartaal per wijk werkt bij ons goed."),
            ("council", "Neem ook de huisartsen mee; zij zien inwoners vaak als eersten."),
            ("provider4", "Eens. En zorg dat gegevens alleen met toestemming van de inwoner worden gedeeld."),
        ]),
        ("Samenwerken met de sociale basis", [
            ("provider5", "Welke rol zien jullie voor buurthuizen en vrijwilligers naast de formele zorg?"),
            ("provider2", "Wij verwijzen actief naar activiteiten in de buurt; dat voorkomt soms zwaardere hulp."),
            ("team", "De gemeenten willen de sociale basis versterken. Uw voorbeelden zijn welkom in de consultatie."),
        ]),
    ],
}

CLOSED_THREADS = [
    ("Cliënt", "Wat maakt dagbesteding de moeite waard?", [
        ("provider6", "Deelnemers komen vooral voor de contacten. Hoe houden jullie groepen klein?"),
        ("council", "Inwoners willen zelf meebeslissen over de activiteiten."),
    ]),
    ("Dienstverlening", "Vervoer naar de dagbesteding", [
        ("provider3", "Het vervoer bepaalt vaak of iemand kan deelnemen. Hoe regelen anderen dat?"),
        ("provider6", "Wij werken met vrijwilligers en een eigen busje; dat is kwetsbaar bij ziekte."),
        ("council", "Voor deelnemers is een vaste chauffeur belangrijk."),
        ("provider1", "Gezamenlijk vervoer per wijk zou efficiënter zijn."),
    ]),
    ("Samenwerking", "Logeeropvang voor mantelzorgers", [
        ("provider4", "De vraag naar logeeropvang in het weekend is groter dan het aanbod."),
        ("council", "Mantelzorgers noemen dit het vaakst als ze overbelast raken."),
        ("team", "Dank, dit nemen we mee in de segmentering."),
    ]),
]


def load_dialogue(users: dict, consultations: dict[str, Consultation]) -> None:
    consultation = consultations["open"]
    themes = {theme.title: theme for theme in consultation.themes}
    for theme_title, threads in THREADS.items():
        for title, posts in threads:
            author, body = posts[0]
            thread = create_thread(consultation, themes.get(theme_title), title, body, by=users[author])
            for author, body in posts[1:]:
                reply(thread, body, by=users[author])
    # Spread the times over the past week so the demo reads naturally.
    for index, post in enumerate(_all_posts(consultation)):
        post.created_at = utcnow() - timedelta(days=8) + timedelta(hours=5 * index)
        post.thread.last_post_at = post.created_at
    thread = create_thread(consultation, None, "Planning van de aanbesteding",
                           "Is al bekend wanneer de aanbestedingsstukken verschijnen?", by=users["provider6"])
    hidden = reply(thread, "Bel gerust mijn collega op 06-12345678, zij weet er alles van.", by=users["provider5"])
    hide_post(hidden, "Bevat persoonlijke contactgegevens; gebruik de vragenfunctie voor procedurevragen.",
              by=users["team"])
    pending = reply(thread, "Wij sluiten ons aan bij deze vraag.", by=users["provider2"])
    pending.status = PostStatus.PENDING
    thread.post_count -= 1
    closed = consultations["closed"]
    closed_themes = {theme.title: theme for theme in closed.themes}
    for theme_title, title, posts in CLOSED_THREADS:
        author, body = posts[0]
        old_thread = create_thread(closed, closed_themes.get(theme_title), title, body, by=users[author])
        for author, body in posts[1:]:
            reply(old_thread, body, by=users[author])
    for index, post in enumerate(_all_posts(closed)):
        post.created_at = closed.closes_at - timedelta(days=20) + timedelta(hours=7 * index)
        post.thread.last_post_at = post.created_at


def _all_posts(consultation: Consultation):
    from sqlalchemy import select

    from consult.dialogue.models import Post, Thread
    from consult.extensions import db

    db.session.flush()
    return db.session.scalars(select(Post).join(Post.thread).where(Thread.consultation_id == consultation.id)
                              .order_by(Post.id)).all()
