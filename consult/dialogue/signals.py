"""What the discussion tells other features without knowing them (blinker signals, as Flask's own)."""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Sent inside the transaction that empties the text of deleted posts, with ``post_ids`` (a select
#: of their ids): a feature that keeps words of those posts removes them (analysis: key quotes).
posts_purged = _signals.signal("posts-purged")
