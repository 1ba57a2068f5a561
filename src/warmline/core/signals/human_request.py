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


_SOFT = frozenset("i would like to that thanks thank you a person human agent someone connect me please".split())


def _is_yes(turn: Turn) -> bool:
    """A short reply that is only agreement ("yes please", "sure, go ahead, connect me")."""
    words = turn.scan.text.words
    agreement = turn.scan.hits.get("affirmative", ())
    if not agreement or len(words) > 6 or turn.scan.has("negators"):
        return False
    covered = {i for h in agreement for i in range(h.first, h.last + 1)}
    return all(i in covered or w in _SOFT for i, w in enumerate(words))
