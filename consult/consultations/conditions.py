"""Conditions: a question or a whole theme asked only when earlier answers, or the respondent's
profile, meet them.

A condition is stored as JSON on the question or theme::

    {"match": "all" | "any", "rules": [rule, ...]}

with rules of these shapes::

    {"question": 12, "is": ["Ja"]}     the answer to question 12 is one of these (multiple choice:
                                       includes one of them; a scale: one of the points "1".."5")
    {"question": 12, "answered": true} question 12 has an answer (any kind, a file included)
    {"question": 12, "at_least": 3}    a number or scale answer of at least 3 (``at_most``: at most)
    {"size_at_least": 10}              the organisation has at least 10 people (``size_below``: fewer)
    {"lots": [3, 4]}                   the organisation offers one of these lots

A rule on a question refers to an earlier question only (an earlier theme's, or earlier in the same
theme; for a theme's condition, an earlier theme's), so conditions can never depend on each other in
a circle; :func:`condition_problems` is the one check, run after every change to the questions. A
rule on a question that is itself not asked does not hold: its answer is hidden, and is not counted.

Profile rules are about care providers. An advisory council has no size or lots here: for it they hold.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from consult.core.numbers import format_number

if TYPE_CHECKING:
    from consult.consultations.models import Consultation, Lot, Question, Theme

# Organisation sizes, as the lower bound of each band of people working for the organisation (the
# European bands of micro, small, medium-sized and large enterprises).
SIZE_BANDS = (1, 10, 50, 250)
SIZE_LABELS = {
    1: _l("fewer than 10 people"),
    10: _l("10 to 49 people"),
    50: _l("50 to 249 people"),
    250: _l("250 people or more"),
}
# The bounds a rule may use: "at least 10" or "fewer than 10", and so on.
SIZE_BOUNDS = SIZE_BANDS[1:]

CHOICE_KINDS = ("single", "multiple", "scale")
MEASURED_KINDS = ("scale", "number")


@dataclass(frozen=True)
class Respondent:
    """Who answers, as far as conditions ask: the value an earlier question's answer has (None when
    the question is not asked or has no answer), the organisation's size band and the lots it offers.
    ``profiled`` is False for an advisory council: profile rules then hold."""

    value_of: Callable[[int], Any]
    size: int | None
    lot_ids: frozenset[int]
    profiled: bool = True


def _rule_holds(rule: dict[str, Any], who: Respondent) -> bool:
    if "size_at_least" in rule:
        return not who.profiled or (who.size is not None and who.size >= rule["size_at_least"])
    if "size_below" in rule:
        return not who.profiled or (who.size is not None and who.size < rule["size_below"])
    if "lots" in rule:
        return not who.profiled or bool(who.lot_ids & set(rule["lots"]))
    value = who.value_of(rule["question"])
    if value in (None, "", []):
        return False
    if rule.get("answered"):
        return True
    if "is" in rule:
        wanted = set(rule["is"])
        if isinstance(value, list):
            return bool(wanted & set(value))
        return str(value) in wanted
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if "at_least" in rule:
        return value >= rule["at_least"]
    if "at_most" in rule:
        return value <= rule["at_most"]
    return False


def holds(condition: dict[str, Any] | None, who: Respondent) -> bool:
    """Whether ``condition`` holds for the respondent (no condition always holds)."""
    if not condition or not condition.get("rules"):
        return True
    results = (_rule_holds(rule, who) for rule in condition["rules"])
    return any(results) if condition.get("match") == "any" else all(results)


def referenced_questions(condition: dict[str, Any] | None) -> set[int]:
    return {rule["question"] for rule in (condition or {}).get("rules", []) if "question" in rule}


def uses_size(condition: dict[str, Any] | None) -> bool:
    return any("size_at_least" in rule or "size_below" in rule for rule in (condition or {}).get("rules", []))


def consultation_uses_size(consultation: Consultation) -> bool:
    """Does any question or theme depend on the organisation's size (so a care provider is asked it)?"""
    return any(uses_size(theme.condition) or any(uses_size(q.condition) for q in theme.questions)
               for theme in consultation.themes)


# --- the order of questions, and the one check ---------------------------------------------------

def question_numbers(consultation: Consultation) -> dict[int, str]:
    """Question id -> its number in the editor, "2.3" (theme 2, question 3)."""
    return {question.id: f"{t}.{q}" for t, theme in enumerate(consultation.themes, 1)
            for q, question in enumerate(theme.questions, 1)}


def _order(consultation: Consultation) -> dict[int, tuple[int, int]]:
    return {question.id: (t, q) for t, theme in enumerate(consultation.themes)
            for q, question in enumerate(theme.questions)}


def rule_problem(rule: dict[str, Any], *, before: tuple[int, int], consultation: Consultation,
                 order: dict[int, tuple[int, int]] | None = None, numbers: dict[int, str] | None = None) -> str | None:
    """What is wrong with one rule of a question (or theme) at ``before`` in the consultation's order
    ((theme index, question index); a theme: (theme index, -1)), or None. ``order`` and ``numbers``:
    the consultation's, when the caller judges many rules."""
    order = order if order is not None else _order(consultation)
    numbers = numbers if numbers is not None else question_numbers(consultation)
    if "lots" in rule:
        known = {lot.id for lot in consultation.lots}
        return None if rule["lots"] and set(rule["lots"]) <= known else str(_l("Choose lots of this consultation."))
    if "size_at_least" in rule or "size_below" in rule:
        bound = rule.get("size_at_least", rule.get("size_below"))
        return None if bound in SIZE_BOUNDS else str(_l("Choose one of the sizes listed."))
    question_id = rule.get("question")
    if question_id not in order:
        return str(_l("A condition refers to a question that is no longer there."))
    number = numbers[question_id]
    if not _earlier(order[question_id], before):
        return str(_l("A condition may only depend on an earlier question; question %(number)s comes later.",
                      number=number))
    referred = _question(consultation, question_id)
    if "is" in rule:
        if referred.kind.value not in CHOICE_KINDS:
            return str(_l("Question %(number)s is not a choice question.", number=number))
        allowed = ({"1", "2", "3", "4", "5"} if referred.kind.value == "scale" else set(referred.options))
        if not rule["is"] or not set(rule["is"]) <= allowed:
            return str(_l("A condition uses an option that question %(number)s no longer has.", number=number))
    elif "at_least" in rule or "at_most" in rule:
        if referred.kind.value not in MEASURED_KINDS:
            return str(_l("Question %(number)s does not ask for a number.", number=number))
    elif not rule.get("answered"):
        return str(_l("A condition is incomplete."))
    return None


def _question(consultation: Consultation, question_id: int) -> Question:
    return next(q for theme in consultation.themes for q in theme.questions if q.id == question_id)


def condition_problems(consultation: Consultation) -> list[str]:
    """Every condition of the consultation that no longer fits its questions: one that depends on a
    later (or its own) question, on an option or a lot that is gone, or on a question of another
    kind. The questions editor refuses a change that would leave one (``check_conditions``)."""
    order = _order(consultation)
    numbers = question_numbers(consultation)
    problems = []
    for t, theme in enumerate(consultation.themes):
        for rule in (theme.condition or {}).get("rules", []):
            if (problem := rule_problem(rule, before=(t, -1), consultation=consultation, order=order,
                                        numbers=numbers)) is not None:
                problems.append(str(_l("Theme “%(title)s”: %(problem)s", title=theme.title, problem=problem)))
        for question in theme.questions:
            for rule in (question.condition or {}).get("rules", []):
                problem = rule_problem(rule, before=order[question.id], consultation=consultation, order=order,
                                       numbers=numbers)
                if problem is not None:
                    problems.append(str(_l("Question %(number)s: %(problem)s", number=numbers[question.id],
                                           problem=problem)))
    return problems


def dependents(consultation: Consultation, question_id: int) -> list[str]:
    """The numbers of the questions, and titles of the themes, whose condition refers to this question."""
    numbers = question_numbers(consultation)
    found = []
    for theme in consultation.themes:
        if question_id in referenced_questions(theme.condition):
            found.append(theme.title)
        found.extend(numbers[q.id] for q in theme.questions if question_id in referenced_questions(q.condition))
    return found


# --- in words ------------------------------------------------------------------------------------

def _join(items: list[str]) -> str:
    if len(items) < 2:
        return "".join(items)
    return str(_l("%(items)s or %(last)s", items=", ".join(items[:-1]), last=items[-1]))


def describe_rule(rule: dict[str, Any], numbers: dict[int, str], lots: Iterable[Lot]) -> str:
    if "size_at_least" in rule:
        return str(_l("the organisation has at least %(n)s people", n=rule["size_at_least"]))
    if "size_below" in rule:
        return str(_l("the organisation has fewer than %(n)s people", n=rule["size_below"]))
    if "lots" in rule:
        names = [lot.name for lot in lots if lot.id in rule["lots"]]
        return ngettext("the organisation offers the lot %(names)s", "the organisation offers one of the lots %(names)s",
                        len(names), names=_join([f"“{name}”" for name in names]))
    number = numbers.get(rule["question"], "?")
    if rule.get("answered"):
        return str(_l("question %(number)s is answered", number=number))
    if "is" in rule:
        return str(_l("question %(number)s = %(values)s", number=number, values=_join(list(rule["is"]))))
    if "at_least" in rule:
        return str(_l("question %(number)s ≥ %(value)s", number=number, value=format_number(rule["at_least"])))
    return str(_l("question %(number)s ≤ %(value)s", number=number, value=format_number(rule["at_most"])))


def describe(condition: dict[str, Any] | None, consultation: Consultation) -> str:
    """The condition as one line, "Only if question 1.3 = Yes and the organisation has at least 10 people"."""
    if not condition or not condition.get("rules"):
        return ""
    numbers = question_numbers(consultation)
    parts = [describe_rule(rule, numbers, consultation.lots) for rule in condition["rules"]]
    joined = (str(_l(" or ")) if condition.get("match") == "any" else str(_l(" and "))).join(parts)
    return str(_l("Only if %(condition)s", condition=joined))


# --- the editor's choices ------------------------------------------------------------------------

class ConditionRefused(ValueError):
    """A posted rule that is not one of those offered."""


def _earlier(position: tuple[int, int], before: tuple[int, int]) -> bool:
    return position[0] < before[0] if before[1] == -1 else position < before


def position_of(consultation: Consultation, item: Question | Theme | None, theme: Theme | None = None) -> tuple[int, int]:
    """Where the item stands (see :func:`rule_problem`); a new question: after the last of ``theme``."""
    themes = list(consultation.themes)
    if item is None:
        return (themes.index(theme), len(theme.questions))
    if hasattr(item, "questions"):  # a theme
        return (themes.index(item), -1)
    return (themes.index(item.theme), item.theme.questions.index(item))


def _points(question: Question) -> list[str]:
    return ["1", "2", "3", "4", "5"] if question.kind.value == "scale" else list(question.options)


def rule_groups(consultation: Consultation, before: tuple[int, int]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The rules the editor offers a question (or theme) at ``before``, grouped: per earlier question its
    options ("is"), or that it is answered; then the organisation's size and the lots it offers."""
    numbers = question_numbers(consultation)
    order = _order(consultation)
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    for theme in consultation.themes:
        for question in theme.questions:
            if not _earlier(order[question.id], before):
                continue
            choices = []
            if question.kind.value in CHOICE_KINDS:
                choices = [(f"is:{question.id}:{i}", str(_l("the answer is “%(option)s”", option=point)))
                           for i, point in enumerate(_points(question))]
            choices.append((f"answered:{question.id}", str(_l("any answer is given"))))
            groups.append((str(_l("Question %(number)s: %(text)s", number=numbers[question.id], text=question.text)),
                           choices))
    sizes = [(f"size_at_least:{n}", str(_l("at least %(n)s people", n=n))) for n in SIZE_BOUNDS]
    sizes += [(f"size_below:{n}", str(_l("fewer than %(n)s people", n=n))) for n in SIZE_BOUNDS]
    groups.append((str(_l("The size of the care provider")), sizes))
    if consultation.lots:
        groups.append((str(_l("The care provider offers the lot")),
                       [(f"lot:{lot.id}", lot.name) for lot in consultation.lots]))
    return groups


def number_choices(consultation: Consultation, before: tuple[int, int]) -> list[tuple[int, str]]:
    """Earlier questions a rule "at least / at most a number" may be about: number and scale questions."""
    numbers = question_numbers(consultation)
    order = _order(consultation)
    return [(q.id, str(_l("Question %(number)s: %(text)s", number=numbers[q.id], text=q.text)))
            for theme in consultation.themes for q in theme.questions
            if q.kind.value in MEASURED_KINDS and _earlier(order[q.id], before)]


def _number(text: str) -> int:
    """A posted id or bound: plain ASCII digits of a size a database integer holds (no "²", no 5,000 nines)."""
    if not (text.isascii() and text.isdigit() and len(text) <= 9):
        raise ConditionRefused(text)
    return int(text)


def condition_from_choices(consultation: Consultation, codes: list[str], match: str,
                           number_rule: tuple[int, str, float] | None = None) -> dict[str, Any] | None:
    """The condition from the editor's ticked ``codes`` (see :func:`rule_groups`) and a number rule
    (question id, "at_least" or "at_most", value); None when nothing is ticked. The options of one
    question ticked together are one rule ("= A or B"), and so are the lots. Raises ConditionRefused
    for a code that names nothing here; :func:`rule_problem` judges the rest."""
    questions = {q.id: q for theme in consultation.themes for q in theme.questions}
    rules: list[dict[str, Any]] = []
    by_question: dict[int, dict[str, Any]] = {}
    lots: list[int] = []
    for code in codes:
        kind, _sep, rest = code.partition(":")
        if kind == "is":
            question_id, _sep, index = rest.partition(":")
            question = questions.get(_number(question_id))
            points = _points(question) if question is not None else []
            if question is None or _number(index) >= len(points):
                raise ConditionRefused(code)
            if question.id not in by_question:
                by_question[question.id] = {"question": question.id, "is": []}
                rules.append(by_question[question.id])
            by_question[question.id]["is"].append(points[_number(index)])
        elif kind == "answered" and _number(rest) in questions:
            rules.append({"question": _number(rest), "answered": True})
        elif kind in ("size_at_least", "size_below"):
            rules.append({kind: _number(rest)})
        elif kind == "lot":
            if not lots:
                rules.append({"lots": lots})
            lots.append(_number(rest))
        else:
            raise ConditionRefused(code)
    if number_rule is not None:
        question_id, op, value = number_rule
        rules.append({"question": question_id, op: value})
    if not rules:
        return None
    return {"match": "any" if match == "any" else "all", "rules": rules}


def choices_from_condition(consultation: Consultation, condition: dict[str, Any] | None
                           ) -> tuple[list[str], str, tuple[int, str, float] | None]:
    """The editor's ticked codes, match and number rule for a stored condition."""
    if not condition:
        return [], "all", None
    questions = {q.id: q for theme in consultation.themes for q in theme.questions}
    codes: list[str] = []
    number_rule = None
    for rule in condition.get("rules", []):
        if "is" in rule and rule["question"] in questions:
            points = _points(questions[rule["question"]])
            codes += [f"is:{rule['question']}:{points.index(v)}" for v in rule["is"] if v in points]
        elif rule.get("answered"):
            codes.append(f"answered:{rule['question']}")
        elif "size_at_least" in rule or "size_below" in rule:
            key = "size_at_least" if "size_at_least" in rule else "size_below"
            codes.append(f"{key}:{rule[key]}")
        elif "lots" in rule:
            codes += [f"lot:{lot_id}" for lot_id in rule["lots"]]
        elif number_rule is None and ("at_least" in rule or "at_most" in rule):
            op = "at_least" if "at_least" in rule else "at_most"
            number_rule = (rule["question"], op, rule[op])
    return codes, condition.get("match", "all"), number_rule
