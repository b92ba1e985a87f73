"""Demo analysis of the closed consultation: tags on answers and an excerpt, a key quote, and a
synthesis for each theme (and its first question)."""
from __future__ import annotations

import re

from consult.analysis.models import SynthesisStatus
from consult.analysis.services import add_quote, answer_items, save_synthesis, save_tag, tag_answers, tag_excerpt
from consult.consultations.models import Consultation, QuestionKind

TAGS = [("Reistijd", "green", "Reistijd en reiskosten van medewerkers"),
        ("Administratieve lasten", "red", "Verantwoording, declareren, indicaties"),
        ("Samenwerking wijkteam", "blue", "Afstemming met de wijkteams"),
        ("Tarief", "brown", "Hoogte en opbouw van tarieven")]


def load_analysis(users: dict, consultations: dict[str, Consultation]) -> None:
    consultation = consultations["closed"]
    team = users["team"]
    tags = [save_tag(consultation, None, name=name, colour=colour, description=description, by=team)
            for name, colour, description in TAGS]
    for index, theme in enumerate(consultation.themes):
        open_questions = [q for q in theme.questions if q.kind == QuestionKind.OPEN]
        for question in open_questions:
            items = answer_items(consultation, {question.id})
            tag_answers(tags[index % len(tags)], [(i.response.id, i.question_id) for i in items[::2]], by=team)
            tag_answers(tags[(index + 1) % len(tags)], [(i.response.id, i.question_id) for i in items[1::3]], by=team)
            texts = [i for i in items if len(i.text.split()) > 3]
            if texts:
                # A whole sentence, as a team would mark it (three words cut a phrase in half).
                excerpt = re.split(r"(?<=[.!?])\s", texts[0].text.strip(), maxsplit=1)[0]
                tag_excerpt(tags[(index + 2) % len(tags)], texts[0], excerpt, by=team)
                if not texts[0].confidential:
                    add_quote(consultation, texts[0], excerpt, by=team)
        save_synthesis(theme, None, text=f"Over het thema *{theme.title}* zijn aanbieders en adviesraden het op "
                       "hoofdlijnen eens; de verschillen zitten in de uitwerking.",
                       status=SynthesisStatus.FINAL if index % 2 == 0 else SynthesisStatus.DRAFT, by=team)
        if theme.questions:
            save_synthesis(theme, theme.questions[0], text="De meeste reacties noemen korte lijnen en vaste "
                           "contactpersonen als wat goed werkt.", status=SynthesisStatus.DRAFT, by=team)
