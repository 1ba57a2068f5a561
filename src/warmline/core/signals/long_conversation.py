"""long_conversation: `long_conversation_turns` customer turns and nothing resolved yet."""
from __future__ import annotations

from ..model import Signal
from . import Found, Measures, Turn


def detect(turn: Turn, found: Found, measures: Measures) -> None:
    turns = turn.state.customer_turns + 1
    limit = turn.policy.thresholds.long_conversation_turns
    if turns >= limit and not turn.state.resolved and not measures.get("resolved"):
        found["long_conversation"] = Signal("long_conversation", count=turns,
                                            detail=f"{turns} customer turns, unresolved (limit {limit})")
