"""What notify knows about the features: only what they register here.

Each feature registers, when the application starts (``consult/<feature>/notifications.py``),
the notification kinds it owns: the label on the settings page (lazy gettext), the wording of a
notification of that kind (title and body lines, in the reader's language) and who is told. A
feature may also word one event of a kind another feature owns (the strategy draft shared with
the councils is an advice notification). Notify stores, shows, delivers and sends digests from
these registrations, without importing any feature.

The people a notification goes to are computed from contributions too: which organisations take
part in a consultation (:func:`participant_organisations`), who else follows it
(:func:`audience_sources`), who of those may still read it (:func:`audience_gate`) and the title
a digest groups a consultation's items under (:func:`consultation_titles`).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from consult.notify.models import Kind

Wording = Callable[[defaultdict], tuple[str, list[str]]]


@dataclass(frozen=True)
class KindEntry:
    """One registered kind: its settings label, its wording and who is told."""

    label: Any                       # a lazy string: shown in the reader's language
    describe: Wording                # data (missing keys read as "") → (title, body lines)
    recipients: Callable[..., list]  # the function the owning feature uses to pick the people
    owner: str                       # the feature that registered it


_kinds: dict[Kind, KindEntry] = {}
_events: dict[tuple[Kind, str], Wording] = {}
_participants: dict[str, Callable[[Any], Iterable[int]]] = {}
_audience: dict[str, Callable[[Any], Any]] = {}
_gates: dict[str, Callable[[Any, Any], bool]] = {}
_titles: list[Callable[[set[int]], dict[int, str]]] = []


def register_kind(kind: Kind, *, owner: str, label, describe: Wording, recipients: Callable[..., list]) -> None:
    """Register the kind ``kind`` for the feature ``owner`` (again at every app start: same entry)."""
    current = _kinds.get(kind)
    if current is not None and current.owner != owner:
        raise ValueError(f"notification kind {kind} is registered by {current.owner} already")
    _kinds[kind] = KindEntry(label=label, describe=describe, recipients=recipients, owner=owner)


def register_event(kind: Kind, event: str, describe: Wording) -> None:
    """Word the notifications of ``kind`` whose data has ``event == event``."""
    _events[(kind, event)] = describe


def register_participants(owner: str, organisation_ids: Callable[[Any], Iterable[int]]) -> None:
    """``organisation_ids(consultation)``: the organisations taking part through ``owner``."""
    _participants[owner] = organisation_ids


def register_audience(owner: str, user_ids: Callable[[Any], Any]) -> None:
    """``user_ids(consultation)``: a select of ids of people who follow the consultation in ``owner``."""
    _audience[owner] = user_ids


def register_audience_gate(owner: str, may_hear: Callable[[Any, Any], bool]) -> None:
    """``may_hear(user, consultation)``: for a consultation closed to invited organisations, whether
    the person may still hear of it."""
    _gates[owner] = may_hear


def register_consultation_titles(titles: Callable[[set[int]], dict[int, str]]) -> None:
    """``titles(ids)``: the titles of the consultations with these ids (digest groups)."""
    if titles not in _titles:
        _titles[:] = [titles]


def entry(kind: Kind) -> KindEntry:
    try:
        return _kinds[kind]
    except KeyError:
        raise LookupError(f"notification kind {kind} has no registration; "
                          "its feature registers it in its notifications module") from None


def registered_kinds() -> dict[Kind, KindEntry]:
    return dict(_kinds)


def registered_events() -> dict[tuple[Kind, str], Wording]:
    return dict(_events)


def describe(kind: Kind, data: dict[str, Any]) -> tuple[str, list[str]]:
    """Title and body lines of a notification, in the current locale."""
    d = defaultdict(str, data)
    wording = _events.get((kind, d["event"])) if d["event"] else None
    return (wording or entry(kind).describe)(d)


def participant_organisations(consultation) -> set[int]:
    ids: set[int] = set()
    for organisation_ids in _participants.values():
        ids |= {i for i in organisation_ids(consultation) if i}
    return ids


def audience_sources(consultation) -> list:
    return [user_ids(consultation) for user_ids in _audience.values()]


def audience_gate(user, consultation) -> bool:
    return all(may_hear(user, consultation) for may_hear in _gates.values())


def consultation_titles(ids: set[int]) -> dict[int, str]:
    return _titles[0](ids) if _titles else {}
