"""long_conversation: `long_conversation_turns` customer turns and nothing resolved yet. It fires on that turn
and again at each further multiple (10, 20, 30 ...), so the offer is made again, not on every turn."""
from __future__ import annotations

from ..model import Signal
from . import Found, Measures, Turn


def detect(turn: Turn, found: Found, measures: Measures) -> None:
    turns = turn.state.customer_turns + 1
    limit = turn.policy.thresholds.long_conversation_turns
    if turns % limit == 0 and not turn.state.resolved and not measures.get("resolved"):
        found["long_conversation"] = Signal("long_conversation", count=turns,
                                            detail=f"{turns} customer turns, unresolved (limit {limit})")
