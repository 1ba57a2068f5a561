"""Detectors: one module each, each a pure function of the turn that adds what it finds.

A detector receives the `Turn` (the message scanned once by the phrase automaton, the bot's draft, the
customer, the conversation state before this turn, `now`, the policy) and writes into `found` (trigger id ->
Signal) and `measures` (numbers the trace and other detectors use). Order matters only where a detector reads
another's result: topics come before facts, segments and sentiment.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Mapping

from ..lexicon import Scan
from ..model import Customer, Message, Signal, Span
from ..policy import CompiledPolicy
from ..state import ConversationState


@dataclass(frozen=True, slots=True)
class Turn:
    index: int
    message: Message
    scan: Scan
    draft: Message | None
    draft_scan: Scan | None
    customer: Customer
    state: ConversationState
    now: datetime
    policy: CompiledPolicy
    semantic: Mapping[str, tuple[float, str]] | None = None  # trigger -> (similarity, nearest exemplar)


Found = dict[str, Signal]
Measures = dict[str, Any]
Detector = Callable[[Turn, Found, Measures], None]


def evidence_of(scan: Scan, lexicon: str):
    """The Span in the original text where the lexicon's first (strongest) hit is."""
    hit = scan.first(lexicon)
    if hit is None:
        return None
    first, last = hit.first, hit.last
    for other in sorted(scan.hits[lexicon], key=lambda h: h.first):  # grow over touching hits of the lexicon
        if other.first <= last + 1 and other.last >= first - 1:
            first, last = min(first, other.first), max(last, other.last)
    start, end, text = scan.text.quote(first, last)
    return Span(start, end, text)


def detectors() -> tuple[Detector, ...]:
    from . import (confidence, facts, fallback, feedback, human_request, long_conversation, repetition,
                   risky_draft, segments, semantic, sentiment, topics)
    return (human_request.detect, topics.detect, semantic.detect, facts.detect, segments.detect, sentiment.detect,
            fallback.detect, confidence.detect, repetition.detect, feedback.detect, long_conversation.detect,
            risky_draft.detect)
