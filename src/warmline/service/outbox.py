"""The durable outbox: handoff events bound for destinations are timer rows written in the same transaction as
the event, delivered by the worker outside any transaction (a peer's slowness never holds a database lock), each
attempt recorded. Delivery is at least once, with the same idempotency key on every attempt (the webhook-id, the
helpdesk's external id), so a receiver that dedups by it gets every handoff exactly once, across restarts."""
from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ..connectors import DeliveryFailed, Delivery, Permanent
from ..core.redact import redact_briefing
from ..errors import NotFound
from ..store.tables import deliveries, handoffs, timers as timer_rows
from . import briefings, events, timers
from .context import Context


def enqueue(ctx: Context, conn: sa.Connection, event: str, handoff_id: str, queue: str, now: datetime,
            **data: Any) -> None:
    for destination in ctx.destinations.values():
        if destination.wants(event, queue):
            key = f"{destination.name}:{handoff_id}:{event}"
            if event == "handoff.sla_breached":
                key += f":{data.get('step', 0)}"
            timers.schedule(conn, "deliver", f"deliver:{key}", now, now, key=key, destination=destination.name,
                            handoff_id=handoff_id, event=event, data=data)


def deliver(ctx: Context, payload: dict[str, Any], now: datetime, attempt: int) -> None:
    destination = ctx.destinations.get(payload["destination"])
    if destination is None:
        raise Permanent(f"destination {payload['destination']!r} is no longer configured")
    briefing = briefings.for_handoff(ctx, payload["handoff_id"])
    if destination.spec.redact:
        briefing = redact_briefing(briefing, destination.spec.redact, destination.spec.region)
    handoff = dict(briefing.handoff)       # the briefing read the handoff already
    if destination.spec.redact:
        handoff["contact"] = None          # what a flow collected is personal too
    policy_queue = ctx.policies.engine.policy.queues.get(handoff["queue"])
    delivery = Delivery(payload["key"], payload["event"], now, handoff, briefing,
                        policy_queue.team if policy_queue else handoff["queue"], payload.get("data") or {})
    started = time.perf_counter()
    try:
        status = destination.connector.send(delivery)
    except DeliveryFailed as exc:
        _record(ctx, payload, attempt, now, "dead" if isinstance(exc, Permanent) or attempt >= timers.MAX_ATTEMPTS
                else "failed", exc.status, str(exc), started)
        raise
    except Exception as exc:   # a connector's own bug: recorded, retried like any failure
        _record(ctx, payload, attempt, now, "failed", None, f"{type(exc).__name__}: {exc}", started)
        raise
    _record(ctx, payload, attempt, now, "delivered", status, None, started)


deliver.external = True   # runs outside the timer's transaction


def _record(ctx: Context, payload: dict, attempt: int, now: datetime, outcome: str, status: int | None,
            error: str | None, started: float) -> None:
    with ctx.begin() as conn:
        conn.execute(deliveries.insert().values(
            key=payload["key"], destination=payload["destination"], handoff_id=payload["handoff_id"],
            event=payload["event"], attempt=attempt, at=now, outcome=outcome, status=status, error=error,
            duration_ms=int((time.perf_counter() - started) * 1000)))
        if outcome == "dead":
            events.record(conn, "delivery.dead", now, handoff_id=payload["handoff_id"],
                          destination=payload["destination"], error=error)


def of_handoff(ctx: Context, handoff_id: str) -> dict[str, Any]:
    with ctx.db.connect() as conn:
        if conn.execute(sa.select(handoffs.c.id).where(handoffs.c.id == handoff_id)).first() is None:
            raise NotFound(f"no handoff {handoff_id!r}")
        attempts = conn.execute(sa.select(deliveries).where(deliveries.c.handoff_id == handoff_id)
                                .order_by(deliveries.c.id)).all()
        pending = conn.execute(sa.select(timer_rows.c.payload, timer_rows.c.state, timer_rows.c.due_at,
                                         timer_rows.c.last_error)
                               .where(timer_rows.c.kind == "deliver",
                                      timer_rows.c.purpose.like(f"deliver:%:{handoff_id}:%"))).all()
    return {
        "deliveries": [{"key": p.payload["key"], "destination": p.payload["destination"],
                        "event": p.payload["event"], "state": p.state, "next_attempt_at": events.iso(p.due_at)
                        if p.state == "pending" else None, "last_error": p.last_error} for p in pending],
        "attempts": [{"key": a.key, "destination": a.destination, "attempt": a.attempt, "at": events.iso(a.at),
                      "outcome": a.outcome, "status": a.status, "error": a.error, "duration_ms": a.duration_ms}
                     for a in attempts]}


def redeliver(ctx: Context, handoff_id: str, destination: str | None) -> int:
    """Deliver again on demand (a dead letter after the peer was fixed): same keys, so receivers still dedup."""
    now = ctx.clock.now()
    with ctx.begin() as conn:
        rows = conn.execute(sa.select(timer_rows.c.id, timer_rows.c.payload)
                            .where(timer_rows.c.kind == "deliver",
                                   timer_rows.c.purpose.like(f"deliver:%:{handoff_id}:%"))).all()
        chosen = [r for r in rows if destination in (None, r.payload["destination"])]
        if not chosen:
            raise NotFound(f"handoff {handoff_id!r} has no deliveries" + (f" to {destination!r}" if destination
                                                                          else ""))
        for r in chosen:
            conn.execute(timer_rows.update().where(timer_rows.c.id == r.id).values(
                state="pending", due_at=now, attempts=0, lease_until=None, last_error=None))
    return len(chosen)
