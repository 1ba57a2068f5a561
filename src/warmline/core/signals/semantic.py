"""Triggers found by meaning: the message is close to one of a trigger's exemplars (sentence embeddings) and
closer to it than to any routine request. Only for triggers the lexicons did not already find, and never against
the lexicons' explicit word: a negated intent ("I don't want to cancel") or an `unless` guard ("in which cases
can I get a refund") vetoes the trigger. The scores are an input of the turn (`Turn.semantic`), computed outside
the core by the model."""
from __future__ import annotations

from ..model import Signal
from . import Found, Measures, Turn


def detect(turn: Turn, found: Found, measures: Measures) -> None:
    scores = turn.semantic
    if not scores or not turn.policy.semantic.enabled:
        return
    spec = turn.policy.semantic
    routine = scores.get("routine", (0.0, ""))[0]
    measures["semantic"] = {k: round(v[0], 3) for k, v in scores.items()}
    for trigger, (score, nearest) in scores.items():
        if trigger not in spec.exemplars or trigger in found or trigger in turn.scan.vetoed:
            continue
        threshold = spec.threshold_for(trigger)
        if score >= threshold and score - routine >= spec.margin:
            count = turn.state.turns_with(trigger) + 1
            found[trigger] = Signal(trigger, score=score, count=count, source="semantic",
                                    detail=f"means '{nearest}' (similarity {score:.2f} >= {threshold}; "
                                           f"routine {routine:.2f})")
