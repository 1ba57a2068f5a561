"""Confidence bands of the bot's draft: below `offer` low, below `check` medium, below `respond` check."""
from __future__ import annotations

from ..model import Signal
from . import Found, Measures, Turn


def detect(turn: Turn, found: Found, measures: Measures) -> None:
    draft = turn.draft
    if draft is None or draft.confidence is None or measures.get("draft_fallback"):
        return  # a draft that admits not understanding is governed by the fallback strikes, not by bands
    c = draft.confidence
    bands = turn.policy.thresholds.confidence
    measures["confidence"] = c
    if c < bands.offer:
        trigger, detail = "low_confidence", f"confidence {c:.2f} < {bands.offer}"
    elif c < bands.check:
        trigger, detail = "medium_confidence", f"confidence {c:.2f} < {bands.check}"
    elif c < bands.respond:
        trigger, detail = "check_confidence", f"confidence {c:.2f} < {bands.respond}"
    else:
        return
    found[trigger] = Signal(trigger, score=1.0 - c, detail=detail, source="draft")
