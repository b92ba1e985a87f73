"""Templates ask the same permission predicates the views use, collected from every feature's
permissions.py instead of a hand-kept list."""
from __future__ import annotations

import importlib
import inspect
from pathlib import Path

from consult.core.predicates import collect, is_predicate, predicate

PACKAGE = Path(__file__).resolve().parent.parent / "consult"


def public_functions():
    """Every public function defined in a feature's permissions.py (not imported into it)."""
    for path in sorted(PACKAGE.glob("*/permissions.py")):
        module = importlib.import_module(f"consult.{path.parent.name}.permissions")
        for name, func in inspect.getmembers(module, inspect.isfunction):
            if not name.startswith("_") and func.__module__ == module.__name__:
                yield module.__name__, name, func


def test_every_public_predicate_in_every_permissions_module_is_available_in_templates(app):
    predicates = [(module, name, func) for module, name, func in public_functions()
                  if inspect.signature(func).return_annotation == "bool"]
    assert len(predicates) >= 40
    missing = [f"{module}.{name}" for module, name, func in predicates
               if app.jinja_env.globals.get(name) is not func]
    assert missing == []
    for module, name, func in predicates:
        assert is_predicate(func), f"{module}.{name} answers yes or no but is not marked @predicate"


def test_strategy_and_qa_predicates_reach_templates_and_answer_like_in_the_views(app):
    from consult.qa.permissions import can_answer_qa, can_ask_question, can_see_item
    from consult.strategy.permissions import (
        can_comment_strategy,
        can_read_strategy,
        can_see_evidence,
        can_write_strategy,
    )

    for func in (can_answer_qa, can_ask_question, can_see_item, can_comment_strategy, can_read_strategy,
                 can_see_evidence, can_write_strategy):
        assert app.jinja_env.globals[func.__name__] is func
    rendered = app.jinja_env.from_string(
        "{{ can_administer(user) }} {{ can_administer(admin) }}").render(
            user=None, admin=type("Admin", (), {"is_authenticated": True, "is_admin": True})())
    assert rendered == "False True"


def test_the_predicates_that_are_not_yes_or_no_stay_available_too(app):
    for name in ("team_role", "responding_organisations"):
        assert is_predicate(app.jinja_env.globals[name])


def test_two_predicates_of_one_name_are_refused(tmp_path, monkeypatch):
    for name in ("first", "second"):
        (tmp_path / f"preds_{name}.py").write_text(
            "from consult.core.predicates import predicate\n\n@predicate\ndef can_go(user):\n    return True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert list(collect(["preds_first"])) == ["can_go"]
    try:
        collect(["preds_first", "preds_second"])
    except RuntimeError as error:
        assert str(error) == "Two permission predicates are named can_go: preds_first and preds_second"
    else:
        raise AssertionError("a second can_go was accepted")
    def can_stay(user):
        return True
    assert predicate(can_stay) is can_stay and is_predicate(can_stay)
