"""Numbers under statistical disclosure control, as statistics offices publish them.

A published figure about answers must not reveal any one organisation's answer:

* **threshold rule** — a figure is published only when at least ``ANALYSIS_MIN_GROUP`` organisations whose
  answers may count contributed to it;
* **dominance rule** — no single organisation may contribute more than ``ANALYSIS_DOMINANCE`` (a share) of a
  total, or the total (and so the mean) mostly is that organisation's number;
* **no order statistics** — never a minimum, a maximum or a quantile, which are always somebody's own value;
  instead a mean rounded to a stated step and the interquartile band rounded outwards, widened by a step while
  one of its ends equals a contributor's value;
* **no differencing** — a table split by kind of organisation shows the split only when every kind that
  contributed reaches the threshold; otherwise only the total. A figure for a subset (a lot's report beside
  the whole consultation's) is published only when no group that could be worked out by adding and
  subtracting published figures is below the threshold or dominated by one organisation
  (:func:`publishable_subsets`).

Which answers may count at all is decided by :func:`consult.disclosure.answers.may_count`.
"""
from __future__ import annotations

import bisect
import math
import statistics
from dataclasses import dataclass

from flask import current_app

SUPPRESSED_THRESHOLD = "threshold"
SUPPRESSED_DOMINANCE = "dominance"
SUPPRESSED_SPREAD = "spread"


def min_group() -> int:
    return current_app.config["ANALYSIS_MIN_GROUP"]


def dominance_share() -> float:
    return current_app.config["ANALYSIS_DOMINANCE"]


@dataclass(frozen=True)
class PublicNumbers:
    """What may be published about a number question."""

    organisations: int
    suppressed: str | None = None     # SUPPRESSED_THRESHOLD / SUPPRESSED_DOMINANCE, or None when shown
    mean: float | None = None         # rounded to ``step``
    low: float | None = None          # interquartile band, rounded outwards
    high: float | None = None
    step: float | None = None

    @property
    def shown(self) -> bool:
        return self.suppressed is None


def rounding_step(value: float) -> float:
    """The step that keeps two significant digits of ``value``: 57.23 -> 1, 1234 -> 100, 0.57 -> 0.01."""
    magnitude = math.floor(math.log10(abs(value))) if value else 0
    return 10.0 ** (magnitude - 1)


def _snap(value: float, step: float, how) -> float:
    # Round in units of the step, then back, and clean float noise (0.1 * 3 -> 0.30000000000000004).
    return round(how(round(value / step, 9)) * step, 10)


def _equals_any(value: float, values: list[float]) -> bool:
    """Whether ``value`` is (within 1e-9) one of ``values``, which are sorted: only the nearest value
    on either side can be that close, so those two are compared (not every value)."""
    at = bisect.bisect_left(values, value)
    return any(math.isclose(value, values[i], rel_tol=0, abs_tol=1e-9) for i in (at - 1, at) if 0 <= i < len(values))


def granularity(values: list[float]) -> float:
    """The coarsest power of ten every value is a multiple of (whole percentages: 1; salaries in
    hundreds: 100; cents: 0.01): what people typed, so what a rounded figure must not pin down."""
    for exponent in range(6, -7, -1):
        unit = 10.0 ** exponent
        if all(abs(v - round(v / unit) * unit) <= 1e-9 * max(1.0, abs(v)) for v in values):
            return unit
    return 1e-6


def public_numbers(values_by_organisation: dict[int, float], floor: float | None = None,
                   typed: bool = False) -> PublicNumbers:
    """The publishable summary of one number per organisation (see the module's rules). ``floor``: the
    lowest value the figure can have (0 for a cost or a share): a band that would have to reach below
    it to miss every contributor's value (the organisations gave nearly the same figure) is not
    published (SUPPRESSED_SPREAD). ``typed``: the step is at least five times the granularity of what
    people typed, so a band end moved off a contributor's whole percentage does not give that
    percentage away (between 1,9 and 2,0 % lies only one whole percentage)."""
    values = sorted(float(v) for v in values_by_organisation.values())
    n = len(values)
    if n < min_group():
        return PublicNumbers(organisations=n, suppressed=SUPPRESSED_THRESHOLD)
    total = sum(abs(v) for v in values)
    if total and max(abs(v) for v in values) > dominance_share() * total:
        return PublicNumbers(organisations=n, suppressed=SUPPRESSED_DOMINANCE)
    mean = statistics.fmean(values)
    q1, _median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    mean_step = step = rounding_step(mean if mean else (q3 or 1.0))
    if typed:
        step = max(step, 5 * granularity(values))
    low, high = _snap(q1, step, math.floor), _snap(q3, step, math.ceil)
    for _ in range(n + 1):  # each end moves past at most every contributor's value
        if not _equals_any(low, values):
            break
        low = round(low - step, 10)
    for _ in range(n + 1):
        if not _equals_any(high, values):
            break
        high = round(high + step, 10)
    if floor is not None and low < floor:
        return PublicNumbers(organisations=n, suppressed=SUPPRESSED_SPREAD)
    return PublicNumbers(organisations=n, mean=_snap(mean, mean_step, round), low=low, high=high, step=step)


@dataclass(frozen=True)
class PublicDistribution:
    """Counts per option, by group (e.g. kind of organisation) where the split is safe, else in total only."""

    options: list[str]
    groups: list[str]                       # the groups shown as columns (may be empty: total only)
    counts: dict[str, dict[str, int]]       # group -> option -> count (only for ``groups``)
    totals: dict[str, int]                  # option -> count over all groups
    organisations: int
    suppressed: str | None = None

    @property
    def shown(self) -> bool:
        return self.suppressed is None


def public_distribution(options: list[str], choices: list[tuple[str, list[str]]]) -> PublicDistribution:
    """``choices``: one (group, chosen options) per organisation whose answer may count."""
    n = len(choices)
    if n < min_group():
        return PublicDistribution(options=options, groups=[], counts={}, totals={}, organisations=n,
                                  suppressed=SUPPRESSED_THRESHOLD)
    per_group: dict[str, dict[str, int]] = {}
    members: dict[str, int] = {}
    totals = {o: 0 for o in options}
    for group, chosen in choices:
        members[group] = members.get(group, 0) + 1
        row = per_group.setdefault(group, {o: 0 for o in options})
        for option in chosen:
            if option in totals:
                row[option] += 1
                totals[option] += 1
    split = len(members) > 1 and all(count >= min_group() for count in members.values())
    groups = sorted(members) if split else []
    return PublicDistribution(options=options, groups=groups, counts={g: per_group[g] for g in groups},
                              totals=totals, organisations=n)


def publishable_subsets(whole: frozenset | None, fixed: list[frozenset], subsets: dict,
                        values: dict | None = None) -> set:
    """Of ``subsets`` (key -> the organisations one more figure would count): the keys whose figures may
    be published beside the figure of ``whole`` (None when that figure is not shown) and those of
    ``fixed`` (the columns of its split by kind, when shown), without any group below the threshold
    following by adding and subtracting published figures.

    Every such group is a union of *atoms*: the organisations alike in which published sets they are
    in (within ``whole``, or within the published subsets when the whole is not shown). So every atom
    must reach the threshold and, for numbers (``values``: organisation -> its number), must not be
    dominated by one organisation's number. A subset below the threshold is never published; while an
    atom falls short, the subset whose withholding leaves the fewest such atoms is withheld (the first
    in key order among equals); then each withheld one is published again if it fits beside the others."""
    threshold, share = min_group(), dominance_share()

    def unsafe_atoms(keys) -> int:
        sets = [subsets[key] for key in sorted(keys, key=order)]
        universe = whole if whole is not None else frozenset().union(*sets)
        signatures = [*fixed, *sets] if whole is not None else sets
        atoms: dict[tuple, list] = {}
        for member in universe:
            atoms.setdefault(tuple(member in group for group in signatures), []).append(member)
        bad = 0
        for members in atoms.values():
            if len(members) < threshold:
                bad += 1
            elif values is not None:
                total = sum(abs(values[m]) for m in members)
                bad += bool(total) and max(abs(values[m]) for m in members) > share * total
        return bad

    def order(key):
        return (0, key, "") if isinstance(key, int) else (1, 0, str(key))

    candidates = sorted((key for key, members in subsets.items() if len(members) >= threshold), key=order)
    published = set(candidates)
    while published and unsafe_atoms(published):
        withheld = min(sorted(published, key=order), key=lambda key: unsafe_atoms(published - {key}))
        published.discard(withheld)
    for key in candidates:  # one withheld early may fit beside those that stayed
        if key not in published and not unsafe_atoms(published | {key}):
            published.add(key)
    return published


# The percentiles a tariff may be: never the lowest or highest price (a minimum or a maximum).
PERCENTILES = (20, 80)


@dataclass(frozen=True)
class PublicTariff:
    """A tariff derived from the organisations' cost prices, as it may be used and published: rounded up
    to ``step`` and never equal to any one organisation's cost price; or withheld (``suppressed``)."""

    organisations: int
    suppressed: str | None = None
    value: float | None = None
    step: float | None = None

    @property
    def shown(self) -> bool:
        return self.suppressed is None


def public_tariff(prices: dict[int, float], *, percentile: int | None = None,
                  weights: dict[int, float] | None = None) -> PublicTariff:
    """A tariff from one cost price per organisation: the ``percentile`` (PERCENTILES, interpolated
    between the prices; never the lowest or the highest) or, with ``weights`` (the volume each expects),
    the weighted mean of those with a weight.

    The threshold rule counts the organisations it is made of; the dominance rule holds for the weights
    (one organisation's volume is not most of the total, or the mean mostly is its price). The result
    is rounded up to the step that keeps two significant digits and moved up a step while an
    organisation's price lies in the step just below it: a median of five is the third organisation's
    own number, and the tariff does not even say within one step where that number lies."""
    if weights is not None:
        prices = {org: price for org, price in prices.items() if weights.get(org, 0) > 0}
    values = sorted(float(v) for v in prices.values())
    n = len(values)
    if n < min_group():
        return PublicTariff(organisations=n, suppressed=SUPPRESSED_THRESHOLD)
    if weights is not None:
        total = sum(weights[org] for org in prices)
        if max(weights[org] for org in prices) > dominance_share() * total:
            return PublicTariff(organisations=n, suppressed=SUPPRESSED_DOMINANCE)
        raw = sum(prices[org] * weights[org] for org in prices) / total
    else:
        share = min(max(percentile or 50, PERCENTILES[0]), PERCENTILES[1]) / 100
        position = share * (n - 1)
        below = math.floor(position)
        above = min(below + 1, n - 1)
        raw = values[below] + (values[above] - values[below]) * (position - below)
    step = rounding_step(raw)
    value = _snap(raw, step, math.ceil)
    for _ in range(n + 1):
        if not any(value - step < v <= value + 1e-9 for v in values):
            break
        value = round(value + step, 10)
    return PublicTariff(organisations=n, value=value, step=step)
