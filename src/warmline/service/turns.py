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
from ..core.model import Customer, Decision, Message
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
    if client_message_id:
        with ctx.db.connect() as conn:
            stored = _stored_decision(conn, conversation_id, client_message_id)
        if stored is not None:
            return TurnResult(stored, True)
    engine = ctx.policies.engine
    [semantic] = engine.semantic_scores([message.text])   # the expensive part, outside the transaction
    now = ctx.clock.now()
    message = message if message.at is not None else replace(message, at=now)
    waits = handoffs.queue_waits(ctx, now)
    with ctx.begin() as conn:
        row = _lock_conversation(conn, conversation_id, customer, channel, now)
        if client_message_id:   # a retry that raced the first attempt: the first one won
            stored = _stored_decision(conn, conversation_id, client_message_id)
            if stored is not None:
                return TurnResult(stored, True)
        profile = {**row.customer, **(customer or {})}
        state = decode_state(row.state)
        index = row.next_index
        decision, state = decide(engine.policy, state, conversation_id=conversation_id, index=index,
                                 message=message, draft=draft, customer=customer_from(profile, "customer"),
                                 now=now, queue_waits=waits, semantic=semantic)
        message_id = _insert_message(conn, conversation_id, index, message, client_message_id, actor)
        next_index = index + 1
        if draft is not None:
            sent = decision.reply is None and decision.action != "with_human"
            _insert_message(conn, conversation_id, next_index, replace(draft, at=now), None, actor,
                            draft=True, sent=sent)
            next_index += 1
        body = decision.as_dict(explain=True)
        decision_id = conn.execute(decisions.insert().values(
            conversation_id=conversation_id, message_id=message_id, turn=index, action=decision.action,
            body=body, policy=ctx.policies.version, created_at=now).returning(decisions.c.id)).scalar_one()
        handoff_id, opened = handoffs.after_decision(ctx, conn, decision, decision_id, profile, now)
        if handoff_id is not None:   # kept with the decision, so that a retry answers exactly the same
            body["handoff_id"] = handoff_id
            conn.execute(decisions.update().where(decisions.c.id == decision_id).values(body=body))
        if decision.reply:
            _insert_message(conn, conversation_id, next_index, Message("bot", decision.reply, now), None, "warmline")
            state = after_other_message(state, Message("bot", decision.reply, now))
            next_index += 1
        conn.execute(conversations.update().where(conversations.c.id == conversation_id).values(
            state=encode_state(state), next_index=next_index, customer=profile, updated_at=now))
        handoffs.after_customer_message(conn, conversation_id, message_id, state.with_human, now)
    return TurnResult(_response(body, handoff_id, message_id), False, opened)


def add_message(ctx: Context, conn: sa.Connection, conversation_id: str, message: Message, author: str | None,
                now: datetime) -> int:
    """A bot, agent or system message outside a customer turn (an agent's reply, a handback): folded into the
    conversation's state like the core does in replay."""
    row = conn.execute(_select_for_update(conversation_id)).one()
    message = message if message.at is not None else replace(message, at=now)
    message_id = _insert_message(conn, conversation_id, row.next_index, message, None, author)
    state = after_other_message(decode_state(row.state), message)
    conn.execute(conversations.update().where(conversations.c.id == conversation_id).values(
        state=encode_state(state), next_index=row.next_index + 1, updated_at=now))
    return message_id


def _lock_conversation(conn: sa.Connection, conversation_id: str, customer: Mapping[str, Any] | None,
                       channel: str | None, now: datetime):
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(conversations)
    conn.execute(insert.values(id=conversation_id, customer=dict(customer or {}), channel=channel, state={},
                               next_index=0, created_at=now, updated_at=now)
                 .on_conflict_do_nothing(index_elements=["id"]))
    return conn.execute(_select_for_update(conversation_id)).one()


def _select_for_update(conversation_id: str):
    return sa.select(conversations).where(conversations.c.id == conversation_id).with_for_update()


def _insert_message(conn: sa.Connection, conversation_id: str, index: int, message: Message,
                    client_message_id: str | None, author: str | None, **meta: Any) -> int:
    for key in ("confidence", "intent", "feedback", "event"):
        if getattr(message, key) not in (None, False):
            meta[key] = getattr(message, key)
    if message.fallback:
        meta["fallback"] = True
    if message.facts:
        meta["facts"] = dict(message.facts)
    return conn.execute(messages.insert().values(
        conversation_id=conversation_id, idx=index, role=message.role, text=message.text, at=message.at,
        client_message_id=client_message_id, author=author, meta=meta).returning(messages.c.id)).scalar_one()


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
