"""Every notification kind is registered by a feature: a label for the settings page, its wording
and who is told; and notify itself imports no feature (each registers with it instead)."""
from __future__ import annotations

import ast
from pathlib import Path

from flask_babel import force_locale

from consult.notify import registry
from consult.notify.models import Kind

NOTIFY = Path(__file__).resolve().parent.parent / "consult" / "notify"
# The packages notify may use: core and the layers below it (docs: the order of the packages).
BELOW_NOTIFY = {"core", "extensions", "audit", "auth", "orgs", "notify"}


def test_every_kind_has_a_label_wording_and_recipients(app):
    kinds = registry.registered_kinds()
    assert set(kinds) == set(Kind)
    for kind, entry in kinds.items():
        assert callable(entry.describe) and callable(entry.recipients), kind
        with force_locale("nl"):
            title, lines = registry.describe(kind, {"consultation": "Dagbesteding 2027"})
            label = kind.label
        assert title and isinstance(lines, list), kind
        with force_locale("en"):
            assert kind.label != label, f"{kind}: the label is not translated"


def test_the_owners_of_the_kinds():
    owners = {kind: entry.owner for kind, entry in registry.registered_kinds().items()}
    assert owners == {Kind.RECEIPT: "responses", Kind.REMINDER: "responses", Kind.CHANGED: "consultations",
                      Kind.QA: "qa", Kind.WAITING: "qa", Kind.THREAD_REPLY: "dialogue",
                      Kind.MODERATION: "dialogue", Kind.ADVICE: "advice", Kind.REPORT: "reports",
                      Kind.SESSION: "sessions"}


def test_events_worded_by_another_feature(app):
    assert set(registry.registered_events()) == {
        (Kind.WAITING, "reported"), (Kind.WAITING, "pending_thread"), (Kind.WAITING, "pending"),
        (Kind.ADVICE, "strategy_shared"),
        (Kind.WAITING, "join_requested"), (Kind.CHANGED, "join_granted"), (Kind.CHANGED, "join_declined"),
        (Kind.CHANGED, "draft_comment_answered"), (Kind.CHANGED, "sheet_question"), (Kind.WAITING, "sheet_reply")}
    with force_locale("en"):
        assert registry.describe(Kind.CHANGED, {"event": "draft_comment_answered", "draft": "PvE", "paragraph": "2.1",
                                                "organisation": "Zorg A", "consultation": "Vervoer"})[0] \
            == "Your comment on “PvE” has been answered"
        assert registry.describe(Kind.WAITING, {"event": "asked", "consultation": "Vervoer"})[0] \
            == "New question about “Vervoer”"
        assert registry.describe(Kind.WAITING, {"event": "pending", "consultation": "Vervoer", "thread": "Taxi"})[0] \
            == "A message in “Taxi” waits for approval"
        assert registry.describe(Kind.ADVICE, {"event": "strategy_shared", "consultation": "Vervoer"})[0] \
            == "The procurement-strategy draft of “Vervoer” is shared with the councils"
        assert registry.describe(Kind.WAITING, {"event": "sheet_reply", "consultation": "Vervoer",
                                                "organisation": "Zorg A"})[0] == "Zorg A replied about its cost-price sheet"
        assert registry.describe(Kind.ADVICE, {"event": "replied", "consultation": "Vervoer", "council": "Wmo-raad"})[0] \
            == "Reply to the advice of Wmo-raad published"
        assert registry.describe(Kind.CHANGED, {"event": "join_declined", "consultation": "Vervoer",
                                                "organisation": "Zorg B", "reason": "Vol."}) == (
            "Request to join “Vervoer” declined",
            ["The project team declined the request of Zorg B to join the consultation “Vervoer”.",
             "Reason given by the project team: Vol."])


def test_a_kind_belongs_to_one_feature(app):
    entry = registry.entry(Kind.REPORT)
    try:
        registry.register_kind(Kind.REPORT, owner="qa", label=entry.label, describe=entry.describe,
                               recipients=entry.recipients)
    except ValueError as refused:
        assert str(refused) == "notification kind report is registered by reports already"
    else:
        raise AssertionError("a second feature registered the same kind")
    assert registry.entry(Kind.REPORT) == entry


def test_notify_imports_no_feature_above_it():
    imported = set()
    for path in NOTIFY.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("consult."):
                imported.add((path.name, node.module.split(".")[1]))
            elif isinstance(node, ast.Import):
                imported |= {(path.name, alias.name.split(".")[1]) for alias in node.names
                             if alias.name.startswith("consult.")}
    assert {(name, package) for name, package in imported if package not in BELOW_NOTIFY} == set()
