"""What people do to a handoff: claim, reply, transfer, resolve, hand back to the bot; and what the customer
chooses (wait, callback, email...) and says afterwards (CSAT). Every change is one transaction with its event.

Claims are a conditional UPDATE (state must still be open and unassigned), so when two agents click at once
exactly one gets it; the other gets a 409 naming who has it.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ..core import hours
from ..core.model import Message
from ..errors import Conflict, Forbidden, InvalidRequest, NotFound
from ..store.tables import OPEN_HANDOFF_STATES, agents, handoffs
from . import events, outbox, timers
from .access import Principal
from .context import Context
from .handoffs import handoff_view, tell_customer
from .turns import add_message

CLAIMABLE = tuple(s for s in OPEN_HANDOFF_STATES if s != "assigned")   # open, and nobody has it yet
CHOICES = ("wait", "callback", "email", "video_call", "scheduled_call", "message")


def _locked(conn: sa.Connection, handoff_id: str):
    row = conn.execute(sa.select(handoffs).where(handoffs.c.id == handoff_id).with_for_update()).one_or_none()
    if row is None:
        raise NotFound(f"no handoff {handoff_id!r}")
    return row


def _own(row, who: Principal) -> None:
    if row.state != "assigned":
        raise Conflict(f"handoff {row.id} is {row.state}, not assigned")
    if row.agent_id != who.agent_id and who.role not in ("supervisor", "admin"):
        raise Forbidden(f"handoff {row.id} is assigned to {row.agent_id}")


def claim(ctx: Context, handoff_id: str, who: Principal) -> dict:
    if who.agent_id is None:
        raise Forbidden("only an agent's key can claim a handoff (this key belongs to no agent)")
    now = ctx.clock.now()
    with ctx.begin() as conn:
        agent = conn.execute(sa.select(agents).where(agents.c.id == who.agent_id)).one()
        busy = conn.execute(sa.select(sa.func.count()).select_from(handoffs).where(
            handoffs.c.agent_id == who.agent_id, handoffs.c.state == "assigned")).scalar_one()
        if busy >= agent.capacity:
            raise Conflict(f"{agent.name} already has {busy} conversations, the capacity set for them")
        won = conn.execute(handoffs.update().where(handoffs.c.id == handoff_id, handoffs.c.state.in_(CLAIMABLE))
                           .values(state="assigned", agent_id=who.agent_id, claimed_at=now,
                                   queued_at=sa.func.coalesce(handoffs.c.queued_at, now)))
        if won.rowcount != 1:
            row = conn.execute(sa.select(handoffs.c.state, handoffs.c.agent_id)
                               .where(handoffs.c.id == handoff_id)).first()
            if row is None:
                raise NotFound(f"no handoff {handoff_id!r}")
            holder = f" by {row.agent_id}" if row.agent_id else ""
            raise Conflict(f"handoff {handoff_id} is already {row.state}{holder}")
        row = _locked(conn, handoff_id)
        for purpose in (f"wait:{handoff_id}", f"follow_up:{handoff_id}"):
            timers.cancel(conn, purpose)
        events.record(conn, "handoff.claimed", now, conversation_id=row.conversation_id, handoff_id=handoff_id,
                      actor=who.label, agent=agent.name)
        outbox.enqueue(ctx, conn, "handoff.claimed", handoff_id, row.queue, now, agent=agent.name)
        team = ctx.policies.engine.policy.queues[row.queue].team if row.queue in ctx.policies.engine.policy.queues \
            else "our team"
        tell_customer(ctx, conn, row.conversation_id, f"{agent.name} from the {team} has joined the conversation.",
                      "claimed", now)
    return get(ctx, handoff_id)


def reply(ctx: Context, handoff_id: str, who: Principal, text: str) -> dict:
    now = ctx.clock.now()
    with ctx.begin() as conn:
        row = _locked(conn, handoff_id)
        _own(row, who)
        add_message(ctx, conn, row.conversation_id, Message("agent", text, now), who.agent_id or who.name, now)
        events.record(conn, "handoff.replied", now, conversation_id=row.conversation_id, handoff_id=handoff_id,
                      actor=who.label)
    return get(ctx, handoff_id)


def transfer(ctx: Context, handoff_id: str, who: Principal, queue: str, note: str | None) -> dict:
    policy = ctx.policies.engine.policy
    if queue not in policy.queues:
        raise InvalidRequest(f"unknown queue {queue!r} (queues: {', '.join(policy.queues)})")
    now = ctx.clock.now()
    with ctx.begin() as conn:
        row = _locked(conn, handoff_id)
        if row.state not in OPEN_HANDOFF_STATES:
            raise Conflict(f"handoff {handoff_id} is {row.state}; only an open handoff can be transferred")
        if row.state == "assigned":
            _own(row, who)
        spec = policy.queues[queue]
        sla_due = hours.add_business_time(spec.calendar, now, spec.first_response_s.get(row.priority, 300))
        conn.execute(handoffs.update().where(handoffs.c.id == handoff_id).values(
            state="queued", queue=queue, agent_id=None, claimed_at=None, queued_at=now, sla_due=sla_due,
            ladder_step=0))
        timers.schedule(conn, "handoff.sla", f"sla:{handoff_id}:0:{queue}:{now.timestamp()}", sla_due, now,
                        handoff_id=handoff_id, step=0)
        events.record(conn, "handoff.transferred", now, conversation_id=row.conversation_id, handoff_id=handoff_id,
                      actor=who.label, was_queue=row.queue, queue=queue, note=note)
        tell_customer(ctx, conn, row.conversation_id, f"I'm passing you to our {spec.team}, who can help with this.",
                      "transferred", now)
    return get(ctx, handoff_id)


def close(ctx: Context, handoff_id: str, who: Principal, outcome: str, note: str | None = None) -> dict:
    """resolved (the person solved it) or handed_back (the bot takes the conversation again)."""
    now = ctx.clock.now()
    with ctx.begin() as conn:
        row = _locked(conn, handoff_id)
        if row.state in ("resolved", "handed_back", "expired"):
            raise Conflict(f"handoff {handoff_id} is already {row.state}")
        if row.state == "assigned":
            _own(row, who)
        conn.execute(handoffs.update().where(handoffs.c.id == handoff_id).values(state=outcome, closed_at=now))
        # either way the conversation is the bot's again: a new message is decided afresh
        add_message(ctx, conn, row.conversation_id,
                    Message("system", f"{outcome.replace('_', ' ')} by {who.agent_id or who.name}", now,
                            event="handback"), who.label, now)
        events.record(conn, f"handoff.{outcome}", now, conversation_id=row.conversation_id, handoff_id=handoff_id,
                      actor=who.label, note=note)
        outbox.enqueue(ctx, conn, f"handoff.{outcome}", handoff_id, row.queue, now)
    return get(ctx, handoff_id)


def choose(ctx: Context, handoff_id: str, choice: str, contact: dict[str, Any] | None, actor: str) -> dict:
    """The customer's choice among the alternatives they were offered; anything but waiting turns the handoff
    into a ticket that the team follows up by the chosen channel."""
    if choice not in CHOICES:
        raise InvalidRequest(f"choice {choice!r} is not one of {', '.join(CHOICES)}")
    if choice in ("callback", "scheduled_call") and not (contact or {}).get("phone"):
        raise InvalidRequest(f"a {choice.replace('_', ' ')} needs contact.phone")
    if choice == "email" and not (contact or {}).get("email"):
        raise InvalidRequest("an email follow-up needs contact.email")
    now = ctx.clock.now()
    with ctx.begin() as conn:
        row = _locked(conn, handoff_id)
        if row.state not in CLAIMABLE:
            raise Conflict(f"handoff {handoff_id} is {row.state}; the customer can choose only while it waits")
        values: dict[str, Any] = {"choice": choice, "contact": contact}
        if choice != "wait":
            spec = ctx.policies.engine.policy.queues[row.queue]
            values.update(state="ticket", ticket=row.ticket or "WL-" + handoff_id[2:].upper(),
                          follow_up_at=hours.add_business_time(spec.calendar, now, spec.follow_up_s))
        conn.execute(handoffs.update().where(handoffs.c.id == handoff_id).values(**values))
        events.record(conn, "handoff.choice", now, conversation_id=row.conversation_id, handoff_id=handoff_id,
                      actor=actor, choice=choice)
        if choice != "wait":
            tell_customer(ctx, conn, row.conversation_id,
                          f"Done: your ticket is {values['ticket']}, and we'll follow up by "
                          f"{choice.replace('_', ' ')} by {events.iso(values['follow_up_at'])}.", "ticket", now)
    return get(ctx, handoff_id)


def rate(ctx: Context, handoff_id: str, actor: str, csat: int | None = None, appropriate: bool | None = None,
         note: str | None = None) -> dict:
    """CSAT from the customer (1-5) or "was this escalation appropriate?" from an agent."""
    if csat is not None and not 1 <= csat <= 5:
        raise InvalidRequest(f"csat must be 1 to 5, got {csat}")
    now = ctx.clock.now()
    values = {k: v for k, v in (("csat", csat), ("appropriate", appropriate), ("feedback_note", note))
              if v is not None}
    if not values:
        raise InvalidRequest("nothing to record: give csat, appropriate or note")
    with ctx.begin() as conn:
        row = _locked(conn, handoff_id)
        conn.execute(handoffs.update().where(handoffs.c.id == handoff_id).values(**values))
        events.record(conn, "handoff.rated", now, conversation_id=row.conversation_id, handoff_id=handoff_id,
                      actor=actor, **{k: v for k, v in values.items()})
    return get(ctx, handoff_id)


def get(ctx: Context, handoff_id: str) -> dict:
    with ctx.db.connect() as conn:
        row = conn.execute(sa.select(handoffs).where(handoffs.c.id == handoff_id)).one_or_none()
        if row is None:
            raise NotFound(f"no handoff {handoff_id!r}")
        history = events.of_handoff(conn, handoff_id)
    return {**handoff_view(row), "events": history}
