"""The core's ConversationState as JSON and back, so any instance can decide the next turn."""
from __future__ import annotations

from types import MappingProxyType
from typing import Any

from ..core.state import ConversationState, Question

_SCALARS = ("customer_turns", "with_human", "handoff_turn", "handoff_queue", "fallback_strikes", "not_helpful",
            "resolved", "last_action", "last_offer_queue", "refund_asked", "long_offer_pending")


def encode_state(state: ConversationState) -> dict[str, Any]:
    out: dict[str, Any] = {name: getattr(state, name) for name in _SCALARS}
    out["questions"] = [[q.key, sorted(q.ids)] for q in state.questions]
    out["trigger_turns"] = dict(state.trigger_turns)
    out["facts"] = dict(state.facts)
    out["amounts"] = list(state.amounts)
    return out


def decode_state(data: dict[str, Any] | None) -> ConversationState:
    if not data:
        return ConversationState()
    return ConversationState(
        **{name: data[name] for name in _SCALARS if name in data},
        questions=tuple(Question(key, frozenset(ids)) for key, ids in data.get("questions", ())),
        trigger_turns=MappingProxyType(dict(data.get("trigger_turns", {}))),
        facts=MappingProxyType(dict(data.get("facts", {}))),
        amounts=tuple(data.get("amounts", ())),
    )
