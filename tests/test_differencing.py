"""No differencing between a lot's figures and the whole consultation's: a figure of a subset of the
organisations is published only when no group below the threshold follows by subtracting published
figures (consult.disclosure.statistics.publishable_subsets)."""
from __future__ import annotations

from itertools import product

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


def derived_groups(shown: list[frozenset], universe: frozenset) -> list[frozenset]:
    """Every group whose figure follows from the shown figures by adding and subtracting (each used at
    most once, with +1 or -1): the combinations that count each organisation 0 or 1 times."""
    groups = []
    for coefficients in product((-1, 0, 1), repeat=len(shown)):
        if not any(coefficients):
            continue
        counts = {member: sum(c for c, group in zip(coefficients, shown, strict=True) if member in group)
                  for member in universe}
        if set(counts.values()) <= {0, 1}:
            groups.append(frozenset(member for member, count in counts.items() if count == 1))
    return groups


def test_the_reviewers_cases_are_withheld(app):
    # Two lots sharing nobody, one council outside both: whole - home - day would be the council.
    whole, home, day = ids(0, 11), ids(0, 5), ids(5, 10)
    assert publishable_subsets(whole, [], {"home": home, "day": day}) == {"home"}  # one of the two
    # Providers (shown as a column) of whom two offer both lots: home + day - providers gives the two.
    providers = ids(0, 12)
    both = {"home": ids(0, 7), "day": ids(5, 12)}
    assert publishable_subsets(ids(0, 17), [providers, ids(12, 17)], both) == {"home"}
    # The whole not shown: lots are still checked against each other (a lot within another, two apart).
    assert publishable_subsets(None, [], {"a": ids(0, 8), "b": ids(0, 6)}) == {"b"}
    # A number group that one organisation dominates is as telling as a small one.
    values = {n: 10.0 for n in range(10)} | {9: 1000.0}
    assert publishable_subsets(ids(0, 10), [], {"a": ids(0, 5)}, values) == set()
    assert publishable_subsets(ids(0, 10), [], {"a": ids(5, 10)}, values) == set()
    assert publishable_subsets(ids(0, 10), [], {"a": ids(0, 5)}, {n: 10.0 for n in range(10)}) == {"a"}


@settings(max_examples=300, deadline=None)
@given(blocks=st.lists(st.integers(0, 8), min_size=4, max_size=4),
       lots=st.lists(st.sets(st.integers(0, 3)), min_size=1, max_size=3), providers=st.sets(st.integers(0, 3)),
       whole_shown=st.booleans())
def test_no_published_figures_give_a_small_group_away(app, blocks, lots, providers, whole_shown):
    """Organisations in four blocks of 0 to 8; each lot (and the providers' column) a union of blocks,
    so that nested lots, lots sharing organisations and lots covering everyone together are common.
    Whatever is published, no sum or difference of the published figures counts 1 to 4 organisations."""
    starts = [sum(blocks[:n]) for n in range(5)]
    block = [frozenset(range(starts[n], starts[n + 1])) for n in range(4)]
    whole = frozenset(range(starts[4]))

    def union(chosen) -> frozenset:
        return frozenset().union(*(block[n] for n in chosen))

    subsets = {f"lot{n}": union(chosen) for n, chosen in enumerate(lots)}
    columns = [union(providers), whole - union(providers)]  # a split by kind: both columns shown
    columns = columns if whole_shown and all(len(c) >= min_group() for c in columns) else []
    shown_whole = whole if whole_shown and len(whole) >= min_group() else None
    published = publishable_subsets(shown_whole, columns, subsets)
    assert all(len(subsets[key]) >= min_group() for key in published)
    shown = ([shown_whole] if shown_whole is not None else []) + columns + [subsets[key] for key in sorted(published)]
    universe = frozenset().union(whole, *subsets.values())
    small = [group for group in derived_groups(shown, universe) if 0 < len(group) < min_group()]
    assert small == []
