"""No differencing between a lot's figures and the whole consultation's: a figure of a subset of the
organisations is published only when no group below the threshold follows by subtracting published
figures (consult.disclosure.statistics.publishable_subsets)."""
from __future__ import annotations

from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from consult.disclosure.statistics import min_group, publishable_subsets


def ids(start: int, stop: int) -> frozenset:
    return frozenset(range(start, stop))


def test_a_lot_whose_complement_is_small_is_withheld(app):
    whole = ids(0, 7)
    assert min_group() == 5
    # Five of seven in the lot: the other two follow by subtraction; two: below the threshold itself.
    assert publishable_subsets(whole, [], {"home": ids(0, 5), "day": ids(5, 7)}) == set()
    # Two lots of five that share nobody and cover everyone: both may be shown.
    assert publishable_subsets(ids(0, 10), [], {"home": ids(0, 5), "day": ids(5, 10)}) == {"home", "day"}
    # Covering everyone together, they give away the four in both; withholding one leaves the
    # other's complement of four: neither is shown.
    assert publishable_subsets(ids(0, 12), [], {"a": ids(0, 8), "b": ids(4, 12)}) == set()
    # Together covering everyone, with five outside each: the two in both follow; one stays.
    assert publishable_subsets(ids(0, 12), [], {"a": ids(0, 7), "b": ids(5, 12)}) == {"b"}
    # A lot within another, three apart: one of them is withheld, the other stays.
    assert publishable_subsets(ids(0, 20), [], {"a": ids(0, 12), "b": ids(0, 9)}) == {"b"}
    # The providers' own figure (published when the whole is split by kind) counts as published too.
    assert publishable_subsets(ids(0, 12), [ids(0, 8)], {"a": ids(0, 6)}) == set()
    assert publishable_subsets(ids(0, 12), [ids(0, 6)], {"a": ids(0, 6)}) == {"a"}  # the same as the providers
    assert publishable_subsets(ids(0, 16), [ids(0, 11)], {"a": ids(0, 6)}) == {"a"}


def derived_groups(a: frozenset, b: frozenset, whole: frozenset) -> list[frozenset]:
    """Every group that subtraction gives away when the figures of a and b are both published."""
    groups = []
    if b <= a:
        groups.append(a - b)
    if a <= b:
        groups.append(b - a)
    if a | b == whole:
        groups.append(a & b)
    return groups


@settings(max_examples=300, deadline=None)
@given(blocks=st.lists(st.integers(0, 8), min_size=4, max_size=4),
       lots=st.lists(st.sets(st.integers(0, 3)), min_size=1, max_size=4), providers=st.sets(st.integers(0, 3)))
def test_no_published_pair_gives_a_small_group_away(app, blocks, lots, providers):
    """Organisations in four blocks of 0 to 8; each lot (and the providers) a union of blocks, so that
    lots nested in each other, sharing some organisations or covering everyone together are common."""
    starts = [sum(blocks[:n]) for n in range(5)]
    block = [frozenset(range(starts[n], starts[n + 1])) for n in range(4)]
    whole = frozenset(range(starts[4]))

    def union(chosen) -> frozenset:
        return frozenset().union(*(block[n] for n in chosen))

    subsets = {f"lot{n}": union(chosen) for n, chosen in enumerate(lots)}
    fixed = [union(providers)]
    published = publishable_subsets(whole, fixed, subsets)
    assert all(len(subsets[key]) >= min_group() for key in published)
    shown = [whole, *fixed] + [subsets[key] for key in sorted(published)]
    small = [(a, b) for a, b in combinations(shown, 2) for group in derived_groups(a, b, whole)
             if 0 < len(group) < min_group()
             and not (a in (whole, *fixed) and b in (whole, *fixed))]  # the whole's own figures are not ours
    assert small == []
