"""Estimated waits per queue from what the database says now: recent claim times, agents online, arrivals and
handle times. Computed at most every few seconds per process: a turn must not pay for four aggregate queries."""
from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from typing import Mapping

import sqlalchemy as sa

from ..core.model import PRIORITIES
from ..core.waits import MIN_SAMPLES, WaitEstimate, estimate
from ..store.tables import agents, handoffs
from .context import Context

REFRESH_S = 5.0
DEFAULT_HANDLE_S = 600.0


class WaitBoard:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._at = float("-inf")
        self._estimates: dict[str, WaitEstimate] = {}

    def estimates(self, ctx: Context, now: datetime) -> Mapping[str, WaitEstimate]:
        if time.monotonic() - self._at > REFRESH_S:
            with self._lock:
                if time.monotonic() - self._at > REFRESH_S:
                    self._estimates = compute(ctx, now)
                    self._at = time.monotonic()
        return self._estimates

    def invalidate(self) -> None:
        self._at = float("-inf")


def compute(ctx: Context, now: datetime) -> dict[str, WaitEstimate]:
    """Per queue ("billing") and per queue and priority ("billing:high"). A priority's own recent claims when
    there are enough, else the queue's; Erlang C counts only the traffic served before it (its priority and
    higher), since agents take the queue in priority order."""
    policy = ctx.policies.engine.policy
    with ctx.db.connect() as conn:
        claimed = conn.execute(sa.select(handoffs.c.queue, handoffs.c.priority, handoffs.c.queued_at,
                                         handoffs.c.claimed_at)
                               .where(handoffs.c.claimed_at >= now - timedelta(hours=2),
                                      handoffs.c.queued_at.is_not(None))).all()
        arrivals = conn.execute(sa.select(handoffs.c.queue, handoffs.c.priority, sa.func.count())
                                .where(handoffs.c.queued_at >= now - timedelta(hours=1))
                                .group_by(handoffs.c.queue, handoffs.c.priority)).all()
        handled = conn.execute(sa.select(handoffs.c.claimed_at, handoffs.c.closed_at)
                               .where(handoffs.c.closed_at >= now - timedelta(days=1),
                                      handoffs.c.claimed_at.is_not(None))).all()
        online = conn.execute(sa.select(agents.c.queues, agents.c.capacity).where(agents.c.status == "online")).all()
    handle_s = max(1.0, (sum((c - s).total_seconds() for s, c in handled) / len(handled)) if handled
                   else DEFAULT_HANDLE_S)
    waits_by: dict[tuple[str, str], list[float]] = {}      # grouped once: every claim of the window is read once
    for queue, prio, q, c in claimed:
        waits_by.setdefault((queue, prio), []).append((c - q).total_seconds())
    came_by = {(queue, prio): n for queue, prio, n in arrivals}
    out = {}
    for name, spec in policy.queues.items():
        staffed = sum(1 for queues, _capacity in online if not queues or name in queues)
        waits = {p: waits_by.get((name, p), []) for p in PRIORITIES}
        everyone = [w for ws in waits.values() for w in ws]
        came = {p: came_by.get((name, p), 0) for p in PRIORITIES}
        out[name] = estimate(everyone, staffed, sum(came.values()), handle_s, spec.expected_wait_s)
        for rank, priority in enumerate(PRIORITIES):
            own = waits[priority] if len(waits[priority]) >= MIN_SAMPLES else everyone
            ahead = sum(came[p] for p in PRIORITIES[rank:])
            out[f"{name}:{priority}"] = estimate(own, staffed, ahead, handle_s, spec.expected_wait_s)
    return out
