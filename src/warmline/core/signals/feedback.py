"""not_helpful: the customer said the answer did not help (feedback or words), `not_helpful` times."""
from __future__ import annotations

from ..model import Signal, Span
from . import Found, Measures, Turn, evidence_of


def detect(turn: Turn, found: Found, measures: Measures) -> None:
    said = turn.message.feedback == "not_helpful" or turn.scan.has("not_helpful_phrases")
    measures["resolved"] = turn.message.feedback == "helpful" or (
        turn.scan.has("resolved") and not said)
    measures["not_helpful_now"] = said
    count = turn.state.not_helpful + (1 if said else 0)
    measures["not_helpful"] = count
    limit = turn.policy.thresholds.not_helpful
    if said and count >= limit:
        span = evidence_of(turn.scan, "not_helpful_phrases")
        if span is None:
            text = turn.message.text
            span = Span(0, len(text), text[:120])
        found["not_helpful"] = Signal("not_helpful", count=count, evidence=span,
                                      detail=f"said 'not helpful' {count} times (limit {limit})")
