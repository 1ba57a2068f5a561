"""fallback_loop: the bot did not understand `fallback_strikes` times (this turn's draft included)."""
from __future__ import annotations

from ..model import Signal
from . import Found, Measures, Turn


def detect(turn: Turn, found: Found, measures: Measures) -> None:
    strikes = turn.state.fallback_strikes + (1 if turn.draft is not None and turn.draft.fallback else 0)
    measures["fallback_strikes"] = strikes
    limit = turn.policy.thresholds.fallback_strikes
    if strikes >= limit and turn.draft is not None and turn.draft.fallback:
        found["fallback_loop"] = Signal("fallback_loop", count=strikes, source="draft",
                                        detail=f"the bot did not understand {strikes} times (limit {limit})")
