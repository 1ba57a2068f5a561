"""The domain: conversations in, decisions out. Frozen dataclasses, no behaviour that needs I/O."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, Mapping

ROLES = ("customer", "bot", "agent", "system")
ACTIONS = ("respond", "respond_with_check", "offer_escalation", "escalate", "with_human")
PRIORITIES = ("low", "medium", "high", "immediate")
TIMINGS = ("immediate", "wait", "ticket")
FEEDBACK = ("helpful", "not_helpful")

EMPTY: Mapping[str, Any] = MappingProxyType({})


def action_strength(action: str) -> int:
    return ACTIONS.index(action)


def priority_rank(priority: str) -> int:
    return PRIORITIES.index(priority)


def raise_priority(priority: str, steps: int = 1) -> str:
    return PRIORITIES[min(len(PRIORITIES) - 1, max(0, priority_rank(priority) + steps))]


def _empty() -> Mapping[str, Any]:
    return EMPTY


@dataclass(frozen=True, slots=True)
class Message:
    role: str
    text: str
    at: datetime | None = None
    confidence: float | None = None
    fallback: bool = False
    intent: str | None = None
    feedback: str | None = None
    event: str | None = None
    facts: Mapping[str, Any] = field(default_factory=_empty)


@dataclass(frozen=True, slots=True)
class Customer:
    id: str | None = None
    name: str | None = None
    email: str | None = None
    plan: str | None = None
    account_age_days: int | None = None
    previous_tickets: int | None = None
    tags: tuple[str, ...] = ()
    attributes: Mapping[str, Any] = field(default_factory=_empty)

    def as_dict(self) -> dict[str, Any]:
        named = {
            "id": self.id, "name": self.name, "email": self.email, "plan": self.plan,
            "account_age_days": self.account_age_days, "previous_tickets": self.previous_tickets,
            "tags": list(self.tags),
        }
        return {**dict(self.attributes), **{k: v for k, v in named.items() if v is not None}}


@dataclass(frozen=True, slots=True)
class Conversation:
    id: str
    messages: tuple[Message, ...]
    customer: Customer = field(default_factory=Customer)
    channel: str | None = None


@dataclass(frozen=True, slots=True)
class Span:
    """Where in a text a signal was seen: offsets into the original message."""
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Signal:
    """One detector's finding on one turn.

    `score` is the detector's strength in [0, 1] (1 for a lexicon hit); `strong` marks the stronger form of a
    topic (an enterprise quote rather than a pricing question); `count` is how many times the condition has held
    in the conversation so far (strikes, repeats, "not helpful"s)."""
    trigger: str
    score: float = 1.0
    strong: bool = False
    count: int = 1
    evidence: Span | None = None
    detail: str = ""
    source: str = "customer"


@dataclass(frozen=True, slots=True)
class Reason:
    rule: str
    trigger: str
    evidence: str | None
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "trigger": self.trigger, "evidence": self.evidence, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class Handoff:
    queue: str
    priority: str
    timing: str
    after_hours: bool
    estimated_wait_s: int | None
    sla_due: datetime | None = None
    next_open: datetime | None = None
    wait_s: int | None = None
    also_notify: tuple[str, ...] = ()
    alternatives: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "queue": self.queue, "priority": self.priority, "timing": self.timing,
            "after_hours": self.after_hours, "estimated_wait_s": self.estimated_wait_s,
            "sla_due": _iso(self.sla_due), "next_open": _iso(self.next_open), "wait_s": self.wait_s,
            "also_notify": list(self.also_notify), "alternatives": list(self.alternatives),
        }


@dataclass(frozen=True, slots=True)
class Decision:
    conversation_id: str
    turn: int
    action: str
    triggers: tuple[str, ...]
    reasons: tuple[Reason, ...]
    sentiment: float
    handoff: Handoff | None
    reply: str | None
    trace: Mapping[str, Any] = field(default_factory=_empty)

    def as_dict(self, explain: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "conversation_id": self.conversation_id, "turn": self.turn, "action": self.action,
            "triggers": list(self.triggers), "reasons": [r.as_dict() for r in self.reasons],
            "sentiment": self.sentiment, "handoff": self.handoff.as_dict() if self.handoff else None,
            "reply": self.reply,
        }
        if explain:
            out["trace"] = dict(self.trace)
        return out


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None
