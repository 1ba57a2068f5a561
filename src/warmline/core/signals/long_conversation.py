"""long_conversation: `long_conversation_turns` customer turns and nothing resolved yet. It fires on that turn
and again at each further multiple (10, 20, 30 ...), so the offer is made again, not on every turn. A customer
who is signing off on the turn it falls due ("that's all, thank you") is not offered a person: the offer waits
for their next message, if one comes."""
from __future__ import annotations

from ..model import Signal
from . import Found, Measures, Turn


def detect(turn: Turn, found: Found, measures: Measures) -> None:
    turns = turn.state.customer_turns + 1
    limit = turn.policy.thresholds.long_conversation_turns
    due = turns % limit == 0 or turn.state.long_offer_pending
    if not due or turn.state.resolved or measures.get("resolved"):
        return
    if turn.scan.has("signing_off"):
        measures["long_offer_pending"] = True
        return
    found["long_conversation"] = Signal("long_conversation", count=turns,
                                        detail=f"{turns} customer turns, unresolved (limit {limit})")
