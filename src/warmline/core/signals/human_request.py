"""human_request: the customer asks for a person, or says yes to the bot's offer of one."""
from __future__ import annotations

from ..model import Signal, Span
from . import Found, Measures, Turn, evidence_of


def detect(turn: Turn, found: Found, measures: Measures) -> None:
    span = evidence_of(turn.scan, "human_request")
    if span is not None:
        found["human_request"] = Signal("human_request", evidence=span, detail="asked for a person")
        return
    if turn.state.last_action == "offer_escalation" and _is_yes(turn):
        text = turn.message.text.strip()
        found["human_request"] = Signal("human_request", evidence=Span(0, len(text), text),
                                        detail="accepted the offer of a person")
        measures["accepted_offer_queue"] = turn.state.last_offer_queue


def _is_yes(turn: Turn) -> bool:
    """A short reply that is only agreement ("yes please", "sure, go ahead")."""
    words = turn.scan.text.words
    if not words or len(words) > 6 or turn.scan.has("negators"):
        return False
    return turn.scan.has("affirmative") and len(turn.scan.hits["affirmative"]) >= 1 and all(
        any(h.first <= i <= h.last for h in turn.scan.hits["affirmative"]) or w in _SOFT for i, w in enumerate(words))


_SOFT = frozenset("i would like to that thanks thank you a person human agent someone connect me please".split())
