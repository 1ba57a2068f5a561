"""long_conversation: `long_conversation_turns` customer turns and nothing resolved yet. The first offer is due
at that turn, the next at twice as many turns, and so on (10, 20, 30 ...), so the offer is made again, not on
every turn. A customer who is signing off on the turn it falls due ("that's all, thank you") is not offered a
person: the offer waits for their next message, if one comes."""
from __future__ import annotations

from ..model import Signal
from . import Found, Measures, Turn


def detect(turn: Turn, found: Found, measures: Measures) -> None:
    turns = turn.state.customer_turns + 1
    limit = turn.policy.thresholds.long_conversation_turns
    due = limit * (turn.state.turns_with("long_conversation") + 1)
    if turns < due or turn.state.resolved or measures.get("resolved") or turn.scan.has("signing_off"):
        return
    found["long_conversation"] = Signal("long_conversation", count=turns,
                                        detail=f"{turns} customer turns, unresolved (limit {limit})")
