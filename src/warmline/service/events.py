"""The event log: every change to a handoff or conversation, in order. The console's live view (SSE) and the
audit both read it; it is written in the same transaction as the change it describes."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ..store.tables import events


def record(conn: sa.Connection, kind: str, now: datetime, *, conversation_id: str | None = None,
           handoff_id: str | None = None, actor: str | None = None, **data: Any) -> None:
    conn.execute(events.insert().values(at=now, kind=kind, conversation_id=conversation_id, handoff_id=handoff_id,
                                        actor=actor, data=data))


def after(conn: sa.Connection, last_id: int, limit: int = 200) -> list[dict[str, Any]]:
    rows = conn.execute(sa.select(events).where(events.c.id > last_id).order_by(events.c.id).limit(limit))
    return [as_dict(r) for r in rows]


def latest_id(conn: sa.Connection) -> int:
    return conn.execute(sa.select(sa.func.max(events.c.id))).scalar() or 0


def of_handoff(conn: sa.Connection, handoff_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(sa.select(events).where(events.c.handoff_id == handoff_id).order_by(events.c.id))
    return [as_dict(r) for r in rows]


def as_dict(row) -> dict[str, Any]:
    return {"id": row.id, "at": iso(row.at), "kind": row.kind, "conversation_id": row.conversation_id,
            "handoff_id": row.handoff_id, "actor": row.actor, "data": row.data}


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:        # SQLite hands back naive datetimes; everything stored is UTC
        return value.isoformat() + "Z"
    return value.isoformat().replace("+00:00", "Z")
