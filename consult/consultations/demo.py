"""Demo consultations: one open (modelled on the Leiden region's 2022 Wmo procurement), one closed.

All texts are written for the demo; facts such as the themes and segments follow the seed memo.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, date, datetime, timedelta

from consult.consultations.models import (
    Audience,
    Consultation,
    Document,
    DocumentVersion,
    Lot,
    Phase,
    Question,
    QuestionKind,
    Status,
    TeamMember,
    TeamRole,
    Theme,
)
from consult.core.storage import put_stored
from consult.core.time import AMSTERDAM, utcnow
from consult.extensions import db

SEGMENTS = ["Hulp bij het huishouden", "Individuele begeleiding", "Dagbesteding",
            "Kortdurend verblijf", "Beschermd wonen"]

PRINCIPLES = [
    "De inwoner en zijn eigen mogelijkheden staan centraal, niet het aanbod.",
    "Ondersteuning is dichtbij, licht waar het kan en zwaarder waar het moet.",
    "Aanbieders werken samen met elkaar en met de sociale basis in de wijk.",
    "We sturen op resultaat voor de inwoner in plaats van op geleverde uren.",
    "De administratieve last voor aanbieders en gemeenten blijft zo klein mogelijk.",
    "Inkoop en financiering zijn beheersbaar en uitlegbaar voor de gemeenteraden.",
    "Iedere geïnteresseerde aanbieder kan meedoen aan de consultatie.",
]

THEMES = [
    ("Cliënt", "Wat heeft een inwoner nodig om zo zelfstandig mogelijk te blijven meedoen? "
     "We horen graag uw ervaringen met de huidige ondersteuning.", [
        ("Welke veranderingen in de vraag van inwoners ziet u de komende jaren, bijvoorbeeld "
         "door vergrijzing of meer mensen met psychische kwetsbaarheid?", QuestionKind.OPEN, {}),
        ("Hoe kan de ondersteuning beter aansluiten bij wat de inwoner zelf en zijn netwerk kunnen?",
         QuestionKind.OPEN, {"audience": Audience.BOTH}),
        ("Hoe tevreden bent u over de huidige manier waarop inwoners toegang krijgen tot ondersteuning?",
         QuestionKind.SCALE, {"scale_low_label": "zeer ontevreden", "scale_high_label": "zeer tevreden",
                              "audience": Audience.BOTH}),
    ]),
    ("Dienstverlening", "Hoe organiseren we de ondersteuning zo dat zij passend, doelmatig en "
     "betaalbaar is? Hier vragen we ook naar uw kostprijzen; die behandelen we vertrouwelijk.", [
        ("Welke vorm van bekostiging past het best bij de ondersteuning die u biedt?",
         QuestionKind.SINGLE, {"options": ["Taakgericht (lumpsum)", "Outputgericht (per traject)",
                                           "Inspanningsgericht (uren × tarief)", "Weet ik niet"]}),
        ("Voor welke segmenten wilt u zich mogelijk inschrijven?", QuestionKind.MULTIPLE,
         {"options": SEGMENTS}),
        ("Welke resultaten zou u per segment willen afspreken, en hoe meet u die?", QuestionKind.OPEN, {}),
    ]),
    ("Samenwerking", "Goede ondersteuning vraagt samenwerking tussen aanbieders, wijkteams, "
     "huisartsen en de sociale basis. Hoe krijgen we die voor elkaar?", [
        ("Wat is er nodig om de samenwerking met de wijkteams te verbeteren?", QuestionKind.OPEN,
         {"audience": Audience.BOTH}),
        ("Hoe belangrijk vindt u het om met een beperkt aantal aanbieders per segment te werken?",
         QuestionKind.SCALE, {"scale_low_label": "niet belangrijk", "scale_high_label": "heel belangrijk"}),
        ("Heeft u een positionpaper of toelichting die u wilt meesturen?", QuestionKind.FILE, {}),
    ]),
]


def _local(year, month, day, hour=0, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=AMSTERDAM).astimezone(UTC)


def minimal_pdf(title: str) -> bytes:
    """A small, valid one-page PDF with a line of text (demo documents are made, not shipped)."""
    text = title.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("latin-1", "replace")
    content = b"BT /F1 14 Tf 72 760 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _document(consultation: Consultation, title: str, description: str, by) -> None:
    data = minimal_pdf(title)
    stored_name = secrets.token_hex(20)
    put_stored(stored_name, data)
    document = Document(consultation=consultation, title=title, description=description, position=0)
    document.versions.append(DocumentVersion(
        original_name="startnotitie-inkoop-wmo.pdf", stored_name=stored_name, file_type="pdf",
        size=len(data), sha256=hashlib.sha256(data).hexdigest(), uploaded_by_id=by.id,
        uploaded_at=utcnow()))
    db.session.add(document)


# The open consultation's lots: one per segment, each with the municipalities that procure it
# together (short stays and sheltered housing by fewer of them), and each segment's cost-price
# question asked only of the care providers that offer that lot.
LOTS = {
    "Hulp bij het huishouden": ("Schoonmaken en het huishouden organiseren, voor wie dat zelf niet meer kan.", 5),
    "Individuele begeleiding": ("Begeleiding thuis bij het dagelijks leven, de regie en het netwerk.", 5),
    "Dagbesteding": ("Een zinvolle dag buitenshuis, in groepen, met vervoer waar nodig.", 5),
    "Kortdurend verblijf": ("Logeren om de mantelzorger te ontlasten.", 3),
    "Beschermd wonen": ("Wonen met toezicht en begeleiding; Leiden koopt in als centrumgemeente.", 1),
}


def _lots(consultation: Consultation, municipalities: list) -> None:
    lots = {}
    for position, (name, (description, count)) in enumerate(LOTS.items()):
        lots[name] = Lot(name=name, description=description, position=position, municipalities=municipalities[:count])
        consultation.lots.append(lots[name])
    for theme in consultation.themes:
        for question in theme.questions:
            for segment, lot in lots.items():
                if question.text == f"Wat is uw integrale kostprijs per uur voor {segment.lower()}?":
                    question.lot = lot


def _themes(consultation: Consultation) -> None:
    for position, (title, intro, questions) in enumerate(THEMES):
        theme = Theme(consultation=consultation, title=title, introduction=intro, position=position)
        for q_position, (text, kind, extra) in enumerate(questions):
            theme.questions.append(Question(text=text, kind=kind, position=q_position,
                                            audience=extra.get("audience", Audience.PROVIDERS),
                                            options=extra.get("options", []),
                                            scale_low_label=extra.get("scale_low_label", ""),
                                            scale_high_label=extra.get("scale_high_label", "")))
        if title == "Dienstverlening":
            for offset, segment in enumerate(SEGMENTS, start=len(theme.questions)):
                theme.questions.append(Question(
                    text=f"Wat is uw integrale kostprijs per uur voor {segment.lower()}?",
                    help_text="Reken met alle kosten: personeel, overhead, reiskosten en opleiding. "
                              "We publiceren alleen een afgerond gemiddelde over minstens vijf aanbieders.",
                    kind=QuestionKind.NUMBER, unit="€ per uur", min_value=0, max_value=250,
                    confidential_default=True, confidential_in_totals=True, position=offset,
                    audience=Audience.PROVIDERS))
        db.session.add(theme)


COST_PRODUCTS = ["Dagbesteding | dagdeel", "Kortdurend verblijf | etmaal", "Begeleiding individueel | uur"]


def _cost_sheet(consultation: Consultation) -> None:
    """A theme with a cost-price sheet for the products of the consultation (always confidential)."""
    theme = Theme(consultation=consultation, title="Kostprijzen", position=len(consultation.themes),
                  introduction="Wat kost een eerlijke prijs? Uw opbouw blijft vertrouwelijk; na de sluiting "
                               "ziet u uw cijfers naast die van de groep.")
    theme.questions.append(Question(
        text="Hoe is uw kostprijs per product opgebouwd?", kind=QuestionKind.COST_PRICE, options=COST_PRODUCTS,
        position=0, audience=Audience.PROVIDERS, confidential_default=True, confidential_in_totals=True,
        help_text="Vul de producten in die u levert. Gebruik de schaal en trede van de cao die u toepast."))
    db.session.add(theme)


def _conditional_questions(consultation: Consultation) -> None:
    """A follow-up asked only of those who do not know yet which funding suits them, and a question
    for larger organisations only (the short route keeps a small provider's work small)."""
    db.session.flush()
    services, cooperation = consultation.themes[1], consultation.themes[2]
    services.questions.append(Question(
        text="Wat heeft u nodig om een keuze voor een vorm van bekostiging te kunnen maken?", kind=QuestionKind.OPEN,
        position=len(services.questions), audience=Audience.PROVIDERS,
        condition={"match": "all", "rules": [{"question": services.questions[0].id, "is": ["Weet ik niet"]}]}))
    cooperation.questions.append(Question(
        text="Hoe werkt u samen met kleinere aanbieders, bijvoorbeeld in onderaanneming?", kind=QuestionKind.OPEN,
        position=len(cooperation.questions), audience=Audience.PROVIDERS,
        condition={"match": "all", "rules": [{"size_at_least": 50}]}))


def load_consultations(users: dict, organisations: dict) -> dict[str, Consultation]:
    """Create the open and the closed demo consultation with their team."""
    now = utcnow()
    today = now.astimezone(AMSTERDAM).date()
    deadline = (now + timedelta(days=24)).astimezone(AMSTERDAM).replace(hour=17, minute=0, second=0,
                                                                          microsecond=0)
    open_one = Consultation(
        slug="marktconsultatie-wmo-leidse-regio", title="Marktconsultatie Wmo-ondersteuning Leidse regio",
        summary="De vijf gemeenten van de Leidse regio bereiden de inkoop van Wmo-ondersteuning voor "
                "en vragen aanbieders en adviesraden om mee te denken.",
        introduction="De huidige contracten voor Wmo-ondersteuning lopen af. Voordat we een nieuwe "
                     "inkoopstrategie vaststellen, willen we weten wat werkt en wat beter kan.\n\n"
                     "We stellen vragen over drie thema's: **de cliënt**, **de dienstverlening** en "
                     "**de samenwerking**. Uw antwoorden gebruiken we voor de keuzes per segment: "
                     "de organisatievorm, het aantal aanbieders en de bekostiging.\n\n"
                     "Meedoen aan deze consultatie is geen voorwaarde om later in te schrijven.",
        principles=PRINCIPLES, contact_name="Projectteam Inkoop Wmo",
        contact_email="inkoopwmo@example.org", contact_phone="071 000 0000",
        opens_at=now - timedelta(days=10), closes_at=deadline.astimezone(UTC),
        status=Status.OPEN, published_at=now - timedelta(days=10),
        municipalities=organisations["municipalities"])
    db.session.add(open_one)
    for name, start, end in [
        ("Marktconsultatie", today - timedelta(days=10), deadline.date()),
        ("Inkoopstrategie vastgesteld", deadline.date() + timedelta(days=30), None),
        ("Aanbestedingsdocumenten gereed", deadline.date() + timedelta(days=90), None),
        ("Aanbesteding", deadline.date() + timedelta(days=120), deadline.date() + timedelta(days=180)),
        ("Implementatie", deadline.date() + timedelta(days=181), deadline.date() + timedelta(days=365)),
        ("Start nieuwe contracten", date(deadline.year + 2, 1, 1), None),
    ]:
        open_one.phases.append(Phase(name=name, starts_on=start, ends_on=end))
    _themes(open_one)
    _lots(open_one, organisations["municipalities"])
    _conditional_questions(open_one)
    _document(open_one, "Startnotitie inkoop Wmo", "Waarom we de inkoop opnieuw bekijken en hoe we dat aanpakken.",
              users["team"])

    closed_one = Consultation(
        slug="dialoog-dagbesteding-2025", title="Dialoog dagbesteding en kortdurend verblijf 2025",
        summary="Een eerdere, kleinere consultatie over dagbesteding en logeeropvang.",
        introduction="Deze consultatie is gesloten. De opbrengst wordt verwerkt in de inkoopstrategie.",
        principles=PRINCIPLES[:3], contact_name="Projectteam Inkoop Wmo", contact_email="inkoopwmo@example.org",
        opens_at=now - timedelta(days=120), closes_at=now - timedelta(days=60), closed_at=now - timedelta(days=60),
        status=Status.CLOSED, published_at=now - timedelta(days=120),
        municipalities=organisations["municipalities"][:3])
    db.session.add(closed_one)
    _themes(closed_one)
    _cost_sheet(closed_one)

    sounding = Consultation(
        slug="klankbordronde-wmo-leidse-regio", title="Klankbordronde Wmo-ondersteuning Leidse regio",
        summary="Een korte eerste ronde waarin aanbieders hun eerste beeld gaven, voor de open marktconsultatie.",
        introduction="In deze klankbordronde stellen we drie vragen vooraf. De antwoorden helpen ons de "
                     "vragen van de marktconsultatie scherp te krijgen.",
        principles=PRINCIPLES[:3], contact_name="Projectteam Inkoop Wmo", contact_email="inkoopwmo@example.org",
        opens_at=now - timedelta(days=50), closes_at=now - timedelta(days=30), closed_at=now - timedelta(days=30),
        status=Status.CLOSED, published_at=now - timedelta(days=50),
        municipalities=organisations["municipalities"])
    db.session.add(sounding)
    theme = Theme(consultation=sounding, title="Eerste beeld", position=0,
                  introduction="Drie vragen vooraf; in de marktconsultatie komen ze terug.")
    for position, (text, kind, options) in enumerate(SOUNDING_QUESTIONS):
        theme.questions.append(Question(text=text, kind=kind, options=options, position=position))
    db.session.add(theme)

    for consultation in (open_one, closed_one, sounding):
        db.session.add(TeamMember(consultation=consultation, user=users["team"], role=TeamRole.EDITOR))
    db.session.flush()
    _trajectory(sounding, open_one, users["team"])
    return {"open": open_one, "closed": closed_one, "sounding": sounding}


# The sounding-board round before the market consultation: three questions, each asked again in the
# market consultation (the first with other wording).
SOUNDING_QUESTIONS = [
    ("Welke veranderingen in de vraag van inwoners verwacht u de komende jaren?", QuestionKind.OPEN, []),
    ("Welke vorm van bekostiging past het best bij de ondersteuning die u biedt?", QuestionKind.SINGLE,
     THEMES[1][2][0][2]["options"]),
    ("Wat is er nodig om de samenwerking met de wijkteams te verbeteren?", QuestionKind.OPEN, []),
]
# Per sounding-board question, the question of the market consultation that is the same.
SAME_IN_MARKET = [(0, 0), (1, 0), (2, 0)]  # (theme, question) of THEMES


def _trajectory(sounding: Consultation, market: Consultation, by) -> None:
    """The two consultations as rounds of one trajectory; the market consultation's questions that
    were asked in the sounding-board round are marked the same."""
    from consult.consultations.trajectory_services import add_round, create_trajectory

    trajectory = create_trajectory(
        title="Inkoop Wmo-ondersteuning Leidse regio", first=sounding, label="Klankbordronde", by=by,
        description="Van een eerste klankbordronde met aanbieders, via de open marktconsultatie, naar de "
                    "inkoopstrategie.")
    add_round(trajectory, market, label="Marktconsultatie", by=by)
    earlier = sounding.themes[0].questions
    for question, (theme, position) in zip(earlier, SAME_IN_MARKET, strict=True):
        market.themes[theme].questions[position].same_as_id = question.id
    db.session.flush()
