"""Live events over Server-Sent Events. Events are read from the event log, so a client connected to any
instance sees every instance's changes, and `Last-Event-ID` resumes where a dropped connection left off."""
from __future__ import annotations

import asyncio
import json

from fastapi import APIRouter, Request
from sse_starlette import EventSourceResponse

from ..errors import InvalidRequest
from ..service import events
from .api import Ctx, Who, STAFF

router = APIRouter(prefix="/v1")
POLL_S = 0.5


@router.get("/events", tags=["agent"], summary="Live handoff and conversation events (Server-Sent Events)")
async def stream(request: Request, ctx: Ctx, who: Who, after: int | None = None):
    who.require(*STAFF)
    resume = request.headers.get("last-event-id", "0") or "0"
    if not resume.isdigit():
        raise InvalidRequest(f"Last-Event-ID {resume!r} is not an event id (a whole number)")
    last = after if after is not None else int(resume)
    if after is None and "last-event-id" not in request.headers:
        with ctx.db.connect() as conn:   # a new client starts from now, not from the beginning of time
            last = events.latest_id(conn)

    async def feed():
        async for batch in batches(request, ctx, last):
            for event in batch:
                yield {"id": str(event["id"]), "event": event["kind"], "data": json.dumps(event)}

    return EventSourceResponse(feed(), ping=15)


async def batches(request: Request, ctx, last: int):
    """New events after `last`, a batch at a time, until the client goes away (the console's feed too)."""
    while not await request.is_disconnected():
        batch = await asyncio.to_thread(_read, ctx, last)
        if batch:
            last = batch[-1]["id"]
            yield batch
        else:
            await asyncio.sleep(POLL_S)


def _read(ctx, last: int) -> list[dict]:
    with ctx.db.connect() as conn:
        return events.after(conn, last)
