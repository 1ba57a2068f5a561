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
from itertools import islice
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from .config import load_policy
from .core.engine import MAX_ANALYSED_CHARS, decide
from .core.model import Conversation, Customer, Decision, Message
from .core.policy import CompiledPolicy
from .core.state import ConversationState, after_other_message
from .core.text import without_mentions
from .errors import TranscriptError, WarmlineError
from .scorers.provenance import TrainedOn
from .transcripts import conversation_from, customer_from, message_from


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Engine:
    """`semantic`: "auto" uses the semantic layer when the policy enables it and the model is installed;
    False runs on lexicons only; True requires the model."""

    def __init__(self, policy: CompiledPolicy | str | Path | None = None, semantic: bool | str = "auto"):
        self.policy = policy if isinstance(policy, CompiledPolicy) else load_policy(policy)
        self.scorer, self.semantic_status = None, "off: disabled for this engine"
        if semantic:
            self.scorer, self.semantic_status = _scorer_for(self.policy)
            if semantic is True and self.scorer is None:
                raise WarmlineError(f"the semantic layer is {self.semantic_status}")

    def semantic_scores(self, texts: list[str]) -> list[Any]:
        """Scores for the texts the semantic layer can add something to (None for the others): not when it is
        off, not for messages of fewer than three words, not when a topic lexicon already found the message's
        subject (the layer is there for what the lexicons miss, and embedding is the expensive part of a turn)."""
        if self.scorer is None:
            return [None] * len(texts)
        wanted = [t for t in texts if self._worth_embedding(t)]
        scored = dict(zip(wanted, self.scorer.score(wanted)))
        return [scored.get(t) for t in texts]

    def trained_on(self) -> TrainedOn | None:
        """What the trained models in use (tone model, probe model) learnt from; None when the semantic layer is
        off."""
        return getattr(self.scorer, "trained_on", None)

    def _worth_embedding(self, text: str) -> bool:
        if len(without_mentions(text).split()) < 3:
            return False
        hits = self.policy.matcher.scan_memoised(text[:MAX_ANALYSED_CHARS]).hits  # the scan `decide` will use
        # a subject the lexicons found needs no embedding; a request for a person names none ("who do I talk to
        # about a business line for our office"), so the probes still read what it is about, for the routing
        return not any(topic in hits for topic in self.policy.topics if topic != "human_request")

    def evaluate(self, conversation: Conversation | Mapping[str, Any], now: datetime | None = None,
                 queue_waits: Mapping[str, int] | None = None) -> list[Decision]:
        """One decision per customer turn. Each turn is decided at its message's `at`, else at `now`."""
        return list(self.iter_decisions(conversation, now, queue_waits))

    def iter_decisions(self, conversation: Conversation | Mapping[str, Any], now: datetime | None = None,
                       queue_waits: Mapping[str, int] | None = None) -> Iterator[Decision]:
        for decision, _state in self.iter_states(conversation, now, queue_waits):
            yield decision

    def iter_states(self, conversation: Conversation | Mapping[str, Any], now: datetime | None = None,
                    queue_waits: Mapping[str, int] | None = None) -> Iterator[tuple[Decision, ConversationState]]:
        """Each decision with the conversation's state after it (what the service stores)."""
        conv = conversation if isinstance(conversation, Conversation) else conversation_from(conversation)
        yield from self._states(conv, now, queue_waits, self.semantic_scores(_customer_texts(conv)))

    def _states(self, conv: Conversation, now: datetime | None, queue_waits: Mapping[str, int] | None,
                scores: list[Any]) -> Iterator[tuple[Decision, ConversationState]]:
        """`iter_states` with the semantic scores of the customer messages, in order, already made."""
        state = ConversationState()
        messages = conv.messages
        fallback_now = now or _utcnow()
        turn_scores = iter(scores)
        for i, message in enumerate(messages):
            if message.role != "customer":
                state = after_other_message(state, message)
                continue
            nxt = messages[i + 1] if i + 1 < len(messages) else None
            draft = nxt if nxt is not None and nxt.role == "bot" else None
            decision, state = decide(self.policy, state, conversation_id=conv.id, index=i, message=message,
                                     draft=draft, customer=conv.customer, now=message.at or fallback_now,
                                     queue_waits=queue_waits, semantic=next(turn_scores))
            yield decision, state

    def iter_many(self, items: Iterable[tuple[Any, Any]], now: datetime | None = None,
                  batch: int = 64) -> Iterator[tuple[Any, Any, list[Decision]]]:
        """(key, item, decisions) for a stream of (key, conversation) pairs, in order. The semantic layer embeds
        the customer messages of `batch` conversations at once. An item that is not a conversation (a parse
        error, say) comes through in its place with no decisions, after everything before it."""
        chunk: list[tuple[Any, Conversation]] = []
        for key, item in items:
            if isinstance(item, Conversation):
                chunk.append((key, item))
                if len(chunk) < batch:
                    continue
            yield from self._decide_chunk(chunk, now)
            chunk = []
            if not isinstance(item, Conversation):
                yield key, item, []
        yield from self._decide_chunk(chunk, now)

    def _decide_chunk(self, chunk: list[tuple[Any, Conversation]], now: datetime | None):
        """The chunk's customer messages are scored in one call, then handed to each conversation in turn."""
        texts = [_customer_texts(c) for _k, c in chunk]
        scores = iter(self.semantic_scores([t for conversation in texts for t in conversation]))
        for (key, conversation), own in zip(chunk, texts):
            turn_scores = list(islice(scores, len(own)))
            yield key, conversation, [d for d, _s in self._states(conversation, now, None, turn_scores)]

    def session(self, conversation_id: str, customer: Customer | Mapping[str, Any] | None = None) -> "Session":
        return Session(self, conversation_id, customer)


def _customer_texts(conversation: Conversation) -> list[str]:
    return [m.text for m in conversation.messages if m.role == "customer"]


class Session:
    """A live conversation, one turn at a time. Keeps the state between turns; `state` can be stored."""

    def __init__(self, engine: Engine, conversation_id: str, customer: Customer | Mapping[str, Any] | None):
        self.engine = engine
        self.conversation_id = conversation_id
        self.customer = customer if isinstance(customer, Customer) else customer_from(customer, "customer")
        self.state = ConversationState()
        self.index = 0
        self.decisions: list[Decision] = []

    def customer_turn(self, message: str | Message | Mapping[str, Any],
                      draft: str | Message | Mapping[str, Any] | None = None, now: datetime | None = None,
                      queue_waits: Mapping[str, int] | None = None) -> Decision:
        msg = _as_message(message, "customer")
        bot = _as_message(draft, "bot") if draft is not None else None
        [scores] = self.engine.semantic_scores([msg.text])
        decision, self.state = decide(self.engine.policy, self.state, conversation_id=self.conversation_id,
                                      index=self.index, message=msg, draft=bot, customer=self.customer,
                                      now=now or msg.at or _utcnow(), queue_waits=queue_waits, semantic=scores)
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


_SCORERS: dict[tuple, tuple[Any, str]] = {}


def _scorer_for(policy: CompiledPolicy) -> tuple[Any, str]:
    """One scorer per set of exemplars (embedding them takes a second), shared by engines and policies that use
    the same. The scorer module needs numpy and the model, so it is imported only here."""
    spec = policy.semantic
    key = (spec.enabled, tuple(sorted(spec.exemplars.items())), spec.routine, spec.tone_model,
           tuple(sorted(spec.probes.items())), spec.probe_model)
    if key not in _SCORERS:
        from .scorers.semantic import load_scorer
        _SCORERS[key] = load_scorer(spec)
    return _SCORERS[key]


def _as_message(value: str | Message | Mapping[str, Any], role: str) -> Message:
    if isinstance(value, Message):
        return value
    if isinstance(value, str):
        return Message(role, value)
    if not isinstance(value, Mapping):
        raise TranscriptError(f"{role} message: expected text, a Message or a mapping, got {type(value).__name__}")
    return message_from({"role": role, **value}, role)
