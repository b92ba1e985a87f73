"""A word-level diff of two texts, for showing what a revision changed (the strategy draft's
revisions, a draft paragraph revised since a comment on it)."""
from __future__ import annotations

import difflib


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """The steps from ``old`` to ``new`` word by word: ("same" | "del" | "ins", words)."""
    a, b = old.split(), new.split()
    ops = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            ops.append(("same", " ".join(a[i1:i2])))
        else:
            if i2 > i1:
                ops.append(("del", " ".join(a[i1:i2])))
            if j2 > j1:
                ops.append(("ins", " ".join(b[j1:j2])))
    return ops
