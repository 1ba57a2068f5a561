"""A customer turn: load the conversation, decide, and persist the messages, the decision with its trace, the
handoff and its timers in one transaction.

Turns of one conversation are serialised by a row lock on the conversation (PostgreSQL) or by SQLite's write
lock, so two instances receiving turns of one conversation at once both keep their message, in order, and an
escalation opens one handoff however many turns race. A client message id makes a retry return the stored
decision instead of deciding again.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Mapping

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ..core.engine import decide
from ..core.model import Decision, Message
from ..core.state import after_other_message
from ..store.codec import decode_state, encode_state
from ..store.tables import conversations, decisions, messages
from ..transcripts import customer_from
from . import handoffs
from .context import Context


@dataclass(frozen=True)
class TurnResult:
    decision: dict[str, Any]
    replayed: bool           # True when this was a retry of a turn already decided
    opened: bool = False     # True when this turn opened a handoff


def post_turn(ctx: Context, conversation_id: str, message: Message, draft: Message | None,
              customer: Mapping[str, Any] | None, client_message_id: str | None, channel: str | None = None,
              actor: str | None = None) -> TurnResult:
    engine = ctx.policies.engine
    [semantic] = engine.semantic_scores([message.text])   # the expensive part, outside the transaction
    now = ctx.clock.now()
    message = message if message.at is not None else replace(message, at=now)
    turn = _Turn(ctx, conversation_id, message, draft, customer, client_message_id, actor, semantic,
                 handoffs.queue_waits(ctx, now), now)
    # Decide on a snapshot, outside the write lock, so that instances and processes decide in parallel and hold
    # the lock only to write. If the conversation moved on meanwhile (its next_index is its version), decide
    # again under the lock on what is there now.
    with ctx.reader.connect() as conn:
        snapshot = conn.execute(_SELECT, {"cid": conversation_id}).one_or_none()
    planned = turn.plan(snapshot)
    try:
        with ctx.begin() as conn:
            row = _lock_conversation(conn, conversation_id, customer, channel, now)
            if row.next_index != (snapshot.next_index if snapshot is not None else 0):
                planned = turn.plan(row)
            return turn.store(conn, planned)
    except sa.exc.IntegrityError as exc:
        # a retry of a message already decided (the unique client message id said so): answer what was
        # answered then. Checking first would cost every turn a query; retries are rare.
        if client_message_id and "client_message_id" in str(exc.orig):
            with ctx.db.connect() as conn:
                stored = _stored_decision(conn, conversation_id, client_message_id)
            if stored is not None:
                return TurnResult(stored, True)
        raise


@dataclass(frozen=True)
class _Plan:
    decision: Decision
    state: Any
    index: int
    profile: Mapping[str, Any]


@dataclass(frozen=True)
class _Turn:
    ctx: Context
    conversation_id: str
    message: Message
    draft: Message | None
    customer: Mapping[str, Any] | None
    client_message_id: str | None
    actor: str | None
    semantic: Any
    waits: Mapping[str, int]
    now: datetime

    def plan(self, row) -> _Plan:
        """The core's decision on the conversation as `row` has it (None: a new conversation)."""
        stored_profile = row.customer if row is not None else {}
        profile = {**stored_profile, **self.customer} if self.customer else stored_profile
        index = row.next_index if row is not None else 0
        decision, state = decide(self.ctx.policies.engine.policy, decode_state(row.state if row else None),
                                 conversation_id=self.conversation_id, index=index, message=self.message,
                                 draft=self.draft, customer=customer_from(profile, "customer"), now=self.now,
                                 queue_waits=self.waits, semantic=self.semantic)
        return _Plan(decision, state, index, profile)

    def store(self, conn: sa.Connection, plan: _Plan) -> TurnResult:
        """Messages, decision, handoff, timers and the conversation's new state: one transaction."""
        decision, index, now, cid = plan.decision, plan.index, self.now, self.conversation_id
        rows = [_message_row(cid, index, self.message, self.client_message_id, self.actor)]
        if self.draft is not None:
            sent = decision.reply is None and decision.action != "with_human"
            rows.append(_message_row(cid, index + 1, replace(self.draft, at=now), None, self.actor, draft=True,
                                     sent=sent))
        if decision.reply:
            rows.append(_message_row(cid, index + len(rows), Message("bot", decision.reply, now), None,
                                     "warmline"))
        outcome = handoffs.after_decision(self.ctx, conn, decision, plan.profile, self.message.text, now)
        handoff_id, opened = outcome.handoff_id, outcome.opened
        body = decision.as_dict(explain=True)
        if handoff_id is not None:   # kept with the decision, so that a retry answers exactly the same
            body["handoff_id"] = handoff_id
        body.update(outcome.extra)
        if outcome.say:              # a ticket number, a flow's question: also what the customer is told
            body["reply"] = f"{body['reply']}\n\n{outcome.say}" if body["reply"] else outcome.say
            rows.append(_message_row(cid, index + len(rows), Message("bot", outcome.say, now), None, "warmline"))
        message_id = conn.execute(_INSERT_MESSAGES, rows).scalars().first()    # one statement for all of them
        decision_id = conn.execute(_INSERT_DECISION, {
            "conversation_id": cid, "message_id": message_id, "turn": index, "action": decision.action,
            "body": body, "policy": self.ctx.policies.version, "created_at": now}).scalar_one()
        if opened:
            handoffs.link_decision(conn, handoff_id, decision_id)
        values = {"cid": cid, "state": encode_state(plan.state), "next_index": index + len(rows), "updated_at": now}
        if self.customer:
            conn.execute(_UPDATE_CONVERSATION_AND_CUSTOMER, {**values, "customer": plan.profile})
        else:
            conn.execute(_UPDATE_CONVERSATION, values)
        handoffs.after_customer_message(conn, cid, message_id, plan.state.with_human, now)
        return TurnResult(_response(body, handoff_id, message_id), False, opened)


_INSERT_DECISION = decisions.insert().returning(decisions.c.id)
_INSERT_MESSAGE = messages.insert().returning(messages.c.id)
_INSERT_MESSAGES = messages.insert().returning(messages.c.id, sort_by_parameter_order=True)
_UPDATE_CONVERSATION = (conversations.update().where(conversations.c.id == sa.bindparam("cid"))
                        .values(state=sa.bindparam("state"), next_index=sa.bindparam("next_index"),
                                updated_at=sa.bindparam("updated_at")))
_UPDATE_CONVERSATION_AND_CUSTOMER = _UPDATE_CONVERSATION.values(customer=sa.bindparam("customer"))
_INSERT_CONVERSATION = {
    name: dialect.insert(conversations).on_conflict_do_nothing(index_elements=["id"]).returning(*conversations.c)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))}
_SELECT = sa.select(conversations).where(conversations.c.id == sa.bindparam("cid"))
_SELECT_FOR_UPDATE = _SELECT.with_for_update()


def add_message(ctx: Context, conn: sa.Connection, conversation_id: str, message: Message, author: str | None,
                now: datetime) -> int:
    """A bot, agent or system message outside a customer turn (an agent's reply, a handback): folded into the
    conversation's state like the core does in replay."""
    row = conn.execute(_SELECT_FOR_UPDATE, {"cid": conversation_id}).one()
    message = message if message.at is not None else replace(message, at=now)
    message_id = _insert_message(conn, conversation_id, row.next_index, message, None, author)
    state = after_other_message(decode_state(row.state), message)
    conn.execute(_UPDATE_CONVERSATION, {"cid": conversation_id, "state": encode_state(state),
                                        "next_index": row.next_index + 1, "updated_at": now})
    return message_id


def _lock_conversation(conn: sa.Connection, conversation_id: str, customer: Mapping[str, Any] | None,
                       channel: str | None, now: datetime):
    """The conversation's row, locked until the transaction ends; created on its first turn (two instances
    creating it at once both end up with the one row)."""
    row = conn.execute(_SELECT_FOR_UPDATE, {"cid": conversation_id}).one_or_none()
    if row is not None:
        return row
    created = conn.execute(_INSERT_CONVERSATION[conn.dialect.name], {
        "id": conversation_id, "customer": dict(customer or {}), "channel": channel, "state": {}, "next_index": 0,
        "created_at": now, "updated_at": now}).one_or_none()
    # None: another instance created it in the meantime; its row lock is ours once its transaction ends
    return created or conn.execute(_SELECT_FOR_UPDATE, {"cid": conversation_id}).one()


def _insert_message(conn: sa.Connection, conversation_id: str, index: int, message: Message,
                    client_message_id: str | None, author: str | None, **meta: Any) -> int:
    return conn.execute(_INSERT_MESSAGE, _message_row(conversation_id, index, message, client_message_id, author,
                                                      **meta)).scalar_one()


def _message_row(conversation_id: str, index: int, message: Message, client_message_id: str | None,
                 author: str | None, **meta: Any) -> dict[str, Any]:
    for key in ("confidence", "intent", "feedback", "event"):
        if getattr(message, key) not in (None, False):
            meta[key] = getattr(message, key)
    if message.fallback:
        meta["fallback"] = True
    if message.facts:
        meta["facts"] = dict(message.facts)
    return {"conversation_id": conversation_id, "idx": index, "role": message.role, "text": message.text,
            "at": message.at, "client_message_id": client_message_id, "author": author, "meta": meta}


def _stored_decision(conn: sa.Connection, conversation_id: str, client_message_id: str) -> dict[str, Any] | None:
    found = conn.execute(
        sa.select(decisions.c.body, decisions.c.message_id)
        .join(messages, messages.c.id == decisions.c.message_id)
        .where(messages.c.conversation_id == conversation_id, messages.c.client_message_id == client_message_id)
    ).first()
    if found is None:
        return None
    return _response(found.body, found.body.get("handoff_id"), found.message_id)


def _response(body: Mapping[str, Any], handoff_id: str | None, message_id: int) -> dict[str, Any]:
    out = {k: v for k, v in body.items() if k != "trace"}
    out["handoff_id"] = handoff_id
    out["message_id"] = message_id
    return out
