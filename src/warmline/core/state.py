"""What the engine remembers between turns of one conversation: an immutable value folded over the messages.

Keeping this explicit (rather than re-reading the whole transcript each turn) makes a turn O(1) in the length
of the conversation and lets the service store the state beside the conversation.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Mapping

from .model import EMPTY, Message, _empty

MAX_REMEMBERED_QUESTIONS = 20


@dataclass(frozen=True, slots=True)
class Question:
    """An earlier customer message, reduced to what repetition detection compares."""
    key: str
    ids: frozenset[str]


@dataclass(frozen=True, slots=True)
class ConversationState:
    customer_turns: int = 0
    with_human: bool = False
    handoff_turn: int | None = None
    handoff_queue: str | None = None
    fallback_strikes: int = 0
    not_helpful: int = 0
    resolved: bool = False
    last_action: str | None = None
    last_offer_queue: str | None = None
    questions: tuple[Question, ...] = ()
    trigger_turns: Mapping[str, int] = field(default_factory=_empty)
    facts: Mapping[str, Any] = field(default_factory=_empty)
    amounts: tuple[float, ...] = ()
    refund_asked: bool = False
    long_offer_pending: bool = False   # a long-conversation offer fell due while the customer was signing off

    def turns_with(self, trigger: str) -> int:
        return self.trigger_turns.get(trigger, 0)


@dataclass(frozen=True, slots=True)
class TurnMemory:
    """What one customer turn adds to the state once its decision is made."""
    index: int
    action: str
    queue: str | None
    triggers: tuple[str, ...]
    question: Question | None
    not_helpful: bool
    resolved: bool
    fallback: bool
    amounts: tuple[float, ...] = ()
    refund_asked: bool = False
    long_offer_pending: bool = False
    facts: Mapping[str, Any] = field(default_factory=dict)
    hands_over: bool | None = None   # the turn gives the conversation to a person (None: when it escalates)


def after_customer_turn(state: ConversationState, memory: TurnMemory) -> ConversationState:
    counts = dict(state.trigger_turns)
    for trigger in memory.triggers:
        counts[trigger] = counts.get(trigger, 0) + 1
    questions = state.questions
    if memory.question is not None:
        questions = (questions + (memory.question,))[-MAX_REMEMBERED_QUESTIONS:]
    # an escalation with timing "wait" leaves the conversation with the AI until the handoff is queued
    escalated = memory.action == "escalate" if memory.hands_over is None else memory.hands_over
    return replace(
        state,
        customer_turns=state.customer_turns + 1,
        with_human=state.with_human or escalated,
        handoff_turn=memory.index if escalated and not state.with_human else state.handoff_turn,
        handoff_queue=memory.queue if escalated and not state.with_human else state.handoff_queue,
        fallback_strikes=state.fallback_strikes + (1 if memory.fallback else 0),
        not_helpful=state.not_helpful + (1 if memory.not_helpful else 0),
        resolved=memory.resolved or (state.resolved and not memory.not_helpful),
        last_action=memory.action,
        last_offer_queue=memory.queue if memory.action == "offer_escalation" else None,
        questions=questions,
        trigger_turns=MappingProxyType(counts),
        facts=MappingProxyType({**state.facts, **memory.facts}) if memory.facts else state.facts,
        amounts=(state.amounts + memory.amounts)[-20:],
        refund_asked=state.refund_asked or memory.refund_asked,
        long_offer_pending=memory.long_offer_pending,
    )


def after_other_message(state: ConversationState, message: Message) -> ConversationState:
    """Bot, agent and system messages: an agent speaking means a person has the conversation; a handback
    returns it to the bot with fresh counters."""
    if message.role == "agent" and not state.with_human:
        return replace(state, with_human=True)
    if message.role == "system" and message.event == "handoff" and not state.with_human:
        return replace(state, with_human=True)   # a waiting handoff was queued: a person takes over
    if message.role == "system" and message.event == "handback":
        return replace(state, with_human=False, handoff_turn=None, handoff_queue=None, fallback_strikes=0,
                       not_helpful=0, last_action=None, questions=(), trigger_turns=EMPTY, resolved=False,
                       long_offer_pending=False)
    if message.facts:
        return replace(state, facts=MappingProxyType({**state.facts, **message.facts}))
    return state
