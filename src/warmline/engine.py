"""The Python API: `Engine()` with the default policy, `Engine("policy.yaml")` with a file.

    engine = Engine()
    decisions = engine.evaluate(conversation)            # a whole transcript, one decision per customer turn
    session = engine.session("c-1", customer={"plan": "free"})
    decision = session.customer_turn("I was charged twice", draft={"text": "...", "confidence": 0.7}, now=now)

`now` is injectable everywhere; when a message has no time and none is given, the wall clock is read here,
in the shell, never in the core.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Mapping

from .config import load_policy
from .core.engine import decide
from .core.model import Conversation, Customer, Decision, Message
from .core.policy import CompiledPolicy
from .core.state import ConversationState, after_other_message
from .transcripts import _customer, _message, conversation_from


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Engine:
    def __init__(self, policy: CompiledPolicy | str | Path | None = None):
        self.policy = policy if isinstance(policy, CompiledPolicy) else load_policy(policy)

    def evaluate(self, conversation: Conversation | Mapping[str, Any], now: datetime | None = None,
                 queue_waits: Mapping[str, int] | None = None) -> list[Decision]:
        """One decision per customer turn. Each turn is decided at its message's `at`, else at `now`."""
        return list(self.iter_decisions(conversation, now, queue_waits))

    def iter_decisions(self, conversation: Conversation | Mapping[str, Any], now: datetime | None = None,
                       queue_waits: Mapping[str, int] | None = None) -> Iterator[Decision]:
        conv = conversation if isinstance(conversation, Conversation) else conversation_from(conversation)
        state = ConversationState()
        messages = conv.messages
        fallback_now = now or _utcnow()
        for i, message in enumerate(messages):
            if message.role != "customer":
                state = after_other_message(state, message)
                continue
            nxt = messages[i + 1] if i + 1 < len(messages) else None
            draft = nxt if nxt is not None and nxt.role == "bot" else None
            decision, state = decide(self.policy, state, conversation_id=conv.id, index=i, message=message,
                                     draft=draft, customer=conv.customer, now=message.at or fallback_now,
                                     queue_waits=queue_waits)
            yield decision

    def session(self, conversation_id: str, customer: Customer | Mapping[str, Any] | None = None) -> "Session":
        return Session(self, conversation_id, customer)


class Session:
    """A live conversation, one turn at a time. Keeps the state between turns; `state` can be stored."""

    def __init__(self, engine: Engine, conversation_id: str, customer: Customer | Mapping[str, Any] | None):
        self.engine = engine
        self.conversation_id = conversation_id
        self.customer = customer if isinstance(customer, Customer) else _customer(customer, "customer")
        self.state = ConversationState()
        self.index = 0
        self.decisions: list[Decision] = []

    def customer_turn(self, message: str | Message | Mapping[str, Any],
                      draft: str | Message | Mapping[str, Any] | None = None, now: datetime | None = None,
                      queue_waits: Mapping[str, int] | None = None) -> Decision:
        msg = _as_message(message, "customer")
        bot = _as_message(draft, "bot") if draft is not None else None
        decision, self.state = decide(self.engine.policy, self.state, conversation_id=self.conversation_id,
                                      index=self.index, message=msg, draft=bot, customer=self.customer,
                                      now=now or msg.at or _utcnow(), queue_waits=queue_waits)
        self.index += 2 if bot is not None else 1
        self.decisions.append(decision)
        return decision

    def add(self, message: Message | Mapping[str, Any]) -> None:
        """A bot, agent or system message that is not a draft (an agent's reply, a handback event)."""
        msg = _as_message(message, "system")
        self.state = after_other_message(self.state, msg)
        self.index += 1

    def handback(self) -> None:
        self.add(Message("system", "handed back to the bot", event="handback"))


def _as_message(value: str | Message | Mapping[str, Any], role: str) -> Message:
    if isinstance(value, Message):
        return value
    if isinstance(value, str):
        return Message(role, value)
    return _message({"role": role, **value}, role)
