"""Durable timers: due-time rows claimed with a lease.

A worker claims due rows (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite's write lock does the same job), then
runs each in a transaction that also marks the row done, guarded by the attempt number it claimed. So a worker
killed mid-run leaves its claim to expire and the row runs again after the lease; a worker that comes back late
after its lease expired finds its attempt superseded and rolls back: nothing fires twice for the same purpose
(`purpose` is unique too, so scheduling the same thing twice is one row).
"""
from __future__ import annotations

import logging
import random
import threading
from datetime import datetime, timedelta
from typing import Any, Callable

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from .. import metrics
from ..store.tables import timers
from .context import Context

log = logging.getLogger("warmline.timers")
MAX_ATTEMPTS = 8
Handler = Callable[[Context, sa.Connection, dict[str, Any], datetime], None]


def schedule(conn: sa.Connection, kind: str, purpose: str, due_at: datetime, now: datetime,
             **payload: Any) -> None:
    """Schedule once per purpose; scheduling the same purpose again changes nothing."""
    conn.execute(_SCHEDULE[conn.dialect.name], {"purpose": purpose, "kind": kind, "due_at": due_at,
                                                "payload": payload, "state": "pending", "attempts": 0,
                                                "created_at": now})


_SCHEDULE = {name: dialect.insert(timers).on_conflict_do_nothing(index_elements=["purpose"])
             for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))}


def cancel(conn: sa.Connection, purpose: str) -> None:
    conn.execute(timers.update().where(timers.c.purpose == purpose, timers.c.state == "pending")
                 .values(state="cancelled"))


def claim_due(ctx: Context, now: datetime, limit: int = 20) -> list[Any]:
    due = sa.or_(sa.and_(timers.c.state == "pending", timers.c.due_at <= now),
                 sa.and_(timers.c.state == "running", timers.c.lease_until < now))
    ids = (sa.select(timers.c.id).where(due).order_by(timers.c.due_at).limit(limit)
           .with_for_update(skip_locked=True))
    claim = (timers.update().where(timers.c.id.in_(ids.scalar_subquery()))
             .values(state="running", lease_until=now + timedelta(seconds=ctx.settings.lease_s),
                     attempts=timers.c.attempts + 1)
             .returning(timers.c.id, timers.c.kind, timers.c.purpose, timers.c.payload, timers.c.attempts))
    with ctx.begin() as conn:
        return list(conn.execute(claim))


def run(ctx: Context, row: Any, handlers: dict[str, Handler], now: datetime) -> str:
    """Run one claimed timer; 'done', 'superseded', 'retry' or 'dead'. A handler marked `external` (it talks to
    the outside world) runs outside any transaction; the row is marked done after it succeeds."""
    handler = handlers[row.kind]
    if getattr(handler, "external", False):
        try:
            handler(ctx, dict(row.payload), now, row.attempts)
        except Exception as exc:
            return _failed(ctx, row, exc, now)
        with ctx.begin() as conn:
            finished = conn.execute(_finish(row, now))
        return "done" if finished.rowcount == 1 else "superseded"
    try:
        with ctx.begin() as conn:
            if conn.execute(_finish(row, now)).rowcount != 1:
                raise _Superseded()
            handler(ctx, conn, dict(row.payload), now)
        return "done"
    except _Superseded:
        return "superseded"
    except Exception as exc:
        return _failed(ctx, row, exc, now)


def _finish(row: Any, now: datetime):
    """Done, if this worker's claim is still the current one (its attempt number is the fencing token)."""
    return (timers.update().where(timers.c.id == row.id, timers.c.state == "running",
                                  timers.c.attempts == row.attempts)
            .values(state="done", done_at=now, lease_until=None))


def _failed(ctx: Context, row: Any, exc: Exception, now: datetime) -> str:
    """Retried with exponential backoff and jitter (or the peer's Retry-After), then kept as dead for a person
    to see; a failure that will repeat itself (Permanent) is dead at once."""
    log.warning("timer %s (%s) failed on attempt %d: %s", row.purpose, row.kind, row.attempts, exc)
    dead = row.attempts >= MAX_ATTEMPTS or getattr(exc, "permanent", False)
    after = getattr(exc, "after_s", None)
    backoff = after if after is not None else min(3600.0, 2 ** row.attempts) * random.uniform(0.5, 1.0)
    with ctx.begin() as conn:
        conn.execute(timers.update().where(timers.c.id == row.id, timers.c.attempts == row.attempts)
                     .values(state="dead" if dead else "pending", lease_until=None,
                             due_at=now + timedelta(seconds=backoff), last_error=f"{type(exc).__name__}: {exc}"))
    return "dead" if dead else "retry"


class _Superseded(Exception):
    pass


def run_due(ctx: Context, handlers: dict[str, Handler], now: datetime | None = None, limit: int = 20) -> int:
    """Claim and run what is due; how many ran."""
    now = now or ctx.clock.now()
    rows = claim_due(ctx, now, limit)
    for row in rows:
        metrics.TIMERS.labels(row.kind, run(ctx, row, handlers, now)).inc()
    return len(rows)


class Worker:
    """Runs due timers until stopped: inside `serve` (a thread) or on its own (`warmline worker`)."""

    def __init__(self, ctx: Context, handlers: dict[str, Handler]):
        self.ctx, self.handlers = ctx, handlers
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run_forever, name="warmline-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run_forever(self) -> None:
        while not self._stop.is_set():
            try:
                ran = run_due(self.ctx, self.handlers)
            except sa.exc.OperationalError as exc:   # database restarting: try again shortly
                log.warning("worker cannot reach the database: %s", exc.orig)
                ran = 0
            if not ran:
                self._stop.wait(self.ctx.settings.worker_poll_s)
