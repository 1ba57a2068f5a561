"""risky_draft: the bot's draft grants or promises a refund, credit, discount or exception, or states a legal
or compliance position. The draft is held back and a person answers (you own your AI's promises)."""
from __future__ import annotations

from ..model import Signal
from . import Found, Measures, Turn, evidence_of


def detect(turn: Turn, found: Found, measures: Measures) -> None:
    if turn.draft_scan is None or not turn.draft_scan.has("risky_draft"):
        return
    if turn.draft is not None and turn.draft.intent in turn.policy.approved_draft_intents:
        measures["approved_draft"] = turn.draft.intent
        return
    span = evidence_of(turn.draft_scan, "risky_draft")
    found["risky_draft"] = Signal("risky_draft", evidence=span, source="draft",
                                  detail=f"draft commits: '{span.text}'" if span else "draft commits")
