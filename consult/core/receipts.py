"""Receipt codes: the part of a submission's digest a person keeps, shown in groups of four.

Responses and formal advice both hand out receipts; this is the one way to cut, show and read back
a code."""
from __future__ import annotations

RECEIPT_CODE_LENGTH = 32


def format_receipt_code(code: str) -> str:
    """'3f9a…' → '3F9A-0C1B-…' (groups of four, easy to read aloud and type)."""
    code = code.upper()
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def normalise_receipt_code(text: str) -> str:
    """What a person typed or pasted ('3F9A-0C1B …') → the stored form ('3f9a0c1b…')."""
    return "".join(ch for ch in text.lower() if ch in "0123456789abcdef")
