"""Triggers found by meaning, two ways: the message is close to one of a trigger's exemplars (sentence embeddings)
and closer to it than to any routine request; or the trigger's probe (a classifier trained on the exemplars)
reads the message as the trigger. Only for triggers the lexicons did not already find, and never against the
lexicons' explicit word: a negated intent ("I don't want to cancel") or an `unless` guard ("in which cases can I
get a refund") vetoes the trigger. The scores are an input of the turn (`Turn.semantic`), computed outside the
core by the model."""
from __future__ import annotations

from ..model import Signal
from . import Found, Measures, Turn

PROBE = "probe:"   # the semantic input `probe:<trigger>` is that trigger's probe probability
WHOLE = "probe"    # ... with the text it read: this for the whole message, else the end of a long one it read


def detect(turn: Turn, found: Found, measures: Measures) -> None:
    scores = turn.semantic
    if not scores or not turn.policy.semantic.enabled:
        return
    spec = turn.policy.semantic
    routine = scores.get("routine", (0.0, ""))[0]
    measures["semantic"] = {k: round(v[0], 3) for k, v in scores.items()}
    for trigger in spec.exemplars:
        if trigger in found or trigger in turn.scan.vetoed or trigger not in scores:
            continue
        score, nearest = scores[trigger]
        threshold = spec.threshold_for(trigger)
        (probe, read), bar = scores.get(PROBE + trigger, (0.0, "")), spec.probes.get(trigger)
        if score >= threshold and score - routine >= spec.margin:
            strength = score
            detail = f"means '{nearest}' (similarity {score:.2f} >= {threshold}; routine {routine:.2f})"
        elif bar is not None and probe >= bar:
            strength = probe
            sentence = f"'{read}' " if read not in ("", WHOLE) else ""
            detail = f"{sentence}reads as {trigger} (probe {probe:.2f} >= {bar}; nearest '{nearest}' {score:.2f})"
        else:
            continue
        found[trigger] = Signal(trigger, score=strength, count=turn.state.turns_with(trigger) + 1,
                                source="semantic", detail=detail)
