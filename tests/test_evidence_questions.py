"""What advice and analysis ask the strategy without importing it (consult/core/evidence.py)."""
from __future__ import annotations

from blinker import Namespace

from consult.consultations.models import Consultation, Status
from consult.core import evidence
from consult.extensions import db
from consult.strategy.models import EvidenceLink
from consult.strategy.services import create_draft, share
from tests.conftest import make_user


def test_without_an_answer_nothing_is_linked_nothing_can_be_linked_and_nothing_is_shared(monkeypatch):
    quiet = Namespace()
    for name in ("informed_asked", "informed_by_type_asked", "shared_asked"):
        monkeypatch.setattr(evidence, name, quiet.signal(name))
    assert evidence.strategy_links(object(), None, {"answer": {"1-2"}, "post": set()}) == (
        {"answer": {}, "post": {}}, False)
    assert evidence.informed_parts(object(), "advice_point") == {}
    assert evidence.strategy_shared(object()) is False


def test_the_strategy_answers_once_its_draft_exists_is_shared_and_links_input(app):
    consultation = Consultation(slug="wmo", title="Wmo", status=Status.OPEN, principles=[])
    db.session.add(consultation)
    editor = make_user("editor@example.org", name="Eva Editor")
    db.session.commit()
    assert evidence.strategy_shared(consultation) is False
    draft = create_draft(consultation, by=editor)
    assert evidence.strategy_shared(consultation) is False  # a draft the councils have not seen
    share(draft, by=editor)
    assert evidence.strategy_shared(consultation) is True
    db.session.add(EvidenceLink(draft_id=draft.id, part="general", source_type="advice_point", source_ref="7",
                                disposition="adopted", reason="Overgenomen."))
    db.session.flush()
    parts = evidence.informed_parts(consultation, "advice_point")
    assert list(parts) == ["7"] and [label for label, _link in parts["7"]] == ["Algemeen deel"]
    informed, may_link = evidence.strategy_links(consultation, editor, {"advice_point": {"7", "8"}})
    assert list(informed["advice_point"]) == ["7"] and may_link is False  # not on the team
