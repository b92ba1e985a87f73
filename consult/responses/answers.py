"""Reading an answer from a form and showing it again, per question kind.

``parse_answer`` turns the submitted form values into the stored value or a message for the
person; it never raises for bad input. Text is stored exactly as typed (NUL bytes removed, as
databases refuse them); rendering escapes it, and the sanitiser drops bidi and zero-width
characters from anything shown as rich text.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from flask_babel import lazy_gettext as _l

from consult.consultations.models import Question, QuestionKind
from consult.core.numbers import NumberRefused, canonical_number, format_number, with_unit  # noqa: F401  (used from here)
from consult.core.numbers import parse_number as read_number
from consult.core.refused import Refused
from consult.responses import costprice

MAX_ANSWER_LENGTH = 10_000


class AnswerError(Refused):
    pass


class IncompleteAnswer(AnswerError):
    """An answer still being filled in (a ranking with places still to give, a price row with only the
    price or the volume): refused like any problem when the page is saved, while typing only "not
    saved yet"."""


def field_name(question: Question) -> str:
    return f"q-{question.id}"


def _clean_text(text: str) -> str:
    return text.replace("\x00", "").replace("\r\n", "\n")


def parse_number(raw: str) -> float:
    """A number as people write it (consult.core.numbers.parse_number); raises AnswerError."""
    try:
        return read_number(raw)
    except NumberRefused as refused:
        raise AnswerError(refused.message) from None


def posted_values(question: Question, form) -> list[str]:
    """The form's values for ``question``: its field's values; for a ranking, matrix or price table
    one value per option or row in order (a price table: price and volume per row), from the fields
    ``q-<id>-<n>`` (``-price`` and ``-volume``)."""
    name = field_name(question)
    if question.kind in (QuestionKind.RANKING, QuestionKind.MATRIX):
        return [form.get(f"{name}-{n}", "") for n in range(len(question.options))]
    if question.kind == QuestionKind.PRICE_TABLE:
        return [form.get(f"{name}-{n}-{part}", "") for n in range(len(question.options)) for part in ("price", "volume")]
    if question.kind == QuestionKind.COST_PRICE:
        return [form.get(f"{name}-{n}-{field}", "") for n in range(len(question.options)) for field in SHEET_FIELDS]
    return form.getlist(name)


def as_typed(question: Question, values: list[str]) -> str | list[str]:
    """The posted values as the form shows them again (after a problem, or when nothing was saved)."""
    if question.kind == QuestionKind.MULTIPLE or question.kind.composite:
        return values
    return values[0] if values else ""


def _ranking(question: Question, values: list[str]) -> list[str] | None:
    """Positions per option (1 = first) → the options in order; all or none."""
    chosen = [(value.strip(), option) for value, option in zip(values, question.options, strict=False) if value.strip()]
    if not chosen:
        return None
    count = len(question.options)
    places = [int(value) if value.isascii() and value.isdigit() and len(value) <= 4 else 0 for value, _option in chosen]
    if len(set(places)) < len(places) or not all(1 <= place <= count for place in places):
        raise AnswerError(_l("Give each place from 1 to %(n)d to one option only.", n=count))
    if len(chosen) < count:  # (checked after the places given: a place twice is wrong whatever comes)
        raise IncompleteAnswer(_l("Give every option a place, from 1 to %(n)d (or none at all).", n=count))
    return [option for _place, option in sorted(zip(places, [option for _v, option in chosen], strict=True))]


def _matrix(question: Question, values: list[str]) -> list[list] | None:
    """The points per row, in the question's order: [[row, point], ...] (rows left open are left out)."""
    answer = []
    for value, row in zip(values, question.options, strict=False):
        if value.strip():
            if value.strip() not in {"1", "2", "3", "4", "5"}:
                raise AnswerError(_l("Choose a value from 1 to 5 for “%(row)s”.", row=row))
            answer.append([row, int(value)])
    return answer or None


def _price_table(question: Question, values: list[str]) -> list[dict[str, Any]] | None:
    """Per product offered, in the question's order, its unit, price per unit and volume: each row
    says what it is about, so a receipt reads the same whatever the question says later."""
    answer = []
    for n, (product, unit) in enumerate(question.rows):
        price, volume = (values[2 * n] if 2 * n < len(values) else ""), (values[2 * n + 1] if 2 * n + 1 < len(values) else "")
        if not price.strip() and not volume.strip():
            continue
        given = [parse_number(text) for text in (price, volume) if text.strip()]  # a wrong number: said first
        if any(number < 0 for number in given):
            raise AnswerError(_l("Prices and volumes cannot be negative (“%(product)s”).", product=product))
        if not price.strip() or not volume.strip():
            raise IncompleteAnswer(_l("Give both the price and the volume for “%(product)s”, or neither.",
                                      product=product))
        row = {"product": product, "unit": unit, "price": given[0], "volume": given[1]}
        answer.append(row)
    return answer or None


# A cost-price sheet's fields per product, in the order of its form values: the collective agreement's
# scale and step as text, then the figures (consult.responses.costprice.COMPONENTS).
SHEET_FIELDS = ("grade", *costprice.KEYS)
MAX_GRADE_LENGTH = 200


def sheet_rows(question: Question, values: list[str]) -> list[tuple[str, str, list[str]]]:
    """A cost-price sheet's form values per product: (product, unit, the values of SHEET_FIELDS)."""
    width = len(SHEET_FIELDS)
    return [(product, unit, [values[n * width + i] if n * width + i < len(values) else "" for i in range(width)])
            for n, (product, unit) in enumerate(question.rows)]


def _cost_price(question: Question, values: list[str]) -> list[dict[str, Any]] | None:
    """Per product offered (any of its fields filled in), in the question's order: its unit, the scale
    and step, the figures given and the cost price per unit they make. A product left empty is one
    the organisation does not offer."""
    answer = []
    for product, unit, texts in sheet_rows(question, values):
        if not any(text.strip() for text in texts):
            continue
        grade = _clean_text(texts[0]).strip()
        if len(grade) > MAX_GRADE_LENGTH:
            raise AnswerError(_l("Keep the scale and step to at most %(max)d characters (“%(product)s”).",
                                 max=MAX_GRADE_LENGTH, product=product))
        figures: dict[str, float] = {}
        for component, text in zip(costprice.COMPONENTS, texts[1:], strict=True):
            if text.strip():
                try:
                    figures[component.key] = parse_number(text)
                except AnswerError as problem:
                    raise AnswerError(_l("%(product)s, %(field)s: %(problem)s", product=product,
                                         field=component.label, problem=problem.message)) from None
        try:
            price = costprice.compute(figures).price
        except costprice.SheetProblem as problem:
            missing = problem.key is not None and problem.key not in figures
            kind = IncompleteAnswer if missing else AnswerError
            raise kind(_l("%(product)s: %(problem)s", product=product, problem=problem.message)) from None
        answer.append({"product": product, "unit": unit, "grade": grade, **figures, "price": float(price)})
    return answer or None


@dataclass(frozen=True)
class SheetLine:
    """One product of a cost-price sheet as the form shows it: the texts typed, and the arithmetic
    they make (``done``) or what is still missing or wrong (``problem``); neither when left empty."""

    index: int
    product: str
    unit: str
    texts: list[str]
    done: costprice.Computation | None = None
    problem: str | None = None
    figures: dict[str, Any] | None = None
    problem_key: str | None = None  # the field the problem is about, when it is one field


def sheet_lines(question: Question, values: list[str]) -> list[SheetLine]:
    """Per product of a cost-price sheet, what it makes of the form values so far (see SheetLine):
    the same rules as saving, so the arithmetic shown is the one stored."""
    lines = []
    for index, (product, unit, texts) in enumerate(sheet_rows(question, values)):
        line = SheetLine(index, product, unit, texts)
        if any(text.strip() for text in texts):
            figures, key = {}, None
            try:
                for component, text in zip(costprice.COMPONENTS, texts[1:], strict=True):
                    key = component.key
                    if text.strip():
                        figures[key] = read_number(text)
                line = replace(line, done=costprice.compute(figures), figures=costprice.completed(figures))
            except NumberRefused as refused:
                line = replace(line, problem=f"{costprice.BY_KEY[key].label}: {refused.message}", problem_key=key)
            except costprice.SheetProblem as problem:
                line = replace(line, problem=str(problem.message), problem_key=problem.key)
        lines.append(line)
    return lines


def _sheet_row_fits(row: Any, products: set[str]) -> bool:
    """A stored row of a cost-price sheet: every required figure there (a price table's row is none)."""
    return (isinstance(row, dict) and row.get("product") in products and isinstance(row.get("grade", ""), str)
            and _is_number(row.get("price")) and all(_is_number(row.get(key)) for key in costprice.REQUIRED)
            and all(_is_number(row[key]) for key in costprice.KEYS if key in row))


def price_lines(question: Question, values: list[str]) -> tuple[list[tuple[str, str, float | None]], float | None]:
    """A price table's rows as the form shows them, each (product, unit, amount = price × volume when
    both read as numbers), and the total of the amounts (None when there is none)."""
    lines = []
    for n, (product, unit) in enumerate(question.rows):
        try:
            price, volume = read_number(values[2 * n]), read_number(values[2 * n + 1])
        except (NumberRefused, IndexError, AttributeError):
            amount = None
        else:
            amount = round(price * volume, 2)
        lines.append((product, unit, amount))
    amounts = [amount for _p, _u, amount in lines if amount is not None]
    return lines, (round(sum(amounts), 2) if amounts else None)


def price_total(value: list[dict[str, Any]] | None) -> float:
    """The sum of price × volume over a price table's rows."""
    return round(sum(row["price"] * row["volume"] for row in value or []), 2)


def parse_answer(question: Question, values: list[str]) -> Any:
    """The value to store for ``question`` from the form's values for it (:func:`posted_values`);
    raises AnswerError."""
    first = values[0] if values else ""
    kind = question.kind
    if kind == QuestionKind.RANKING:
        return _ranking(question, values)
    if kind == QuestionKind.MATRIX:
        return _matrix(question, values)
    if kind == QuestionKind.PRICE_TABLE:
        return _price_table(question, values)
    if kind == QuestionKind.COST_PRICE:
        return _cost_price(question, values)
    if kind == QuestionKind.OPEN:
        text = _clean_text(first)
        if len(text) > MAX_ANSWER_LENGTH:
            raise AnswerError(_l("Your answer is %(n)d characters long; the maximum is %(max)d. "
                                 "Shorten it, or add a document to a file question.",
                                 n=len(text), max=MAX_ANSWER_LENGTH))
        return text if text.strip() else None
    if kind == QuestionKind.SINGLE:
        if not first:
            return None
        if first not in question.options:
            raise AnswerError(_l("Choose one of the options."))
        return first
    if kind == QuestionKind.MULTIPLE:
        chosen = [v for v in values if v]
        if any(v not in question.options for v in chosen):
            raise AnswerError(_l("Choose from the options given."))
        return [o for o in question.options if o in chosen] or None
    if kind == QuestionKind.SCALE:
        if not first:
            return None
        if first not in {"1", "2", "3", "4", "5"}:
            raise AnswerError(_l("Choose a value from 1 to 5."))
        return int(first)
    if kind == QuestionKind.NUMBER:
        if not first.strip():
            return None
        value = parse_number(first)
        if question.min_value is not None and value < question.min_value:
            raise AnswerError(_l("Enter a number of at least %(min)s.", min=format_number(question.min_value)))
        if question.max_value is not None and value > question.max_value:
            raise AnswerError(_l("Enter a number of at most %(max)s.", max=format_number(question.max_value)))
        return value
    return None  # file questions keep their files as attachments


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def current_value(question: Question, value: Any) -> Any:
    """A stored value as the question is now: None when it no longer has the shape of the question's
    kind (its kind changed after the answer), and for a matrix or price table only the rows the question
    still has. What the form, the review page and a submission use, so a changed question never breaks
    a page nor sends an answer to a question no longer asked."""
    if value in (None, "", []):
        return None
    kind = question.kind
    if kind == QuestionKind.MULTIPLE:
        return value if isinstance(value, list) and all(isinstance(v, str) for v in value) else None
    if kind in (QuestionKind.NUMBER, QuestionKind.SCALE):
        return value if _is_number(value) else None
    if kind == QuestionKind.RANKING:
        return value if isinstance(value, list) and sorted(map(str, value)) == sorted(question.options) else None
    if kind == QuestionKind.MATRIX:
        if not isinstance(value, list):
            return None
        rows = [pair for pair in value if isinstance(pair, list) and len(pair) == 2 and pair[0] in question.options
                and pair[1] in (1, 2, 3, 4, 5)]
        return rows or None
    if kind == QuestionKind.PRICE_TABLE:
        if not isinstance(value, list):
            return None
        products = {product for product, _unit in question.rows}
        rows = [row for row in value if isinstance(row, dict) and row.get("product") in products
                and _is_number(row.get("price")) and _is_number(row.get("volume"))]
        return rows or None
    if kind == QuestionKind.COST_PRICE:
        if not isinstance(value, list):
            return None
        products = {product for product, _unit in question.rows}
        rows = [row for row in value if _sheet_row_fits(row, products)]
        return rows or None
    return value if isinstance(value, str) else None


def fits(question: Question, value: Any) -> bool:
    """Whether a stored value (copied from an earlier round, say) is a valid answer to the question as
    it is now: its options, rows and limits may differ."""
    if value in (None, "", []):
        return False
    kind = question.kind
    if kind == QuestionKind.SINGLE:
        return value in question.options
    if kind == QuestionKind.MULTIPLE:
        return isinstance(value, list) and all(choice in question.options for choice in value)
    if kind == QuestionKind.NUMBER:
        return _is_number(value) and ((question.min_value is None or value >= question.min_value)
                                      and (question.max_value is None or value <= question.max_value))
    if kind.composite:
        current = current_value(question, value)
        if kind.has_rows and current is not None:  # the units must not have changed
            units = dict(question.rows)
            return current == value and all(row.get("unit") == units[row["product"]] for row in current)
        return current is not None and current == value
    return True


def form_value(question: Question, value: Any) -> str | list[str]:
    """The stored value as the form shows it again (a ranking, matrix or price table: one text per
    field, in the order of :func:`posted_values`)."""
    kind = question.kind
    value = current_value(question, value)
    if kind == QuestionKind.RANKING:
        order = value or []
        return [str(order.index(option) + 1) if option in order else "" for option in question.options]
    if kind == QuestionKind.MATRIX:
        points = dict(value or [])
        return [str(points.get(row, "")) for row in question.options]
    if kind == QuestionKind.PRICE_TABLE:
        figures = {row["product"]: row for row in value or []}
        return [format_number(figures.get(product, {}).get(part), grouped=False)
                for product, _unit in question.rows for part in ("price", "volume")]
    if kind == QuestionKind.COST_PRICE:
        sheets = {row["product"]: row for row in value or []}
        return [_sheet_text(sheets.get(product), field) for product, _unit in question.rows for field in SHEET_FIELDS]
    if value is None:
        return [] if question.kind == QuestionKind.MULTIPLE else ""
    if question.kind == QuestionKind.NUMBER:
        return format_number(value, grouped=False)
    if question.kind == QuestionKind.SCALE:
        return str(value)
    return value


def _sheet_text(row: dict[str, Any] | None, field: str) -> str:
    if row is None:
        return ""
    if field == "grade":
        return row.get("grade", "")
    return format_number(row.get(field), grouped=False)


def display_value(question: Question, value: Any) -> str:
    """The stored value as one line of text for review pages and receipts."""
    value = current_value(question, value)
    if value in (None, "", []):
        return ""
    if question.kind == QuestionKind.MULTIPLE:
        return "; ".join(value)
    if question.kind == QuestionKind.NUMBER:
        return with_unit(format_number(value), question.unit)
    if question.kind.composite:
        return composite_text(question.kind.value, value)
    return str(value)


def composite_text(kind: str, value: Any, number=format_number) -> str:
    """A ranking, matrix or price table answer as one line: "1. A; 2. B", "A: 4; B: 2",
    "A: € 45,50 per uur × 100 = € 4.550; total € 4.550". ``number`` formats the figures (the reader's
    language, or one fixed text for what is stored and searched)."""
    if kind == "ranking":
        return "; ".join(f"{n}. {option}" for n, option in enumerate(value, 1))
    if kind == "matrix":
        return "; ".join(f"{row}: {point}" for row, point in value)
    if kind == "cost_price":
        return "; ".join(str(_l("%(product)s: cost price € %(price)s per %(unit)s", product=row["product"],
                                price=number(row["price"]), unit=row.get("unit") or "…")) for row in value)
    rows = [str(_l("%(product)s: € %(price)s per %(unit)s × %(volume)s = € %(amount)s", product=row["product"],
                   price=number(row["price"]), unit=row.get("unit") or "…", volume=number(row["volume"]),
                   amount=number(round(row["price"] * row["volume"], 2))))
            for row in value]
    return "; ".join(rows + [str(_l("total € %(amount)s", amount=number(price_total(value))))])
