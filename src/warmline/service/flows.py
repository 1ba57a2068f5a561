"""Running a pre-handoff flow (core/flows.py) on a handoff in state `collecting`: each customer message while
it collects is an answer; when the last step is done the handoff is queued, to the queue the answers chose."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

import sqlalchemy as sa

from ..core import flows as flows_core
from ..store.tables import handoffs as handoff_table
from . import events, handoffs
from .context import Context


def known(customer: Mapping[str, Any]) -> dict[str, Any]:
    """What the customer's profile already answers, by step field."""
    out = {k: v for k, v in customer.items() if v not in (None, "", [])}
    if out.get("email") or out.get("phone"):
        out.setdefault("email_or_phone", out.get("email") or out.get("phone"))
        out.setdefault("contact", out.get("email") or out.get("phone"))
    return out


def take_answer(ctx: Context, conn: sa.Connection, row, answer: str, now: datetime):
    details = dict(row.details or {})
    flow = ctx.policies.engine.policy.flows.get(details.get("flow"))
    if flow is None:   # the policy dropped the flow since: stop asking, queue it as it is
        handoffs.queue_now(ctx, conn, row, now, "its flow is no longer in the policy")
        return handoffs.Outcome(row.id)
    progress, hint = flows_core.advance(flow, flows_core.Progress.from_dict(details), answer)
    contact = {**(row.contact or {}), **progress.collected}
    conn.execute(handoff_table.update().where(handoff_table.c.id == row.id)
                 .values(details={"flow": flow.name, **progress.as_dict()}, contact=contact))
    if hint is not None:
        step = flow.steps[progress.step]
        say = f"Sorry, I need {hint}. {step.ask}"
        return handoffs.Outcome(row.id, False, say, {"ask": {"field": step.field, "question": say}})
    if progress.step is not None:
        step = flow.steps[progress.step]
        return handoffs.Outcome(row.id, False, step.ask, {"ask": {"field": step.field, "question": step.ask}})
    queue = flows_core.queue_after(flow, progress, row.queue)
    if queue != row.queue:
        conn.execute(handoff_table.update().where(handoff_table.c.id == row.id).values(queue=queue))
        row = conn.execute(sa.select(handoff_table).where(handoff_table.c.id == row.id)).one()
    events.record(conn, "handoff.details_collected", now, conversation_id=row.conversation_id, handoff_id=row.id,
                  collected=dict(progress.collected), missing=list(progress.missing), queue=queue)
    handoffs.queue_now(ctx, conn, row, now, "the details it needs are collected")
    team = ctx.policies.engine.policy.queues[queue].team
    return handoffs.Outcome(row.id, False, f"Thank you, that's everything. Our {team} will be with you shortly.",
                            {"ask": None})
