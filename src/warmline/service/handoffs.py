"""Opening handoffs from decisions, and the timers that move them on by themselves: the AI-first wait, the SLA
escalation ladder, the after-hours follow-up and the `stalled` check-in."""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping

import sqlalchemy as sa

from ..core import flows as flows_core, hours
from ..core.flows import flow_for
from ..core.model import Decision, raise_priority
from ..store.codec import decode_state
from ..store.tables import OPEN_HANDOFF_STATES, conversations, handoffs, messages
from . import events, flows, timers
from .context import Context
from .waits import WaitBoard

STALLED_AFTER_S = 120


def queue_waits(ctx: Context, now: datetime) -> dict[str, int]:
    """Per queue, the wait the core tells the customer (queues with no basis fall back to the policy's)."""
    return {q: e.typical_s for q, e in wait_estimates(ctx, now).items() if e.basis != "no agents online"}


def wait_estimates(ctx: Context, now: datetime):
    return ctx.caches.setdefault("waits", WaitBoard()).estimates(ctx, now)


def utc(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; everything is stored in UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def new_id() -> str:
    return "h-" + secrets.token_hex(6)


@dataclass(frozen=True)
class Outcome:
    """What a turn did to the conversation's handoff: its id, whether this turn opened it, and anything
    Warmline says to the customer beyond the decision's reply (a ticket number, a flow's question)."""
    handoff_id: str | None = None
    opened: bool = False
    say: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


def after_decision(ctx: Context, conn: sa.Connection, decision: Decision, customer: Mapping[str, Any],
                   answer: str, now: datetime) -> Outcome:
    """A new handoff for an escalation, unless the conversation already has an open one (then that one; and if
    it is collecting details, this message is the answer). The partial unique index on open handoffs makes this
    hold across instances too."""
    if decision.action not in ("escalate", "with_human"):
        return Outcome()
    open_row = conn.execute(_OPEN_HANDOFF, {"cid": decision.conversation_id}).one_or_none()
    if open_row is not None:
        if open_row.state == "collecting":
            return flows.take_answer(ctx, conn, open_row, answer, now)
        if open_row.state == "waiting" and decision.handoff is not None and decision.handoff.timing == "immediate":
            # this turn's own decision hands the conversation over (the core's state says so)
            queue_now(ctx, conn, open_row, now, "escalated again while the AI was trying first")
        return Outcome(open_row.id)
    if decision.action != "escalate" or decision.handoff is None:
        return Outcome()
    h = decision.handoff
    handoff_id = new_id()
    policy = ctx.policies.engine.policy
    flow = flow_for(policy.flows, h.queue) if not (h.timing == "ticket" or h.after_hours) else None
    progress = flows_core.start(flow, flows.known(customer)) if flow else None
    if progress is not None and progress.step is not None:
        state = "collecting"
    else:
        state = "ticket" if h.timing == "ticket" or h.after_hours else ("waiting" if h.timing == "wait" else "queued")
    values: dict[str, Any] = dict(
        id=handoff_id, conversation_id=decision.conversation_id, state=state,
        queue=h.queue, priority=h.priority, timing=h.timing, triggers=list(decision.triggers),
        created_at=now, sla_due=h.sla_due)
    outcome = Outcome(handoff_id, True)
    if state == "collecting":
        values["details"] = {"flow": flow.name, **progress.as_dict()}
        question = flow.steps[progress.step].ask
        outcome = Outcome(handoff_id, True, question, {"ask": {"field": flow.steps[progress.step].field,
                                                               "question": question}})
    elif state == "queued":
        values["queued_at"] = now
        timers.schedule(conn, "handoff.sla", f"sla:{handoff_id}:0", h.sla_due, now, handoff_id=handoff_id, step=0)
    elif state == "waiting":
        due = now + timedelta(seconds=h.wait_s or 0)
        timers.schedule(conn, "handoff.wait", f"wait:{handoff_id}", due, now, handoff_id=handoff_id)
    else:
        spec = policy.queues[h.queue]
        opens = h.next_open or now
        values["ticket"] = ticket = "WL-" + handoff_id[2:].upper()
        values["follow_up_at"] = opens + timedelta(seconds=spec.follow_up_s)
        timers.schedule(conn, "handoff.follow_up", f"follow_up:{handoff_id}", opens, now, handoff_id=handoff_id)
        if h.after_hours:
            outcome = Outcome(handoff_id, True, f"Your ticket number is {ticket}.", {"ticket": ticket})
    conn.execute(handoffs.insert().values(**values))
    events.record(conn, "handoff.created", now, conversation_id=decision.conversation_id, handoff_id=handoff_id,
                  state=state, queue=h.queue, priority=h.priority, triggers=list(decision.triggers),
                  customer=customer.get("name"))
    _outbox().enqueue(ctx, conn, "handoff.created", handoff_id, h.queue, now)
    return outcome


def _outbox():
    from . import outbox   # outbox reads briefings, which read handoffs: imported when first needed
    return outbox


def link_decision(conn: sa.Connection, handoff_id: str, decision_id: int) -> None:
    conn.execute(handoffs.update().where(handoffs.c.id == handoff_id).values(decision_id=decision_id))


def after_customer_message(conn: sa.Connection, conversation_id: str, message_id: int, with_human: bool,
                           now: datetime) -> None:
    """A customer writing to a conversation a person has: check in if nobody answers within two minutes."""
    if with_human:
        timers.schedule(conn, "conversation.stalled", f"stalled:{message_id}", now + timedelta(seconds=STALLED_AFTER_S),
                        now, conversation_id=conversation_id, message_id=message_id)


def open_handoff_id(conn: sa.Connection, conversation_id: str) -> str | None:
    return conn.execute(_OPEN_HANDOFF, {"cid": conversation_id}).scalar()


_OPEN_HANDOFF = sa.select(handoffs).where(handoffs.c.conversation_id == sa.bindparam("cid"),
                                          handoffs.c.state.in_(OPEN_HANDOFF_STATES))


def tell_customer(ctx: Context, conn: sa.Connection, conversation_id: str, text: str, update: str,
                  now: datetime) -> None:
    """A customer-facing update from Warmline, stored in the transcript (bots read it from the conversation or
    the event stream and pass it on)."""
    from .turns import add_message   # turns imports this module
    from ..core.model import Message
    add_message(ctx, conn, conversation_id, Message("bot", text, now), "warmline", now)
    events.record(conn, "customer.updated", now, conversation_id=conversation_id, update=update, text=text)


def queue_now(ctx: Context, conn: sa.Connection, row, now: datetime, why: str) -> None:
    """Put a waiting handoff or a ticket in its queue, with an SLA due from its queue's calendar."""
    spec = ctx.policies.engine.policy.queues.get(row.queue) or ctx.policies.engine.policy.queues["support"]
    first = spec.first_response_s.get(row.priority, spec.first_response_s.get("medium", 300))
    sla_due = hours.add_business_time(spec.calendar, now, first)
    conn.execute(handoffs.update().where(handoffs.c.id == row.id)
                 .values(state="queued", queued_at=now, sla_due=sla_due))
    timers.schedule(conn, "handoff.sla", f"sla:{row.id}:{row.ladder_step}", sla_due, now, handoff_id=row.id,
                    step=row.ladder_step)
    events.record(conn, "handoff.queued", now, conversation_id=row.conversation_id, handoff_id=row.id,
                  queue=row.queue, priority=row.priority, why=why)


def _handoff(conn: sa.Connection, handoff_id: str):
    return conn.execute(sa.select(handoffs).where(handoffs.c.id == handoff_id).with_for_update()).one_or_none()


def on_wait_elapsed(ctx: Context, conn: sa.Connection, payload: dict[str, Any], now: datetime) -> None:
    """The AI had its chance: hand off unless the customer's issue got resolved meanwhile."""
    row = _handoff(conn, payload["handoff_id"])
    if row is None or row.state != "waiting":
        return
    state = decode_state(conn.execute(sa.select(conversations.c.state)
                                      .where(conversations.c.id == row.conversation_id)).scalar_one())
    if state.resolved:
        conn.execute(handoffs.update().where(handoffs.c.id == row.id).values(state="expired", closed_at=now))
        events.record(conn, "handoff.expired", now, conversation_id=row.conversation_id, handoff_id=row.id,
                      why="the customer's issue was resolved while the AI tried first")
        return
    queue_now(ctx, conn, row, now, "still unresolved after the AI's turn")
    _hand_over(ctx, conn, row.conversation_id, now)
    tell_customer(ctx, conn, row.conversation_id, "I'm bringing in a person from our team to help with this.",
                  "queued", now)


def _hand_over(ctx: Context, conn: sa.Connection, conversation_id: str, now: datetime) -> None:
    """From now on a person has the conversation: the bot stays silent (the core's state says so)."""
    from .turns import add_message
    from ..core.model import Message
    add_message(ctx, conn, conversation_id, Message("system", "handed over to a person", now, event="handoff"),
                "warmline", now)


def on_follow_up(ctx: Context, conn: sa.Connection, payload: dict[str, Any], now: datetime) -> None:
    """The queue opened: an after-hours ticket goes to the front of the day's work."""
    row = _handoff(conn, payload["handoff_id"])
    if row is not None and row.state == "ticket":
        queue_now(ctx, conn, row, now, f"queue opened; follow-up promised by {events.iso(utc(row.follow_up_at))}")


def on_sla_due(ctx: Context, conn: sa.Connection, payload: dict[str, Any], now: datetime) -> None:
    """The escalation ladder for a handoff nobody claimed in time: raise its priority, then move it to the
    queue's overflow queue, and tell supervisors at every step."""
    row = _handoff(conn, payload["handoff_id"])
    if row is None or row.state != "queued" or row.ladder_step != payload["step"]:
        return
    policy = ctx.policies.engine.policy
    spec = policy.queues.get(row.queue)
    step = row.ladder_step + 1
    queue, priority = row.queue, row.priority
    if step == 2 and spec is not None and spec.overflow:
        queue = spec.overflow
    else:
        priority = raise_priority(priority)
    target = policy.queues.get(queue) or spec
    first = target.first_response_s.get(priority, 300) if target else 300
    next_due = hours.add_business_time(target.calendar, now, first) if target else now + timedelta(seconds=first)
    conn.execute(handoffs.update().where(handoffs.c.id == row.id)
                 .values(ladder_step=step, queue=queue, priority=priority, sla_due=next_due))
    events.record(conn, "handoff.sla_breached", now, conversation_id=row.conversation_id, handoff_id=row.id,
                  step=step, queue=queue, priority=priority, was_queue=row.queue, was_priority=row.priority,
                  notify="supervisors")
    _outbox().enqueue(ctx, conn, "handoff.sla_breached", row.id, queue, now, step=step, was_queue=row.queue)
    if step < 4:
        timers.schedule(conn, "handoff.sla", f"sla:{row.id}:{step}", next_due, now, handoff_id=row.id, step=step)


def on_stalled(ctx: Context, conn: sa.Connection, payload: dict[str, Any], now: datetime) -> None:
    """A customer's message that no person answered for two minutes gets a check-in, once."""
    asked = conn.execute(sa.select(messages.c.idx).where(messages.c.id == payload["message_id"])).scalar()
    conversation_id = payload["conversation_id"]
    answered = conn.execute(sa.select(sa.func.count()).select_from(messages).where(
        messages.c.conversation_id == conversation_id, messages.c.idx > asked,
        messages.c.role.in_(("agent", "customer")))).scalar_one()
    handoff_id = open_handoff_id(conn, conversation_id)
    if answered or handoff_id is None:
        return
    row = conn.execute(sa.select(handoffs.c.agent_id, handoffs.c.state).where(handoffs.c.id == handoff_id)).one()
    if row.state == "collecting":   # Warmline asked the customer something: the customer owes the answer
        return
    who = "Your agent is" if row.state == "assigned" else "Our team is"
    tell_customer(ctx, conn, conversation_id, f"{who} still on this; thanks for bearing with us.", "stalled", now)
    events.record(conn, "conversation.stalled", now, conversation_id=conversation_id, handoff_id=handoff_id,
                  waited_s=STALLED_AFTER_S)


def handoff_view(row) -> dict:
    """A handoff row as the API shows it."""
    return {
        "id": row.id, "conversation_id": row.conversation_id, "state": row.state, "queue": row.queue,
        "priority": row.priority, "timing": row.timing, "triggers": row.triggers, "agent_id": row.agent_id,
        "ladder_step": row.ladder_step, "choice": row.choice, "contact": row.contact, "ticket": row.ticket,
        "details": row.details,
        "csat": row.csat, "appropriate": row.appropriate, "feedback_note": row.feedback_note,
        **{k: events.iso(utc(getattr(row, k))) for k in ("created_at", "queued_at", "sla_due", "follow_up_at",
                                                          "claimed_at", "closed_at")},
    }


HANDLERS = {"handoff.wait": on_wait_elapsed, "handoff.follow_up": on_follow_up, "handoff.sla": on_sla_due,
            "conversation.stalled": on_stalled}


def handlers() -> dict:
    """Every timer kind the worker runs, deliveries included."""
    return {**HANDLERS, "deliver": _outbox().deliver}
