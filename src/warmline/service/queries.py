"""Reads for the API: a conversation with its messages, decisions (with traces) and handoffs; handoff lists."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ..core.model import PRIORITIES
from ..errors import InvalidRequest, NotFound
from ..store.tables import OPEN_HANDOFF_STATES, conversations, decisions, handoffs, messages
from .handoffs import handoff_view
from .events import iso
from .handoffs import utc

HANDOFF_STATES = OPEN_HANDOFF_STATES + ("resolved", "handed_back", "expired")
MAX_LIMIT = 500


def conversation(ctx, conversation_id: str) -> dict:
    with ctx.db.connect() as conn:
        row = conn.execute(sa.select(conversations).where(conversations.c.id == conversation_id)).one_or_none()
        if row is None:
            raise NotFound(f"no conversation {conversation_id!r}")
        msgs = conn.execute(sa.select(messages).where(messages.c.conversation_id == conversation_id)
                            .order_by(messages.c.idx)).all()
        decs = conn.execute(sa.select(decisions).where(decisions.c.conversation_id == conversation_id)
                            .order_by(decisions.c.turn)).all()
        hands = conn.execute(sa.select(handoffs).where(handoffs.c.conversation_id == conversation_id)
                             .order_by(handoffs.c.created_at)).all()
    return {
        "id": row.id, "customer": row.customer, "channel": row.channel, "csat": row.csat,
        "created_at": iso(utc(row.created_at)), "updated_at": iso(utc(row.updated_at)),
        "with_human": bool((row.state or {}).get("with_human")),
        "messages": [{"index": m.idx, "role": m.role, "text": m.text, "at": iso(utc(m.at)), "author": m.author,
                      "client_message_id": m.client_message_id, **m.meta} for m in msgs],
        "decisions": [{**d.body, "policy": d.policy, "decided_at": iso(utc(d.created_at))} for d in decs],
        "handoffs": [handoff_view(h) for h in hands],
    }


def list_handoffs(ctx, state: list[str] | None, queue: list[str] | None, priority: list[str] | None,
                  agent_id: str | None, since: datetime | None, limit: int, order: str) -> list[dict]:
    for name, values, allowed in (("state", state, HANDOFF_STATES), ("priority", priority, PRIORITIES)):
        bad = [v for v in values or () if v not in allowed]
        if bad:
            raise InvalidRequest(f"{name} {bad[0]!r} is not one of {', '.join(allowed)}")
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidRequest(f"limit must be 1 to {MAX_LIMIT}")
    query = sa.select(handoffs)
    if state:
        query = query.where(handoffs.c.state.in_(state))
    if queue:
        query = query.where(handoffs.c.queue.in_(queue))
    if priority:
        query = query.where(handoffs.c.priority.in_(priority))
    if agent_id:
        query = query.where(handoffs.c.agent_id == agent_id)
    if since:
        query = query.where(handoffs.c.created_at >= since)
    if order == "queue":
        # what an agent should take next: highest priority, then the SLA due soonest
        rank = sa.case({p: i for i, p in enumerate(reversed(PRIORITIES))}, value=handoffs.c.priority, else_=9)
        query = query.order_by(rank, handoffs.c.sla_due.is_(None), handoffs.c.sla_due, handoffs.c.created_at)
    elif order == "newest":
        query = query.order_by(handoffs.c.created_at.desc())
    else:
        raise InvalidRequest(f"order {order!r} is not one of queue, newest")
    with ctx.db.connect() as conn:
        return [handoff_view(r) for r in conn.execute(query.limit(limit))]


def customer_names(conn, conversation_ids: list[str]) -> dict[str, str | None]:
    if not conversation_ids:
        return {}
    rows = conn.execute(sa.select(conversations.c.id, conversations.c.customer)
                        .where(conversations.c.id.in_(set(conversation_ids))))
    return {r.id: (r.customer or {}).get("name") for r in rows}
