"""Analytics over a period, read from the database and summarised by core/analytics.py."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa

from ..core import analytics as core_analytics
from ..errors import InvalidRequest
from ..store.tables import conversations, decisions, handoffs
from .context import Context
from .handoffs import utc


def period_of_week(week: str) -> tuple[datetime, datetime]:
    """'2026-W47' -> Monday 00:00 UTC to the next Monday."""
    try:
        year, number = week.upper().split("-W")
        monday = date.fromisocalendar(int(year), int(number), 1)
    except ValueError:
        raise InvalidRequest(f"week {week!r}: expected an ISO week like 2026-W47") from None
    start = datetime(monday.year, monday.month, monday.day, tzinfo=timezone.utc)
    return start, start + timedelta(days=7)


def rows(ctx: Context, start: datetime, end: datetime) -> tuple[list[dict], list[dict]]:
    topics = set(ctx.policies.engine.policy.topics)
    with ctx.db.connect() as conn:
        convs = conn.execute(sa.select(conversations.c.id, conversations.c.customer, conversations.c.created_at,
                                       conversations.c.updated_at, conversations.c.csat)
                             .where(conversations.c.created_at >= start, conversations.c.created_at < end)).all()
        ids = [c.id for c in convs]
        bodies: dict[str, list] = {}
        for chunk in range(0, len(ids), 500):
            for cid, body in conn.execute(sa.select(decisions.c.conversation_id, decisions.c.body)
                                          .where(decisions.c.conversation_id.in_(ids[chunk:chunk + 500]))
                                          .order_by(decisions.c.turn)):
                bodies.setdefault(cid, []).append(body)
        hands = conn.execute(sa.select(handoffs).where(handoffs.c.created_at >= start,
                                                       handoffs.c.created_at < end)).all()
    conversation_rows = []
    for c in convs:
        decided = bodies.get(c.id, [])
        fired = [t for d in decided for t in d.get("triggers", ())]
        escalation = next((d for d in decided if d.get("action") == "escalate"), None)
        segment = (escalation or {}).get("trace", {}).get("measures", {}).get("segment") or {}
        conversation_rows.append({
            "id": c.id, "customer_id": (c.customer or {}).get("id"), "created_at": utc(c.created_at),
            "last_at": utc(c.updated_at), "escalated": escalation is not None, "triggers": sorted(set(fired)),
            "segment": next((name for name, on in segment.items() if on), None),
            "issue": next((t for t in fired if t in topics), None), "csat": c.csat})
    handoff_rows = [{"id": h.id, "conversation_id": h.conversation_id, "created_at": utc(h.created_at),
                     "claimed_at": utc(h.claimed_at), "closed_at": utc(h.closed_at), "state": h.state,
                     "queue": h.queue, "triggers": list(h.triggers or ()), "appropriate": h.appropriate,
                     "csat": h.csat, "feedback_note": h.feedback_note} for h in hands]
    return conversation_rows, handoff_rows


def summary(ctx: Context, start: datetime, end: datetime) -> dict[str, Any]:
    if end <= start:
        raise InvalidRequest("the period must end after it starts")
    conversation_rows, handoff_rows = rows(ctx, start, end)
    out = core_analytics.summarise(conversation_rows, handoff_rows, ctx.policies.engine.policy.analytics)
    out["period"] = {"from": start.isoformat().replace("+00:00", "Z"), "to": end.isoformat().replace("+00:00", "Z")}
    out["review_candidates"] = core_analytics.could_the_ai_have_handled_it(
        handoff_rows, {c["id"]: c for c in conversation_rows})
    out["agent_notes"] = [h["feedback_note"] for h in handoff_rows if h["feedback_note"]]
    return out


def rate_conversation(ctx: Context, conversation_id: str, score: int) -> None:
    if not 1 <= score <= 5:
        raise InvalidRequest(f"csat must be 1 to 5, got {score}")
    with ctx.begin() as conn:
        done = conn.execute(conversations.update().where(conversations.c.id == conversation_id).values(csat=score))
    if done.rowcount != 1:
        from ..errors import NotFound
        raise NotFound(f"no conversation {conversation_id!r}")
