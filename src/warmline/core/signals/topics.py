"""Topic triggers from lexicons: sales, billing, privacy, security, legal, churn, crisis, sensitive,
account_access, and any lexicon a config adds under a new trigger id."""
from __future__ import annotations

from ..model import Signal
from . import Found, Measures, Turn, evidence_of


def detect(turn: Turn, found: Found, measures: Measures) -> None:
    for topic in turn.policy.topics:
        if topic == "human_request" or not turn.scan.has(topic):
            continue
        hit = turn.scan.first(topic)
        span = evidence_of(turn.scan, topic)
        turns = turn.state.turns_with(topic) + 1
        found[topic] = Signal(topic, strong=hit.strong, count=turns, evidence=span,
                              detail=f"'{hit.phrase}'" + (" (strong)" if hit.strong else "")
                              + (f", in {turns} turns" if turns > 1 else ""))
