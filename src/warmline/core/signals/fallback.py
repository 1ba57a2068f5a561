"""fallback_loop: the bot did not understand `fallback_strikes` times (this turn's draft included).

A draft counts as a fallback when the bot flags it (`fallback: true`) or when its text says so ("Sorry, I didn't
understand"), for bots that do not flag their fallbacks."""
from __future__ import annotations

from ..model import Message, Signal
from . import Found, Measures, Turn


def is_fallback(draft: Message | None, turn: Turn) -> bool:
    if draft is None:
        return False
    return draft.fallback or (turn.draft_scan is not None and turn.draft_scan.has("fallback_phrases"))


def detect(turn: Turn, found: Found, measures: Measures) -> None:
    fallback = is_fallback(turn.draft, turn)
    measures["draft_fallback"] = fallback
    strikes = turn.state.fallback_strikes + (1 if fallback else 0)
    measures["fallback_strikes"] = strikes
    limit = turn.policy.thresholds.fallback_strikes
    if strikes >= limit and fallback:
        found["fallback_loop"] = Signal("fallback_loop", count=strikes, source="draft",
                                        detail=f"the bot did not understand {strikes} times (limit {limit})")
