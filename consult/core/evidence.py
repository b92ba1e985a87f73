"""What the features below the procurement strategy ask about it: which of the input they show the
strategy draft links as evidence, whether the person may link more from there, and whether the
draft has been shared (advice on the strategy needs a shared draft).

The strategy answers these questions by connecting to the signals below (consult/strategy/services.py);
the features that ask (advice, analysis) never import it, so the dependencies run one way
(docs/architecture.md). Without an answer (no strategy feature) nothing is linked, nothing can be
linked and there is no shared draft.
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Sent with ``refs`` (source type -> the refs a page shows) and ``user``; the receiver returns
#: ``(informed, may_link)``: per source type and ref the parts (label, link) of the draft it
#: informed, and whether ``user`` may link input to the draft from this page.
informed_asked = _signals.signal("strategy-informed-asked")

#: Sent with ``source_type``; the receiver returns per ref of that type the parts (label, link) of
#: the draft it informed.
informed_by_type_asked = _signals.signal("strategy-informed-by-type-asked")

#: Sent with nothing more; the receiver returns whether the consultation's strategy draft has been
#: shared with the councils.
shared_asked = _signals.signal("strategy-shared-asked")


def _answer(signal, consultation, default, **question):
    answers = [answer for _receiver, answer in signal.send(consultation, **question)]
    return answers[0] if answers else default


def strategy_links(consultation, user, refs: dict[str, set[str]]) -> tuple[dict, bool]:
    """For the input a page shows (``refs`` per source type): which parts of the strategy each
    informed, and whether ``user`` can link input from here."""
    return _answer(informed_asked, consultation, ({source_type: {} for source_type in refs}, False),
                   refs=refs, user=user)


def informed_parts(consultation, source_type: str) -> dict:
    """Per ref of ``source_type``: the parts (label, link) of the strategy draft it informed."""
    return _answer(informed_by_type_asked, consultation, {}, source_type=source_type)


def strategy_shared(consultation) -> bool:
    """Whether the consultation's strategy draft has been shared with the councils."""
    return bool(_answer(shared_asked, consultation, False))
